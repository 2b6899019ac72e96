// Python's homes: a SharedWorker for the site's tabs (Chromium, same origin), else a blob module worker,
// else the main thread (the worker file loaded as a classic script, which then defines
// window.ClevertapBridgeWorker).
//
// A client's request(text, timeoutMs) answers with the worker's JSON text, or rejects with an error whose
// workerDied is true: the worker was terminated, ran out of memory, Python crashed, or it did not answer
// in time. The entries in flight are still queued then; the bridge starts Python again and resends them.
// client.abandon(reason) is that same path for a caller that decides the worker is dead or hung.

import { hasOwn, loadScript } from "./util.js";

export function deadError(reason) {
  var error = new Error(reason);
  error.workerDied = true;
  return error;
}

// How long a shared worker may take to say "connected" (its event loop free) before the page takes it
// for hung, leaves it to its fate and starts a dedicated worker: a page cannot terminate a shared worker.
export var SHARED_CONNECT_MS = 10000;
var SHARED_NAME = "clevertap-bridge";

// The client of one worker, over its port (a Worker, or a SharedWorker's MessagePort). stop() ends the
// worker (dedicated) or leaves it (shared). Resolves with the client once Python is ready.
function speak(global, mode, port, stop, boot, failed, onError) {
  return new Promise(function (resolve, reject) {
    var booted = false;
    var dead = null;
    var waiting = {};
    var next = 1;
    // The one way a worker is given up on, whatever the cause: terminated, out of memory, Python crashed,
    // no answer in time (hung), or a caller's own limit (client.abandon). Every request in flight is
    // rejected with workerDied; the bridge then starts Python again and resends them.
    function died(reason) {
      if (dead) {
        return;
      }
      dead = deadError(reason);
      try {
        stop();
      } catch (e) { /* already gone */ }
      if (!booted) {
        booted = true;
        reject(dead);
      }
      var pending = waiting;
      waiting = {};
      for (var id in pending) {
        if (hasOwn(pending, id)) {
          global.clearTimeout(pending[id].timer);
          pending[id].reject(dead);
        }
      }
    }
    var client = {
      mode: "worker",
      shared: mode === "shared",
      // timeoutMs: no answer by then counts as a dead worker (a hung or killed one never answers).
      request: function (text, timeoutMs) {
        return new Promise(function (answer, fail) {
          if (dead) {
            fail(dead);
            return;
          }
          var id = next++;
          waiting[id] = {
            resolve: answer,
            reject: fail,
            timer: global.setTimeout(function () {
              died("the worker did not answer within " + Math.round(timeoutMs / 1000) + " s");
            }, timeoutMs)
          };
          port.postMessage({ type: "request", id: id, request: text });
        });
      },
      abandon: died,
      // test hook: a death the bridge is not told of (a shared worker is only left: its answers stop)
      terminate: function () { stop(); },
      crash: function () { port.postMessage({ type: "crash" }); }, // test hook: Python aborts
      hang: function () { port.postMessage({ type: "hang" }); } // test hook: the worker never answers again
    };
    var connectTimer = null;
    port.onmessage = function (event) {
      var data = event.data || {};
      if (data.type === "connected") {
        global.clearTimeout(connectTimer);
        if (data.broken) {
          died("the shared worker's Python has failed (" + data.broken + ")");
        }
      } else if (data.type === "ready") {
        booted = true;
        resolve(client);
      } else if (data.type === "failed") {
        // Pyodide itself failed: the main thread would fail the same way, so no fallback.
        booted = true;
        failed("Python did not start: " + data.error + "; events wait in the queue");
      } else if (data.type === "response" && hasOwn(waiting, data.id)) {
        var answer = waiting[data.id];
        delete waiting[data.id];
        global.clearTimeout(answer.timer);
        answer.resolve(data.response);
      } else if (data.type === "crashed") {
        died("Python crashed (" + data.error + ")");
      }
    };
    port.onmessageerror = function () { died("the worker's answer could not be read"); };
    onError(function (text) {
      if (!booted) {
        booted = true;
        reject(new Error(text));
      } else {
        died("worker error: " + text);
      }
    });
    if (mode === "shared") {
      connectTimer = global.setTimeout(function () {
        died("the shared worker did not answer within " + Math.round(SHARED_CONNECT_MS / 1000) + " s");
      }, SHARED_CONNECT_MS);
    }
    port.postMessage(boot);
  });
}

function checkedSource(global, config, url) {
  // The worker file is checked against its hash before it runs (a Worker has no integrity attribute).
  return global.fetch(url, { integrity: config.workerIntegrity, credentials: "omit" }).then(function (response) {
    if (!response.ok) {
      throw new Error("HTTP " + response.status + " for " + config.workerFile);
    }
    return response.text();
  });
}

function errorText(event) {
  if (event && event.preventDefault) {
    event.preventDefault();
  }
  return event && event.message ? event.message : "the worker failed";
}

