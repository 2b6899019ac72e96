// The drain loop: entries go to Python in batches, their answers come back as SDK calls, and the applier
// pushes them to the SDK queues Python allows, with two gates: the onUserLogin gate and flow control.
// Every CleverTap name here comes from config.sdk (bridge/device/_browser.py).

import { describe, hasOwn, isObject } from "./util.js";

var BATCH_SIZE = 50; // messages per worker round trip
var APPLY_CHUNK = 25; // entries applied to the SDK per task: the page stays responsive in a burst
var MAX_TRIES = 3; // an entry in flight when Python died this often, alone, is dropped
var MAX_RESTARTS = 5;
var LOGIN_WAIT_WARN_MS = 15000;
// Flow control: at most SDK_WINDOW requests handed to the SDK and not yet answered.
export var SDK_WINDOW = 20;
var QUIET_MS = 3000;

// options: {global, config, queue (createQueue), log: {warn, debug}, record(item), failed(text),
//           whenLive() -> Promise, restartPython() -> Promise of a client}
export function createDrain(options) {
  var global = options.global;
  var sdkRules = options.config.sdk;
  var queue = options.queue;
  var warn = options.log.warn;
  var debug = options.log.debug;
  var info = options.log.info || debug;
  // The site's transformation ({stopAfterMs, onError}, from Python), or null.
  var transformation = options.config.transformation || null;
  var record = options.record;
  var failed = options.failed;

  var started = false;
  var draining = false;
  var python = null;
  var restarts = 0;
  var timeoutMs = 10000;
  var batchSize = BATCH_SIZE;
  var settingsText = "{}";
  var configText = "{}";
  var idleWaiters = [];
  var login = null; // {since, warned}: an onUserLogin the SDK has not finished

  function sdk() {
    return global[sdkRules.global];
  }

  // What the SDK holds is lost if the page closes before its requests leave (its own backup in
  // localStorage is one object that every tab's SDK rewrites from its own copy), whereas what the bridge
  // still holds goes on another tab or the next page. Answers are seen as the SDK's JSONP scripts finish
  // loading (Resource Timing); a push that makes no request is forgiven after a quiet spell.
  var sdkPushed = 0;
  var sdkAnswered = 0;
  var sdkQuietSince = 0;
  var sdkHosts = [];

  function watchSdkRequests(values) {
    sdkHosts = [sdkRules.requests.host];
    if (typeof values.targetDomain === "string" && values.targetDomain) {
      sdkHosts.push(values.targetDomain + sdkRules.requests.path);
    }
    try {
      new global.PerformanceObserver(function (list) {
        var entries = list.getEntries();
        for (var i = 0; i < entries.length; i++) {
          for (var h = 0; h < sdkHosts.length; h++) {
            if (String(entries[i].name).indexOf(sdkHosts[h]) >= 0) {
              sdkAnswered++;
              sdkQuietSince = Date.now();
              break;
            }
          }
        }
      }).observe({ type: "resource", buffered: false });
    } catch (e) {
      sdkPushed = -Infinity; // no Resource Timing: no flow control
    }
  }

  function sdkHasRoom() {
    if (sdkPushed - sdkAnswered < SDK_WINDOW) {
      return true;
    }
    if (Date.now() - sdkQuietSince > QUIET_MS) {
      sdkAnswered = sdkPushed; // pushes the SDK sent nothing for (dropped, merged) must not stall the queue
      return true;
    }
    return false;
  }

  // The CleverTap SDK mishandles an onUserLogin sent while the previous one is unanswered: the second
  // clears the identity, the first answer is then ignored, and every later request stays blocked. So
  // after a push to the login queue nothing more is pushed until the SDK has its identity again: no login
  // request in flight (the SDK's in-progress global) and an SDK id. An answer that never comes keeps the
  // rest in the durable queue, for a later page.
  function loginSettled() {
    if (!login) {
      return true;
    }
    var id = null;
    try {
      id = sdk()[sdkRules.login.idMethod]();
    } catch (e) { /* not live */ }
    if (global[sdkRules.login.inProgressGlobal] !== true && id) {
      login = null;
      return true;
    }
    if (!login.warned && Date.now() - login.since > LOGIN_WAIT_WARN_MS) {
      login.warned = true;
      warn("waiting for CleverTap to answer the last " + sdkRules.login.queue + "; later events wait in the queue");
    }
    return false;
  }

  // Push Python's calls ([queue, ...arguments]) to the SDK queues config.sdk.queues allows.
  function pushCalls(calls) {
    var target0 = sdk();
    for (var i = 0; i < calls.length; i++) {
      var call = calls[i];
      var name = Array.isArray(call) ? call[0] : undefined;
      if (sdkRules.queues.indexOf(name) < 0) {
        warn("ignored a call to a queue that is not allowed: " + JSON.stringify(name));
        continue;
      }
      var target = target0 && target0[name];
      if (!target || typeof target.push !== "function") {
        warn("window." + sdkRules.global + "." + name + " cannot take calls");
        continue;
      }
      try {
        target.push.apply(target, call.slice(1));
      } catch (e) {
        warn("window." + sdkRules.global + "." + name + ".push failed: " + e.message);
      }
      if (name === sdkRules.login.queue) {
        login = { since: Date.now(), warned: false };
      }
      // A privacy call makes a request only when it changes the opt-out.
      if (name !== sdkRules.privacy.queue || hasOwn(call[1] || {}, sdkRules.privacy.optOut)) {
        if (sdkPushed - sdkAnswered <= 0) {
          sdkQuietSince = Date.now();
        }
        sdkPushed++;
      }
    }
  }

  // Apply (or drop) an entry and remove it from storage in one task: a navigation cannot fall between
  // the two, so no entry is applied twice and none is lost before it was applied.
  function apply(item, answer) {
    var entry = item.entry;
    if (!isObject(answer) || answer.id !== entry.id) {
      answer = { error: "InternalError: the worker's answer does not match the entry" };
    }
    var logs = Array.isArray(answer.logs) ? answer.logs : []; // the transformation's log() lines
    for (var l = 0; l < logs.length; l++) {
      info(String(logs[l]));
    }
    if (answer.error && answer.debug) {
      // Not a mistake (RudderStack hands every destination every call): a debug line, not a warning.
      debug("not sent: " + describe(entry) + ": " + answer.error);
      record({ kind: "skipped", entry: entry, text: String(answer.error) });
    } else if (answer.error) {
      var reason = "dropped " + describe(entry) + ": " + answer.error;
      warn(reason);
      record({ kind: "dropped", entry: entry, text: String(answer.error) });
    } else {
      var warnings = Array.isArray(answer.warnings) ? answer.warnings : [];
      for (var w = 0; w < warnings.length; w++) {
        warn(describe(entry) + ": " + warnings[w]);
        record({ kind: "warning", entry: entry, text: String(warnings[w]) });
      }
      var calls = Array.isArray(answer.calls) ? answer.calls : [];
      // The SDK changes what it is given (it adds tz): the record keeps what the bridge pushed.
      var applied = { kind: "applied", entry: entry, calls: JSON.parse(JSON.stringify(calls)) };
      if (Array.isArray(answer.transformed)) {
        applied.transformed = answer.transformed; // what the site's transformation made of the call (echoTransformed)
      }
      record(applied);
      pushCalls(calls);
    }
    queue.settleItem(item);
  }

  // The next entries to map: from the oldest source with any, in order.
  function takeBatch() {
    var sources = queue.sources;
    for (var s = 0; s < sources.length; s++) {
      var source = sources[s];
      source.advance();
      var items = [];
      for (var i = source.head; i < source.items.length && items.length < batchSize; i++) {
        if (!source.items[i].settled) {
          items.push(source.items[i]);
        }
      }
      if (items.length) {
        return { source: source, items: items };
      }
      queue.sourceDone(source);
    }
    return null;
  }

  function requestBatch(items) {
    var texts = [];
    for (var i = 0; i < items.length; i++) {
      // An entry whose transformation the page had to stop goes on mapped as it came (send_untransformed).
      texts.push(items[i].untransformed ? '{"untransformed":true,' + items[i].text.slice(1) : items[i].text);
    }
    // The entries' own JSON text goes as it is; settings and config once per batch (bridge.boundary).
    var body = '{"kind":"batch","settings":' + settingsText + ',"config":' + configText + ',"requests":[' + texts.join(",") + "]}";
    return python.then(function (client) {
      return client.request(body, timeoutMs + 50 * items.length, transformation ? transformation.stopAfterMs : 0);
    }).then(function (text) {
      var answer;
      try {
        answer = JSON.parse(text);
      } catch (e) {
        answer = null;
      }
      var answers = isObject(answer) && Array.isArray(answer.answers) ? answer.answers : [];
      if (answers.length !== items.length) {
        var error = "the worker answered " + String(text).slice(0, 200);
        answers = items.map(function () { return { error: "InternalError: " + error }; });
      }
      return answers;
    });
  }

  function applyAll(items, answers) {
    return new Promise(function (resolve) {
      var i = 0;
      (function next() {
        var applied = 0;
        while (i < items.length) {
          if (!loginSettled() || !sdkHasRoom()) {
            global.setTimeout(next, 25);
            return;
          }
          if (applied >= APPLY_CHUNK) {
            global.setTimeout(next, 0);
            return;
          }
          var item = items[i];
          var answer = answers[i];
          i++;
          if (!item.settled) {
            apply(item, answer);
            applied++;
          }
        }
        resolve();
      })();
    });
  }

  function drain() {
    if (draining || !started) {
      return;
    }
    draining = true;
    queue.initialScan.then(step);
  }

  function step() {
    var batch = takeBatch();
    if (!batch) {
      draining = false;
      var waiters = idleWaiters;
      idleWaiters = [];
      for (var i = 0; i < waiters.length; i++) {
        waiters[i]();
      }
      return;
    }
    requestBatch(batch.items)
      .then(function (answers) {
        batchSize = BATCH_SIZE; // Python is well again
        return options.whenLive().then(function () { return applyAll(batch.items, answers); });
      })
      .then(function () {
        queue.sourceDone(batch.source);
        step();
      }, function (error) {
        if (error && error.workerDied && Array.isArray(error.stuck)) {
          transformationStuck(batch.items, error);
          return;
        }
        if (error && error.workerDied) {
          pythonDied(batch.items, error);
          return;
        }
        draining = false;
        failed("could not process " + batch.items.length + " queued event(s): " + (error && error.message));
        global.setTimeout(drain, 1000);
      });
  }

  // The worker was stopped in a transformation call for the entries error.stuck names: each is handled as
  // a raise, by the policy (dropped, or mapped untransformed), and is never transformed again; the other
  // entries were not at fault and go again as they are, with no try counted. Python starts again.
  function transformationStuck(items, error) {
    restarts++;
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (error.stuck.indexOf(item.entry.id) < 0 || item.settled) {
        continue;
      }
      var text = "transformation: " + error.message + " (the worker was stopped)";
      if (transformation && transformation.onError === "send_untransformed") {
        item.untransformed = true;
        warn(describe(item.entry) + ": " + text + "; sent untransformed (on_transformation_error = send_untransformed)");
        record({ kind: "warning", entry: item.entry, text: text });
      } else {
        warn("dropped " + describe(item.entry) + ": " + text + " (on_transformation_error = drop)");
        record({ kind: "dropped", entry: item.entry, text: text });
        queue.settleItem(item);
      }
    }
    record({ kind: "restart", text: error.message });
    if (restarts > MAX_RESTARTS) {
      python = new Promise(function () {}); // the queue waits for a later page
      failed("Python stopped " + restarts + " times (last: " + error.message + "); events wait in the queue for a later page");
      return;
    }
    python = options.restartPython();
    step();
  }

  // The worker died with these entries in flight: none was applied, so all are still queued. Start
  // Python again and resend them one at a time until one gets through; an entry that was in flight
  // MAX_TRIES times is dropped with a warning (it kills Python), and the others still go.
  function pythonDied(items, error) {
    restarts++;
    for (var i = 0; i < items.length; i++) {
      items[i].tries++;
      if (items[i].tries >= MAX_TRIES && (items.length === 1 || items[i].tries > MAX_TRIES)) {
        var reason = "dropped " + describe(items[i].entry) + ": Python stopped " + items[i].tries + " times while mapping it";
        warn(reason);
        record({ kind: "dropped", entry: items[i].entry, text: reason });
        queue.settleItem(items[i]);
      }
    }
    batchSize = 1;
    timeoutMs *= 2; // a slow machine is not a dead worker: wait longer next time
    record({ kind: "restart", text: error.message });
    if (restarts > MAX_RESTARTS) {
      python = new Promise(function () {}); // the queue waits for a later page
      failed("Python stopped " + restarts + " times (last: " + error.message + "); events wait in the queue for a later page");
      return;
    }
    warn(error.message + ": starting Python again; " + queue.pending() + " queued event(s) wait for it");
    python = options.restartPython();
    step();
  }

  return {
    // The loop runs from begin() on: settingsText and configText are the JSON each batch carries.
    begin: function (settings, config, client) {
      started = true;
      settingsText = settings;
      configText = config;
      python = client;
    },
    drain: drain,
    // Resolves the next time the queue is empty.
    idle: function () {
      return new Promise(function (resolve) {
        idleWaiters.push(resolve);
        drain();
      });
    },
    // One request that is not a batch (e.g. {"kind":"start"}), with the current time limit.
    ask: function (body) {
      return python.then(function (client) {
        return client.request(body, timeoutMs);
      });
    },
    python: function () { return python; },
    pushCalls: pushCalls,
    watchSdkRequests: watchSdkRequests
  };
}
