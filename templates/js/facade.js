// The standalone snippet's `rudderanalytics` object, for sites without the RudderStack SDK: it builds
// RudderStack-shaped messages (as the v3 SDK does) and hands them to the Clevertap integration; nothing
// is sent to a RudderStack data plane. Calls made before the file ran (the stub-array pattern of
// RudderStack's snippet: rudderanalytics.push(["track", ...])) and before load() are replayed.

import { hasOwn, isObject, newId, probeStorage } from "./util.js";

export function defineFacade(global, CONFIG) {
  var existing = global.rudderanalytics;
  if (existing && existing.__clevertapBridge) {
    return; // already loaded
  }
  var PREFIX = CONFIG.storagePrefix;
  var LIBRARY = { name: "clevertap-bridge rudderanalytics.js", version: CONFIG.version };
  var PAGE_KEYS = ["path", "referrer", "referring_domain", "search", "title", "url", "tab_url",
    "initial_referrer", "initial_referring_domain"];
  var READY_TIMEOUT_MS = 11000;
  var PRIVACY = " privacy"; // not a message type: marks a setPrivacy call waiting for load()

  function copy(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  function assign(target, source) {
    if (isObject(source)) {
      for (var key in source) {
        if (hasOwn(source, key)) {
          target[key] = source[key];
        }
      }
    }
    return target;
  }

  /* ---- persisted identity -------------------------------------------------------------------- */

  var local = probeStorage(global, "localStorage", PREFIX);
  var session = probeStorage(global, "sessionStorage", PREFIX);
  var memory = {};

  function load(key, storage) {
    var text = storage ? storage.getItem(PREFIX + key) : memory[key];
    if (text === null || text === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      return undefined;
    }
  }

  function save(key, value, storage) {
    var text = JSON.stringify(value);
    if (storage) {
      try {
        if (value === undefined) {
          storage.removeItem(PREFIX + key);
        } else {
          storage.setItem(PREFIX + key, text);
        }
        return;
      } catch (e) { /* full: fall back to memory */ }
    }
    memory[key] = text;
  }

  var state = {
    anonymousId: load("anonymous_id", local),
    userId: load("user_id", local),
    traits: load("user_traits", local)
  };
  if (typeof state.anonymousId !== "string" || !state.anonymousId) {
    state.anonymousId = newId(global);
    save("anonymous_id", state.anonymousId, local);
  }
  if (typeof state.userId !== "string") {
    state.userId = "";
  }
  if (!isObject(state.traits)) {
    state.traits = {};
  }

  function persist() {
    save("anonymous_id", state.anonymousId, local);
    save("user_id", state.userId, local);
    save("user_traits", state.traits, local);
  }

  /* ---- RudderStack-shaped messages ----------------------------------------------------------- */

  function domainOf(url) {
    try {
      return url ? new URL(url).hostname : "";
    } catch (e) {
      return "";
    }
  }

  function initialReferrer() {
    var stored = load("initial_referrer", session);
    if (typeof stored !== "string") {
      stored = global.document.referrer || "$direct";
      save("initial_referrer", stored, session);
    }
    return stored;
  }

  function pageDefaults() {
    var location = global.location;
    var referrer = global.document.referrer || "$direct";
    var initial = initialReferrer();
    return {
      path: location.pathname,
      referrer: referrer,
      referring_domain: referrer === "$direct" ? "" : domainOf(referrer),
      search: location.search,
      title: global.document.title,
      url: location.href,
      tab_url: location.href,
      initial_referrer: initial,
      initial_referring_domain: initial === "$direct" ? "" : domainOf(initial)
    };
  }

  function timezone() {
    var minutes = -new Date().getTimezoneOffset();
    var sign = minutes >= 0 ? "+" : "-";
    minutes = Math.abs(minutes);
    var hours = String(Math.floor(minutes / 60));
    var rest = String(minutes % 60);
    return "GMT" + sign + (hours.length < 2 ? "0" : "") + hours + (rest.length < 2 ? "0" : "") + rest;
  }

  function buildMessage(type, fields, options, page) {
    var screen = global.screen || {};
    var message = {
      type: type,
      channel: "web",
      messageId: newId(global),
      originalTimestamp: new Date().toISOString(),
      anonymousId: state.anonymousId,
      userId: state.userId,
      event: null,
      properties: null,
      integrations: isObject(options && options.integrations) ? copy(options.integrations) : { All: true },
      context: {
        traits: copy(state.traits),
        library: LIBRARY,
        page: page || pageDefaults(),
        userAgent: global.navigator ? global.navigator.userAgent : "",
        locale: global.navigator ? global.navigator.language : "",
        screen: {
          width: screen.width, height: screen.height, density: global.devicePixelRatio,
          innerWidth: global.innerWidth, innerHeight: global.innerHeight
        },
        timezone: timezone()
      }
    };
    assign(message, fields);
    return message;
  }

  /* ---- delivery to the integration ----------------------------------------------------------- */

  var integration = null;
  var loaded = false;
  var waiting = []; // messages built before load(), or before the integration exists
  var readyCallbacks = [];
  var isReadyNow = false;

  // RudderStack's per-event filter, keyed by the display name (CONFIG.displayName): {<name>: false} or {"All": false} skips.
  function delivered(message) {
    var integrations = message.integrations;
    if (!isObject(integrations)) {
      return true;
    }
    if (hasOwn(integrations, CONFIG.displayName)) {
      return integrations[CONFIG.displayName] !== false;
    }
    return integrations.All !== false;
  }

  function deliver(message, callback) {
    if (!loaded) {
      waiting.push([message, callback]);
      return;
    }
    if (message.type === PRIVACY) {
      // setPrivacy keeps its place among the calls made before load().
      if (global.ClevertapBridge) {
        global.ClevertapBridge.setPrivacy(message.options);
      }
      return;
    }
    if (!integration) {
      return; // the integration is disabled by the load options
    }
    if (delivered(message) && typeof integration[message.type] === "function") {
      integration[message.type]({ message: message });
    }
    if (typeof callback === "function") {
      global.setTimeout(function () { callback(message); }, 0);
    }
  }

  function fireReady() {
    isReadyNow = true;
    var callbacks = readyCallbacks;
    readyCallbacks = [];
    for (var i = 0; i < callbacks.length; i++) {
      try {
        callbacks[i]();
      } catch (e) {
        global.console.error(e);
      }
    }
  }

  function lastFunction(args) {
    for (var i = args.length - 1; i >= 0; i--) {
      if (typeof args[i] === "function") {
        return args[i];
      }
    }
    return undefined;
  }

  var analytics = {
    __clevertapBridge: true,
    version: CONFIG.version,

    load: function (writeKey, dataPlaneUrl, options) {
      if (loaded) {
        return;
      }
      if (isObject(writeKey)) {
        options = writeKey;
      } else if (isObject(dataPlaneUrl)) {
        options = dataPlaneUrl;
      }
      options = isObject(options) ? options : {};
      loaded = true;
      var integrations = isObject(options.integrations) ? options.integrations : { All: true };
      // The load-time filter of the v3 SDK: by display name, then All.
      var enabled = hasOwn(integrations, CONFIG.displayName) ? integrations[CONFIG.displayName] !== false : integrations.All !== false;
      var Integration = global.Clevertap_RS && global.Clevertap_RS.Clevertap;
      if (enabled && typeof Integration === "function") {
        var shim = {
          loadOnlyIntegrations: integrations,
          logLevel: options.logLevel,
          getAnonymousId: function () { return state.anonymousId; },
          getUserId: function () { return state.userId; },
          getUserTraits: function () { return copy(state.traits); }
        };
        integration = new Integration(isObject(options.destinationConfig) ? options.destinationConfig : {}, shim,
          { destinationId: "clevertap-bridge-standalone" });
        integration.init();
      }
      var pending = waiting;
      waiting = [];
      for (var i = 0; i < pending.length; i++) {
        deliver(pending[i][0], pending[i][1]);
      }
      var started = Date.now();
      (function poll() {
        if (!integration || integration.isReady() || Date.now() - started > READY_TIMEOUT_MS) {
          fireReady();
        } else {
          global.setTimeout(poll, 100);
        }
      })();
    },

    ready: function (callback) {
      if (typeof callback !== "function") {
        return;
      }
      if (isReadyNow) {
        global.setTimeout(callback, 0);
      } else {
        readyCallbacks.push(callback);
      }
    },

    identify: function (userId, traits, options, callback) {
      callback = lastFunction(arguments);
      if (isObject(userId)) {
        options = traits;
        traits = userId;
        userId = undefined;
      }
      if (typeof userId === "number") {
        userId = String(userId);
      }
      if (typeof userId === "string" && userId && state.userId && userId !== state.userId) {
        analytics.reset(); // a new user: the previous user's traits do not carry over
      }
      if (typeof userId === "string" && userId) {
        state.userId = userId;
      }
      state.traits = assign(state.traits, isObject(traits) ? copy(traits) : {});
      persist();
      deliver(buildMessage("identify", {}, isObject(options) ? options : null), callback);
    },

    track: function (event, properties, options, callback) {
      callback = lastFunction(arguments);
      deliver(buildMessage("track", {
        event: event,
        properties: isObject(properties) ? copy(properties) : {}
      }, isObject(options) ? options : null), callback);
    },

    page: function (category, name, properties, options, callback) {
      callback = lastFunction(arguments);
      // RudderStack's argument shifting: page([category,] [name,] [properties,] [options,] [callback]).
      var args = Array.prototype.slice.call(arguments).filter(function (a) { return typeof a !== "function"; });
      var strings = [];
      while (args.length && (typeof args[0] === "string" || args[0] === null || args[0] === undefined) && strings.length < 2) {
        strings.push(args.shift());
      }
      if (strings.length === 1) {
        category = undefined;
        name = strings[0];
      } else {
        category = strings[0];
        name = strings[1];
      }
      properties = isObject(args[0]) ? copy(args[0]) : {};
      options = isObject(args[1]) ? args[1] : null;
      var page = pageDefaults();
      for (var i = 0; i < PAGE_KEYS.length; i++) {
        if (hasOwn(properties, PAGE_KEYS[i])) {
          page[PAGE_KEYS[i]] = properties[PAGE_KEYS[i]];
        }
      }
      var merged = assign(assign({}, properties), page);
      if (name !== null && name !== undefined) {
        merged.name = name;
      }
      if (category !== null && category !== undefined) {
        merged.category = category;
      }
      var fields = { properties: merged };
      if (name !== null && name !== undefined) {
        fields.name = name;
      }
      if (category !== null && category !== undefined) {
        fields.category = category;
      }
      deliver(buildMessage("page", fields, options, page), callback);
    },

    screen: function (name, properties, options, callback) {
      callback = lastFunction(arguments);
      if (isObject(name)) {
        options = properties;
        properties = name;
        name = undefined;
      }
      var merged = isObject(properties) ? copy(properties) : {};
      var fields = { properties: merged };
      if (typeof name === "string") {
        merged.name = name;
        fields.name = name;
      }
      deliver(buildMessage("screen", fields, isObject(options) ? options : null), callback);
    },

    alias: function (to, from, options, callback) {
      callback = lastFunction(arguments);
      if (isObject(from)) {
        options = from;
        from = undefined;
      }
      var previousId = typeof from === "string" && from ? from : state.userId || state.anonymousId;
      deliver(buildMessage("alias", { userId: to, previousId: previousId }, isObject(options) ? options : null), callback);
    },

    reset: function (resetAnonymousId) {
      state.userId = "";
      state.traits = {};
      if (resetAnonymousId === true) {
        state.anonymousId = newId(global);
      }
      persist();
    },

    setPrivacy: function (options) {
      deliver({ type: PRIVACY, options: options }, null);
    },

    getAnonymousId: function () { return state.anonymousId; },
    getUserId: function () { return state.userId; },
    getUserTraits: function () { return copy(state.traits); },

    push: function (call) {
      if (!Array.isArray(call) || typeof analytics[call[0]] !== "function" || call[0] === "push") {
        global.console.warn("[clevertap-bridge] rudderanalytics.push takes [method, ...arguments]");
        return;
      }
      analytics[call[0]].apply(analytics, call.slice(1));
    }
  };

  // A call the facade cannot turn into a message (a BigInt, a cyclic object, a getter that throws) is
  // dropped with a warning that names it; the page's code goes on, and so do the calls around it.
  function guard(name) {
    var method = analytics[name];
    analytics[name] = function () {
      try {
        return method.apply(analytics, arguments);
      } catch (e) {
        var first = arguments[0];
        var label = typeof first === "string" ? " " + JSON.stringify(first.slice(0, 100)) : "";
        global.console.warn("[clevertap-bridge] dropped " + name + label + ": " + (e && e.message ? e.message : String(e)));
      }
    };
  }
  ["identify", "track", "page", "screen", "alias", "setPrivacy", "reset", "load", "ready", "push"].forEach(guard);

  global.rudderanalytics = analytics;

  // Replay what the page queued before this file ran: load first, as RudderStack's loader does.
  var buffered = Array.isArray(existing) ? existing.slice() : [];
  var i;
  for (i = 0; i < buffered.length; i++) {
    if (Array.isArray(buffered[i]) && buffered[i][0] === "load") {
      analytics.push(buffered[i]);
    }
  }
  for (i = 0; i < buffered.length; i++) {
    if (Array.isArray(buffered[i]) && buffered[i][0] !== "load") {
      analytics.push(buffered[i]);
    }
  }
}
