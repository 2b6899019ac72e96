// The CleverTap Web SDK's start: its start-up values, the privacy calls made before the account, the
// queue stub it starts from, and loading its script. Every CleverTap name comes from config.sdk.
//
// The SDK's start-up values (account, region, proxy domain, SDK URL) are Python's (bridge.device.
// start_values): computed at build time for the file settings, or asked of Python when the destination
// config changes one of them, so that the settings are read and checked in one place. A config Python
// refuses starts no SDK: one console error, and the events stay queued for a page that can send them.

import { hasOwn, isObject, loadScript } from "./util.js";

// The SDK is live once its script has replaced the queue stub (the stub has no liveness method).
export function isLive(global, config) {
  var sdk = global[config.sdk.global];
  return !!sdk && typeof sdk[config.sdk.liveMethod] === "function";
}

export function makeWhenLive(global, config) {
  var livePromise = null;
  return function whenLive() {
    if (!livePromise) {
      livePromise = new Promise(function (resolve) {
        (function poll() {
          if (isLive(global, config)) {
            resolve();
          } else {
            global.setTimeout(poll, 50);
          }
        })();
      });
    }
    return livePromise;
  };
}

// True when the destination config sets one of the start settings to another value than the file's.
export function configChangesStart(config, destinationConfig) {
  for (var key in destinationConfig) {
    if (hasOwn(destinationConfig, key) && hasOwn(config.settingNames, key) &&
        config.startSettings.indexOf(config.settingNames[key]) >= 0 &&
        JSON.stringify(destinationConfig[key]) !== JSON.stringify(config.settings[config.settingNames[key]])) {
      return true;
    }
  }
  return false;
}

// ask(body) -> Promise of the worker's JSON text (the drain loop's ask).
export function askStartValues(ask, settingsText, configText) {
  var body = '{"kind":"start","settings":' + settingsText + ',"config":' + configText + "}";
  return ask(body).then(function (text) {
    var answer = JSON.parse(text);
    if (!isObject(answer) || !isObject(answer.start)) {
      throw new Error(isObject(answer) && answer.error ? String(answer.error) : "the worker answered " + String(text).slice(0, 200));
    }
    return answer.start;
  });
}

// The queue stub the page's calls go to until the SDK loads: the SDK takes them over when it starts.
export function stubSdk(global, config) {
  var sdk = {};
  for (var i = 0; i < config.sdk.queueNames.length; i++) {
    sdk[config.sdk.queueNames[i]] = [];
  }
  for (var flag in config.sdk.stubFlags) {
    if (hasOwn(config.sdk.stubFlags, flag)) {
      sdk[flag] = config.sdk.stubFlags[flag];
    }
  }
  global[config.sdk.global] = sdk;
}

// values: start_values' {account, region, targetDomain, sdkUrl}; watch(values) starts flow control.
export function startSdk(global, config, values, watch, failed) {
  watch(values);
  var rules = config.sdk;
  try {
    var sdk = global[rules.global];
    sdk[rules.accountQueue].push({ id: values.account });
    if (typeof values.region === "string" && values.region) {
      sdk[rules.startProperties.region] = values.region;
    }
    if (typeof values.targetDomain === "string" && values.targetDomain) {
      sdk[rules.startProperties.targetDomain] = values.targetDomain;
    }
  } catch (e) {
    failed("could not prepare window." + rules.global + ": " + e.message);
    return;
  }
  if (!global.document.getElementById(rules.scriptId)) {
    loadScript(global, values.sdkUrl, null, rules.scriptId).then(null, function () {
      failed("could not load the CleverTap Web SDK from " + values.sdkUrl + "; events wait in the queue");
    });
  }
}

// How the privacy table (bridge.bundle.privacy_table) names one load option's state.
export function optionState(value) {
  return value === true ? "true" : value === false ? "false" : "absent";
}

// The load options for this destination: the first object under the keys Python reads them under
// (bridge.device.INTEGRATION_KEYS).
export function integrationOptions(config, analytics) {
  var options = analytics && analytics.loadOnlyIntegrations;
  if (!isObject(options)) {
    return {};
  }
  for (var i = 0; i < config.integrationKeys.length; i++) {
    if (isObject(options[config.integrationKeys[i]])) {
      return options[config.integrationKeys[i]];
    }
  }
  return {};
}