// config: {workerFile, workerIntegrity}; failed(text): Pyodide itself failed in the worker.
export function startWorker(global, config, base, boot, failed) {
  if (typeof global.Worker !== "function" || typeof global.Blob !== "function" || typeof global.fetch !== "function") {
    return Promise.reject(new Error("Worker is not available"));
  }
  // A blob worker runs whatever origin serves the bundle; the source is checked against its hash.
  return checkedSource(global, config, base + config.workerFile).then(function (source) {
    var url = global.URL.createObjectURL(new global.Blob([source], { type: "text/javascript" }));
    var worker = new global.Worker(url, { type: "module" }); // Pyodide 314 needs a module worker
    return speak(global, "dedicated", worker, function () { worker.terminate(); }, boot, failed, function (report) {
      worker.onerror = function (event) { report(errorText(event)); };
    });
  });
}

/* ---- one Python per site: a SharedWorker (Chromium, extendedLifetime) ------------------------------
 * Every page of the site creates it with the same URL, name and options, so a page view finds Python
 * running (and a second tab shares it). Its name carries a generation kept in localStorage: a page that
 * finds the worker dead or hung moves the generation on, so later pages start a new one instead of
 * joining it (a page cannot terminate a shared worker). */

function generationKey(config) {
  return config.storagePrefix + "shared_worker";
}

function generation(global, config) {
  try {
    return String(parseInt(global.localStorage.getItem(generationKey(config)), 10) || 0);
  } catch (e) {
    return "0";
  }
}

function nextGeneration(global, config, seen) {
  try {
    if (generation(global, config) === seen) {
      global.localStorage.setItem(generationKey(config), String(Number(seen) + 1));
    }
  } catch (e) { /* no storage: this tab still leaves the worker */ }
}

// extendedLifetime (a shared worker outlives a same-origin navigation) shipped in Chromium 148; elsewhere
// a shared worker ends with the page that made it, and the dedicated worker's snapshot serves better.
export var SHARED_MIN_CHROMIUM = 148;

function keepsSharedWorkers(navigator) {
  var brands = navigator && navigator.userAgentData && navigator.userAgentData.brands;
  if (!brands || typeof brands.length !== "number") {
    return false;
  }
  for (var i = 0; i < brands.length; i++) {
    if (brands[i] && brands[i].brand === "Chromium" && parseInt(brands[i].version, 10) >= SHARED_MIN_CHROMIUM) {
      return true;
    }
  }
  return false;
}

// Why this page cannot use a shared worker, or null. A SharedWorker's script must be same-origin (a blob
// URL differs per page, so it cannot serve), and the test suite turns it off to run the fallback.
export function noSharedWorker(global, config, base) {
  if (typeof global.SharedWorker !== "function" || typeof global.fetch !== "function" || !global.location) {
    return "SharedWorker is not available";
  }
  if (global.__clevertapBridgeNoSharedWorker === true) {
    return "the shared worker is turned off on this page";
  }
  if (!keepsSharedWorkers(global.navigator)) {
    return "this browser does not keep a shared worker across page views";
  }
  try {
    if (new global.URL(base + config.workerFile, global.location.href).origin !== global.location.origin) {
      return "the bundle is on another origin than the page";
    }
  } catch (e) {
    return "the worker's URL cannot be read";
  }
  return null;
}

export function startSharedWorker(global, config, base, boot, failed) {
  var reason = noSharedWorker(global, config, base);
  if (reason) {
    return Promise.reject(new Error(reason));
  }
  var url = new global.URL(base + config.workerFile, global.location.href).href;
  var seen = generation(global, config);
  // Checked against its hash first; the browser then loads the same URL (content-hashed, cached).
  return checkedSource(global, config, url).then(function () {
    // The name holds the worker file's (hashed) name: a page of a new bundle never meets the old bundle's
    // worker under the same name with another URL, which the browser refuses.
    var name = SHARED_NAME + " " + config.workerFile + " " + seen;
    var worker = new global.SharedWorker(url, { type: "module", name: name, extendedLifetime: true });
    var port = worker.port;
    var left = false;
    var leave = function () {
      if (!left) {
        left = true;
        nextGeneration(global, config, seen);
        port.close();
      }
    };
    return speak(global, "shared", port, leave, boot, failed, function (report) {
      worker.onerror = function (event) { report(errorText(event)); };
    });
  });
}

export function startMainThread(global, config, base, boot) {
  return loadScript(global, base + config.workerFile, config.workerIntegrity, null).then(function () {
    var runtime = global.ClevertapBridgeWorker;
    if (!runtime || typeof runtime.boot !== "function") {
      throw new Error(config.workerFile + " did not define ClevertapBridgeWorker");
    }
    return runtime.boot(boot);
  }).then(function (handle) {
    var dead = null;
    return {
      mode: "main-thread",
      request: function (text) {
        return Promise.resolve().then(function () {
          if (dead) {
            throw dead;
          }
          try {
            return handle(text);
          } catch (e) {
            // handle() never raises: the interpreter itself failed, and stays failed.
            dead = deadError("Python crashed (" + (e && e.message) + ")");
            throw dead;
          }
        });
      },
      terminate: function () { dead = deadError("Python was stopped"); },
      crash: function () {
        if (typeof handle.crash === "function") {
          handle.crash();
        }
      }
    };
  });
}
