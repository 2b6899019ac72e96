// The page's one bridge and the class the RudderStack SDK instantiates (window.Clevertap_RS.Clevertap).
// Evaluating it only defines that global and starts Python; init() starts the queue, the SDK and the
// drain loop. What reaches CleverTap is decided in Python (bridge.device, in a Pyodide worker).

import { describe, isObject, makeLog, newId } from "./util.js";
import { createQueue } from "./queue.js";
import { startMainThread, startSharedWorker, startWorker } from "./worker-client.js";
import { createDrain } from "./drain.js";
import {
  askStartValues, configChangesStart, integrationOptions, isLive, makeWhenLive, optionState, startSdk, stubSdk
} from "./sdk.js";
import { startWebPush } from "./web-push.js";

export function defineIntegration(global, CONFIG) {
  if (global.Clevertap_RS && typeof global.Clevertap_RS.Clevertap === "function") {
    return; // evaluated again (premounted, or one file per destination): keep the first class
  }
  // document.currentScript is set only while this file runs: remember where the bundle lives.
  var SCRIPT_URL = global.document && global.document.currentScript ? global.document.currentScript.src : "";
  var log = makeLog(global);
  var warn = log.warn;
  var TAB = newId(global).replace(/[^A-Za-z0-9-]/g, "");

  function baseUrl() {
    var override = global.ClevertapBridgeConfig && global.ClevertapBridgeConfig.baseUrl;
    if (typeof override === "string" && override) {
      return /\/$/.test(override) ? override : override + "/";
    }
    var url = SCRIPT_URL;
    if (!url && global.document) {
      var scripts = global.document.getElementsByTagName("script");
      for (var i = scripts.length - 1; i >= 0 && !url; i--) {
        if (/\/(Clevertap\.min|rudderanalytics)\.js([?#]|$)/.test(scripts[i].src || "")) {
          url = scripts[i].src;
        }
      }
    }
    return new URL(".", new URL(url || ".", global.location.href)).href;
  }

  var started = false;
  var seq = 0;
  var startPython = null;
  var destinationConfig = {};
  var resolvePython;
  var pythonReady = new Promise(function (resolve) { resolvePython = resolve; });
  var live = function () { return isLive(global, CONFIG); };
  var whenLive = makeWhenLive(global, CONFIG);

  var api = {
    version: CONFIG.version,
    log: [],
    initCalls: null,
    pythonReady: pythonReady,
    mode: null,
    sharedWorker: false, // Python in a SharedWorker, shared with the site's other tabs
    tab: TAB,
    setPrivacy: function (options) {
      if (!isObject(options)) {
        warn("setPrivacy takes an object such as {optOut: true}, not " + String(options));
        return;
      }
      enqueue({ kind: "privacy", options: options });
    },
    // Entries this page owns that are not applied yet (its own, and those it took over from gone pages).
    pending: function () {
      return queue.pending();
    },
    storedBytes: function () {
      return queue.storedBytes();
    },
    isLive: live,
    idle: function () {
      return drainer.idle();
    },
    // For tests of worker death: stop the worker without telling the bridge, or make Python abort.
    testHooks: {
      terminateWorker: function () {
        var python = drainer.python();
        return python && python.then(function (client) { client.terminate(); });
      },
      crashPython: function () {
        var python = drainer.python();
        return python && python.then(function (client) { client.crash(); });
      },
      hangWorker: function () {
        var python = drainer.python();
        return python && python.then(function (client) { client.hang(); });
      }
    }
  };

  function record(item) {
    api.log.push(item);
    if (api.log.length > 5000) {
      api.log.splice(0, 1000);
    }
    try {
      global.dispatchEvent(new global.CustomEvent("clevertap-bridge", { detail: item }));
    } catch (e) { /* a listener's error is its own */ }
  }

  function failed(text) {
    warn(text);
    record({ kind: "error", text: text });
  }

  var queue = createQueue({
    global: global,
    tab: TAB,
    storagePrefix: CONFIG.storagePrefix,
    maxStored: CONFIG.settings.max_stored_bytes,
    warn: warn,
    record: record,
    drain: function () { drainer.drain(); }
  });

  var drainer = createDrain({
    global: global,
    config: CONFIG,
    queue: queue,
    log: log,
    record: record,
    failed: failed,
    whenLive: whenLive,
    restartPython: function () {
      booting = null; // bootPython() keeps the first worker: a restart needs a new one
      sharedLeft = true; // a tab whose Python died (shared or not) goes on with a dedicated worker
      return startPython();
    }
  });

  function enqueue(entry) {
    var text;
    // A page that shows what its transformation made of each call (the demo page) asks for the
    // transformed events back: window.ClevertapBridgeConfig = {echoTransformed: true}. Off by default,
    // since it doubles what crosses the worker boundary.
    var options = global.ClevertapBridgeConfig;
    if (entry.kind === "event" && isObject(options) && options.echoTransformed === true) {
      entry.echoTransformed = true;
    }
    try {
      text = JSON.stringify(entry);
      entry = JSON.parse(text); // a plain-data copy: later changes by the page do not reach the queue
    } catch (e) {
      var reason = "dropped " + describe(entry) + ": it cannot be written as JSON (" + (e && e.message) + ")";
      warn(reason);
      record({ kind: "dropped", entry: { kind: entry.kind }, text: reason });
      return;
    }
    seq++;
    entry.id = TAB + "." + seq;
    text = '{"id":' + JSON.stringify(entry.id) + "," + text.slice(1);
    queue.add(entry, text);
    record({ kind: "received", entry: entry });
    drainer.drain();
  }

  function start(config, options) {
    if (started) {
      return; // one queue, one SDK and one worker per page, whatever the number of destinations
    }
    started = true;
    destinationConfig = isObject(config) ? config : {};
    global.ClevertapBridge = api;
    var settingsText = JSON.stringify(CONFIG.settings);
    var configText = "{}";
    try {
      configText = JSON.stringify(destinationConfig);
    } catch (e) {
      warn("the destination config cannot be written as JSON (" + e.message + "): the bundle's settings apply");
    }
    queue.start();
    // The privacy calls Python gives for these options, computed at build time (bridge.bundle.privacy_table).
    var calls = CONFIG.privacyTable[optionState(options.optOut) + "," + optionState(options.useIP)] || [];
    var wasLive = live();
    try {
      if (!wasLive) {
        stubSdk(global, CONFIG);
      }
      drainer.pushCalls(calls); // before the account: the SDK must start with the site's privacy choice
    } catch (e) {
      failed("could not prepare window." + CONFIG.sdk.global + ": " + e.message);
    }
    api.initCalls = calls;
    record({ kind: "init", calls: calls });
    startPython = function () {
      return bootPython()
        .then(function (client) {
          api.mode = client.mode;
          api.sharedWorker = !!client.shared;
          resolvePython();
          return client;
        }, function (error) {
          failed("Python did not start: " + (error && error.message) + "; events wait in the queue");
          return new Promise(function () {}); // never settles: the queue waits for a later page
        });
    };
    drainer.begin(settingsText, configText, startPython());
    if (wasLive) {
      drainer.watchSdkRequests(CONFIG.startValues); // a page that started the SDK itself keeps its own start
    } else if (!configChangesStart(CONFIG, destinationConfig)) {
      startSdk(global, CONFIG, CONFIG.startValues, drainer.watchSdkRequests, failed); // at once: the common case needs no Python
    } else {
      askStartValues(drainer.ask, settingsText, configText).then(function (values) {
        startSdk(global, CONFIG, values, drainer.watchSdkRequests, failed);
      }, function (reason) {
        var text = "the destination config is refused (" + (reason && reason.message) +
          "): the CleverTap SDK is not started; events stay queued";
        log.error(text);
        record({ kind: "error", text: text });
      });
    }
    drainer.drain();
    startWebPush({
      global: global, config: CONFIG, initCalls: calls, isLive: live, whenLive: whenLive, pythonReady: pythonReady,
      idle: api.idle, record: record, failed: failed
    });
  }

  /* ---- boot: Python starts when this file is evaluated, in parallel with the SDK's own load ------- */

  var booting = null;
  var sharedLeft = false;

  // One Python for the site's tabs where the browser allows it (a SharedWorker), else this tab's own
  // worker (booted from the kept memory snapshot), else the main thread.
  function bootPython() {
    if (!booting) {
      var base = baseUrl();
      var boot = { type: "boot", baseUrl: base, indexURL: CONFIG.pyodideUrl || base + CONFIG.pyodideDir };
      var shared = sharedLeft ? Promise.reject(new Error("this tab left the shared worker")) :
        startSharedWorker(global, CONFIG, base, boot, failed);
      booting = shared.then(null, function (reason) {
        log.debug("no shared worker (" + (reason && reason.message) + "): a dedicated one");
        sharedLeft = true;
        return startWorker(global, CONFIG, base, boot, failed);
      }).then(null, function (reason) {
        warn("no worker (" + (reason && reason.message) + "): running Python on the main thread");
        return startMainThread(global, CONFIG, base, boot);
      });
    }
    return booting;
  }

  // Not waiting for init(): RudderStack calls it only after its own config and script loads. Without a
  // worker (or outside a page) nothing starts here; init() then starts Python on the main thread.
  if (typeof global.Worker === "function" && typeof global.fetch === "function" && global.document && global.location) {
    try {
      bootPython().then(null, function () { /* reported by start() */ });
    } catch (e) { /* init() tries again */ }
  }

  /* ---- the class the RudderStack SDK instantiates ------------------------------------------------- */

  function Clevertap(config, analytics, destinationInfo) {
    this.name = CONFIG.integrationName;
    this.config = isObject(config) ? config : {};
    this.analytics = analytics || null;
    this.destinationInfo = destinationInfo || null;
  }

  Clevertap.prototype.init = function () {
    start(this.config, integrationOptions(CONFIG, this.analytics));
  };

  // True as soon as the durable queue takes calls (at init), whatever the SDK and Python are doing:
  // RudderStack then hands every call over at once, rather than holding them in memory (it gives up on a
  // destination that is not ready after 11 s, and what it holds dies with the page).
  Clevertap.prototype.isLoaded = function () {
    return started;
  };

  Clevertap.prototype.isReady = function () {
    return started;
  };

  function handOver(rudderElement) {
    var message = rudderElement && rudderElement.message;
    if (!isObject(message)) {
      warn("ignored a call without a message object");
      return;
    }
    enqueue({ kind: "event", message: message });
  }

  Clevertap.prototype.identify = handOver;
  Clevertap.prototype.track = handOver;
  Clevertap.prototype.page = handOver;
  Clevertap.prototype.screen = handOver;
  Clevertap.prototype.alias = handOver;
  Clevertap.prototype.group = handOver; // Python says it is not sent, on a debug line

  global.Clevertap_RS = { Clevertap: Clevertap };
}
