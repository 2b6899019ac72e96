/* clevertap-bridge demo page. Event data is shown with textContent only: never parsed as HTML, never evaluated. */
(function () {
  "use strict";
  var analytics = window.rudderanalytics;
  var panel = document.getElementById("panel");

  function byId(id) {
    return document.getElementById(id);
  }

  function show(kind, text) {
    var item = document.createElement("li");
    item.className = kind;
    var label = document.createElement("span");
    label.className = "kind";
    label.textContent = kind;
    item.appendChild(label);
    item.appendChild(document.createTextNode(text));
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

  // What the bridge did: every record it publishes (see ClevertapBridge.log).
  window.addEventListener("clevertap-bridge", function (event) {
    var record = event.detail || {};
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
    } else if (record.kind === "warning" || record.kind === "dropped" || record.kind === "error") {
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
    byId("status").textContent = sdk + " · " + python + " · " + pending + " queued";
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
