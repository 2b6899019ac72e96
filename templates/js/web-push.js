// Web push: the one notifications call (bridge.device.web_push_calls, computed at build time), pushed once:
// when the SDK is live, Python has applied what the page queued so far (a setPrivacy among it), and the
// site is not opted out; an opt-in later (setPrivacy({optOut: false})) pushes it then.

import { isObject } from "./util.js";

// The opt-out after these calls, starting from `current`: the last privacy call that sets it wins.
export function optOutAfter(config, calls, current) {
  var privacy = config.sdk.privacy;
  for (var i = 0; i < calls.length; i++) {
    var call = calls[i];
    if (Array.isArray(call) && call[0] === privacy.queue && isObject(call[1]) && typeof call[1][privacy.optOut] === "boolean") {
      current = call[1][privacy.optOut];
    }
  }
  return current;
}

// options: {global, config, initCalls, isLive(), whenLive(), pythonReady, idle(), record, failed}
export function startWebPush(options) {
  var global = options.global;
  var config = options.config;
  var calls = config.webPush;
  if (!Array.isArray(calls) || !calls.length) {
    return;
  }
  var optedOut = optOutAfter(config, options.initCalls, false);
  var settled = false;
  var pushed = false;
  function pushOnce() {
    if (pushed || !settled || optedOut || !options.isLive()) {
      return;
    }
    pushed = true;
    var name = config.sdk.webPushQueue;
    var target = global[config.sdk.global][name];
    try {
      for (var i = 0; i < calls.length; i++) {
        target.push.apply(target, calls[i].slice(1));
      }
      options.record({ kind: "web-push", calls: JSON.parse(JSON.stringify(calls)) });
    } catch (e) {
      options.failed("window." + config.sdk.global + "." + name + ".push failed: " + e.message);
    }
  }
  global.addEventListener("clevertap-bridge", function (event) {
    var item = event.detail || {};
    if (item.kind === "applied" && Array.isArray(item.calls)) {
      optedOut = optOutAfter(config, item.calls, optedOut);
      global.setTimeout(pushOnce, 0); // after the SDK has been given the privacy call itself
    }
  });
  options.whenLive().then(function () { return options.pythonReady; }).then(function () { return options.idle(); }).then(function () {
    settled = true;
    pushOnce();
  });
}
