// Small helpers every browser file shares: one of each (ids, script loading, the storage probe, logging).

export const LOG_PREFIX = "[clevertap-bridge] ";

export function hasOwn(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

export function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// Console lines with the bridge's prefix; a page without a console loses them silently.
export function makeLog(global) {
  function line(level) {
    return function (text) {
      try {
        global.console[level](LOG_PREFIX + text);
      } catch (e) { /* no console */ }
    };
  }
  return { warn: line("warn"), error: line("error"), debug: line("debug") };
}

// A random UUID (v4): crypto.randomUUID, else built from crypto.getRandomValues, else from the clock.
export function newId(global) {
  var crypto = global.crypto;
  if (crypto && typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  if (!crypto || typeof crypto.getRandomValues !== "function") {
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }
  var bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  var hex = "";
  for (var i = 0; i < 16; i++) {
    hex += (bytes[i] + 0x100).toString(16).slice(1);
    if (i === 3 || i === 5 || i === 7 || i === 9) {
      hex += "-";
    }
  }
  return hex;
}

// One entry for the console and the log: type, event name and messageId, or the privacy options.
export function describe(entry) {
  if (!entry) {
    return "an entry";
  }
  try {
    if (entry.kind === "privacy") {
      return "privacy change " + JSON.stringify(entry.options);
    }
    var message = entry.message || {};
    return String(message.type) + (message.event ? " " + JSON.stringify(message.event) : "") +
      (message.messageId ? " (messageId " + String(message.messageId) + ")" : "");
  } catch (e) {
    // A call that is not JSON yet (a BigInt, a cycle, a throwing getter) must still be named.
    return "a " + (entry.kind === "privacy" ? "privacy change" : "call");
  }
}

// A classic <script>, checked against its hash when one is given; resolves once it has run.
export function loadScript(global, url, integrity, id) {
  return new Promise(function (resolve, reject) {
    var script = global.document.createElement("script");
    if (id) {
      script.id = id;
    }
    script.async = true;
    script.type = "text/javascript";
    if (integrity) {
      script.integrity = integrity;
      script.crossOrigin = "anonymous";
    }
    script.onload = function () { resolve(); };
    script.onerror = function () { reject(new Error("could not load " + url)); };
    script.src = url;
    var head = global.document.head || global.document.getElementsByTagName("head")[0];
    head.insertBefore(script, head.firstChild);
  });
}

// global[name] (localStorage, sessionStorage) if a write and a removal work there, else null
// (disabled storage, Safari's private mode of old, a sandboxed frame).
export function probeStorage(global, name, prefix) {
  try {
    var area = global[name];
    area.setItem(prefix + "probe", "1");
    area.removeItem(prefix + "probe");
    return area;
  } catch (e) {
    return null;
  }
}
