/* clevertap-bridge demo page. Event data is shown with textContent only: never parsed as HTML, never evaluated. */
(function () {
  "use strict";
  var analytics = window.rudderanalytics;
  // Ask the bridge for what the transformation made of each call, for the panel's "transformed" lines.
  window.ClevertapBridgeConfig = window.ClevertapBridgeConfig || {};
  window.ClevertapBridgeConfig.echoTransformed = true;
  var panel = document.getElementById("panel");

  function byId(id) {
    return document.getElementById(id);
  }

  // Each panel line is a kind (its class and label) and text; `detail`, if given, is a collapsed JSON block.
  var LABELS = { applied: "push", wire: "wire", "wire-sdk": "wire (SDK's own)", "wire-replay": "wire (replayed)" };

  function show(kind, text, detail) {
    var item = document.createElement("li");
    item.className = kind;
    var label = document.createElement("span");
    label.className = "kind";
    label.textContent = LABELS[kind] || kind;
    item.appendChild(label);
    item.appendChild(document.createTextNode(text));
    if (detail !== undefined) {
      var box = document.createElement("details");
      var summary = document.createElement("summary");
      summary.textContent = "decoded payload";
      var pre = document.createElement("pre");
      pre.textContent = JSON.stringify(detail, null, 2);
      box.appendChild(summary);
      box.appendChild(pre);
      item.appendChild(box);
    }
    panel.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function json(value) {
    return JSON.stringify(value);
  }

  function parsed(id) {
    var text = byId(id).value.trim();
    if (!text) {
      return {};
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      show("error", id + ": not JSON (" + e.message + ")");
      return null;
    }
  }

  function call(method, args) {
    show("call", "rudderanalytics." + method + "(" + args.map(json).join(", ") + ")");
    analytics[method].apply(analytics, args);
  }

  // CleverTap's endpoint. The SDK always sends each call as a JSONP <script class="ct-jp-cb"> to
  // https://<region>.clevertap-prod.com/a?..., which nothing answers without a network. The demo server
  // (make demo) has a stand-in for that endpoint under STANDIN: when it is there, the page hands the SDK's
  // scripts to it (https://eu1.clevertap-prod.com/a?... becomes STANDIN + "https/eu1.clevertap-prod.com/a?..."),
  // it answers as CleverTap does, and the panel shows what arrived, decoded. Served elsewhere, nothing changes.
  var STANDIN = "/clevertap-standin/";
  var standinNext = null; // the number of the next request to show; null: no stand-in (yet)
  var standin = fetch(STANDIN + "wire?since=-1", { cache: "no-store" })
    .then(function (response) {
      return response.ok ? response.json() : null;
    })
    .then(function (answer) {
      if (answer && typeof answer.next === "number") {
        standinNext = answer.next;
        pollWire();
      }
      return standinNext !== null;
    })
    .catch(function () {
      return false;
    });

  function toStandin(script) {
    var url = new URL(script.src, window.location.href);
    if (url.protocol === "https:") {
      script.src = window.location.origin + STANDIN + "https/" + url.host + url.pathname + url.search;
    }
  }

  // The SDK appends its scripts with document.head.appendChild; the request starts only then. Until the
  // stand-in has answered whether it is there, a script waits (in order), so none goes to the network.
  var head = document.head;
  var appendChild = head.appendChild;
  head.appendChild = function (node) {
    if (!(node && node.tagName === "SCRIPT" && node.classList.contains("ct-jp-cb"))) {
      return appendChild.call(head, node);
    }
    if (standinNext !== null) {
      toStandin(node);
      return appendChild.call(head, node);
    }
    standin.then(function (present) {
      if (present) {
        toStandin(node);
      }
      appendChild.call(head, node);
    });
    return node;
  };

  // What reached the stand-in, decoded: each request's record (what CleverTap gets, in short) as text.
  function pollWire() {
    fetch(STANDIN + "wire?since=" + standinNext, { cache: "no-store" })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        answer.requests.forEach(function (request) {
          if (request.sdk) {
            var name = request.record && request.record.evtName;
            show("wire-sdk", request.host + request.path + " type=" + request.type + (name ? " " + json(name) : ""), request.payload);
          } else {
            show(request.replay ? "wire-replay" : "wire", request.host + " " + json(request.record), request.payload);
          }
        });
        standinNext = answer.next;
      })
      .catch(function () { /* the server stopped: try again later */ })
      .then(function () {
        window.setTimeout(pollWire, 400);
      });
  }

  // What the site's transformation made of a call (docs/demo.md). The worker names the messages the
  // mapping got as "transformed" (when asked for them); a log record of the call that carries them shows
  // the outcome. An event the transformation filtered is a "skipped" record whose text says so.
  function showTransformation(record) {
    var out = record.transformed;
    var message = record.entry && record.entry.message;
    if (record.kind === "skipped" && /^(EventError: )?transformation: /.test(String(record.text))) {
      show("transformed", "dropped: " + record.text);
      return true;
    }
    if (!Array.isArray(out) || !message) {
      return false;
    }
    var outcome = out.length === 0 ? "dropped" : out.length > 1 ? "split in " + out.length : "changed";
    if (outcome !== "changed" || json(out[0]) !== json(message)) {
      show("transformed", outcome + (out.length ? ": " + out.map(json).join(" + ") : ""));
    }
    return false;
  }

  // What the bridge did: every record it publishes (see ClevertapBridge.log).
  window.addEventListener("clevertap-bridge", function (event) {
    var record = event.detail || {};
    if (showTransformation(record)) {
      return;
    }
    if (record.kind === "applied") {
      if (!record.calls.length) {
        show("applied", "nothing to push for " + (record.entry.kind === "privacy" ? "the privacy change" : record.entry.message.type));
      }
      record.calls.forEach(function (c) {
        show("applied", "clevertap." + c[0] + ".push(" + c.slice(1).map(json).join(", ") + ")");
      });
    } else if (record.kind === "init") {
      record.calls.forEach(function (c) {
        show("init", "clevertap." + c[0] + ".push(" + c.slice(1).map(json).join(", ") + ")  (before account.push)");
      });
    } else if (record.kind === "web-push") {
      record.calls.forEach(function (c) {
        show("web-push", "clevertap." + c[0] + ".push(" + c.slice(1).map(json).join(", ") + ")");
      });
      if (byId("web-push-call")) {
        byId("web-push-call").textContent = "clevertap.notifications.push made";
      }
    } else if (["warning", "dropped", "skipped", "error"].indexOf(record.kind) >= 0) {
      show(record.kind, record.text);
    }
  });

  byId("identify").addEventListener("click", function () {
    var traits = parsed("traits");
    if (traits !== null) {
      call("identify", [byId("user-id").value, traits]);
    }
  });
  byId("track").addEventListener("click", function () {
    var properties = parsed("properties");
    if (properties !== null) {
      call("track", [byId("event-name").value, properties]);
    }
  });
  byId("order-completed").addEventListener("click", function () {
    call("track", ["Order Completed", {
      checkout_id: "chk-" + Date.now(), order_id: "ord-1", revenue: 42.5, currency: "USD",
      products: [{ product_id: "p1", name: "Mug", price: 21.25, quantity: 2 }]
    }]);
  });
  byId("page").addEventListener("click", function () {
    call("page", ["Shop", byId("page-name").value, { section: "demo" }]);
  });
  byId("screen").addEventListener("click", function () {
    call("screen", [byId("screen-name").value, { theme: "dark" }]);
  });
  byId("alias").addEventListener("click", function () {
    call("alias", [byId("alias-to").value]);
  });
  byId("reset").addEventListener("click", function () {
    call("reset", []);
  });
  byId("opt-out").addEventListener("change", function (event) {
    call("setPrivacy", [{ optOut: event.target.checked }]);
  });
  byId("use-ip").addEventListener("change", function (event) {
    call("setPrivacy", [{ useIP: event.target.checked }]);
  });
  byId("clear").addEventListener("click", function () {
    panel.textContent = "";
  });

  function status() {
    var bridge = window.ClevertapBridge;
    var sdk = bridge && bridge.isLive() ? "CleverTap SDK live" : "CleverTap SDK loading";
    var python = bridge && bridge.mode ? "Python ready (" + bridge.mode + ")" : "Python starting";
    var pending = bridge ? bridge.pending() : 0;
    var endpoint = standinNext !== null ? "CleverTap answered by the demo server" : "CleverTap's own endpoint";
    byId("status").textContent = sdk + " · " + python + " · " + pending + " queued · " + endpoint;
  }
  window.setInterval(status, 300);

  // Web push (only with [web_push] enabled): the SDK's soft prompt and the service worker it registers.
  function webPushStatus() {
    var prompt = document.getElementById("wzrk_wrapper") || document.getElementById("pnWrapper");
    byId("web-push-prompt").textContent = prompt ? "shown (#" + prompt.id + ")" : "not shown";
    byId("web-push-permission").textContent = "Notification" in window ? Notification.permission : "not supported";
    if (!navigator.serviceWorker) {
      byId("web-push-registration").textContent = "service workers are not available (not a secure context?)";
      return;
    }
    navigator.serviceWorker.getRegistrations().then(function (registrations) {
      byId("web-push-registration").textContent = registrations.length ? registrations.map(function (r) {
        var worker = r.active || r.waiting || r.installing;
        return (worker ? worker.scriptURL + " (" + worker.state + ")" : "no worker") + ", scope " + r.scope;
      }).join("; ") : "none";
    });
  }
  if (byId("web-push")) {
    window.setInterval(webPushStatus, 500);
    webPushStatus();
  }

  analytics.load("DEMO-WRITE-KEY", "", { integrations: { All: true, CleverTap: { optOut: false, useIP: false } } });
  analytics.ready(function () {
    show("ready", "rudderanalytics.ready()");
  });
  status();
})();
