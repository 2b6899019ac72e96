// Python's two homes: a blob module worker, else the main thread (the worker file loaded as a classic
// script, which then defines window.ClevertapBridgeWorker).
//
// A client's request(text, timeoutMs) answers with the worker's JSON text, or rejects with an error whose
// workerDied is true: the worker was terminated, ran out of memory, Python crashed, or it did not answer
// in time. The entries in flight are still queued then; the bridge starts Python again and resends them.

import { hasOwn, loadScript } from "./util.js";

export function deadError(reason) {
  var error = new Error(reason);
  error.workerDied = true;
  return error;
}

// config: {workerFile, workerIntegrity}; failed(text): Pyodide itself failed in the worker.
export function startWorker(global, config, base, boot, failed) {
  if (typeof global.Worker !== "function" || typeof global.Blob !== "function" || typeof global.fetch !== "function") {
    return Promise.reject(new Error("Worker is not available"));
  }
  // A blob worker runs whatever origin serves the bundle; the source is checked against its hash.
  return global.fetch(base + config.workerFile, { integrity: config.workerIntegrity, credentials: "omit" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status + " for " + config.workerFile);
      }
      return response.text();
    })
    .then(function (source) {
      return new Promise(function (resolve, reject) {
        var url = global.URL.createObjectURL(new global.Blob([source], { type: "text/javascript" }));
        var worker;
        var booted = false;
        var dead = null;
        var waiting = {};
        var next = 1;
        try {
          worker = new global.Worker(url, { type: "module" }); // Pyodide 314 needs a module worker
        } catch (e) {
          reject(e);
          return;
        }
        function died(reason) {
          if (dead) {
            return;
          }
          dead = deadError(reason);
          try {
            worker.terminate();
          } catch (e) { /* already gone */ }
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
              worker.postMessage({ type: "request", id: id, request: text });
            });
          },
          terminate: function () { worker.terminate(); }, // test hook: a death the bridge is not told of
          crash: function () { worker.postMessage({ type: "crash" }); } // test hook: Python aborts
        };
        worker.onmessage = function (event) {
          var data = event.data || {};
          if (data.type === "ready") {
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
        worker.onerror = function (event) {
          if (event && event.preventDefault) {
            event.preventDefault();
          }
          var text = event && event.message ? event.message : "the worker failed";
          if (!booted) {
            booted = true;
            reject(new Error(text));
          } else {
            died("worker error: " + text);
          }
        };
        worker.onmessageerror = function () { died("the worker's answer could not be read"); };
        worker.postMessage(boot);
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
