// The worker's side: Pyodide + the bridge wheel behind a JSON-string boundary (bridge.boundary.handle).
// Run as a module worker (new Worker(url, {type: "module"})): Pyodide 314 refuses classic workers.
// In a worker (dedicated, or shared by the site's tabs: each tab talks on its own port, and a shared worker
// first says {type: "connected"}) it answers {type: "boot", baseUrl, indexURL?} with {type: "ready", restored,
// shared} or {type: "failed", error}
// (indexURL defaults to the bundle's own Pyodide folder; restored: booted from a kept memory snapshot),
// and {type: "request", id, request: <JSON string>} with {type: "response", id, response: <JSON string>}, or with
// {type: "crashed", id, error} when Python itself has failed for good (the page then starts another worker;
// a shared worker tells every port, id null, and closes).
// A request may be a batch (bridge.boundary): many messages in one round trip, one answer each.
// Loaded as a classic <script> (no Worker available) it defines window.ClevertapBridgeWorker = {boot}.

import { loadScript } from "./util.js";

export function defineWorker(scope, CONFIG) {
  var inWorker = typeof scope.WorkerGlobalScope !== "undefined" && scope instanceof scope.WorkerGlobalScope;

  function fetchBytes(url, integrity) {
    return scope.fetch(url, { integrity: integrity, credentials: "omit" }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status + " for " + url);
      }
      return response.arrayBuffer();
    });
  }

  // The loader: the ES module in a (module) worker; on the main thread the classic pyodide.js, whose
  // self-hosted copy is checked against its hash (a CDN copy is taken as the CDN serves it).
  function pyodideLoader(options) {
    var indexURL = options.indexURL;
    if (inWorker) {
      return import(indexURL + "pyodide.mjs").then(function (module) { return module.loadPyodide; });
    }
    var integrity = indexURL === options.baseUrl + CONFIG.pyodideDir ? CONFIG.pyodideIntegrity : null;
    return loadScript(scope, indexURL + "pyodide.js", integrity, null).then(function () { return scope.loadPyodide; });
  }

  /* ---- boot: from this visitor's memory snapshot when there is one -----------------------------
   * The first boot in a browser runs loadPyodide with _makeSnapshot, imports the bridge and, once idle,
   * keeps Pyodide's memory (makeMemorySnapshot, ~30 MB) in Cache Storage; later page views restore it
   * (_loadSnapshot), which skips the interpreter's start-up and the imports (figures in the README). */
  var SNAPSHOT_CACHE = "clevertap-bridge-snapshots";
  // Taken right after the first answer is out (or this long after ready, if no request comes): the first
  // events never wait for it, and a visitor who leaves the page within a second still keeps one.
  var SNAPSHOT_IDLE_MS = 300;

  function snapshotKey(options) {
    // One snapshot per runtime and wheel: a new bundle (new hashes) never restores an old memory.
    return options.baseUrl + "clevertap-bridge.snapshot?v=" + scope.encodeURIComponent(
      CONFIG.version + " " + CONFIG.wheelIntegrity + " " + options.indexURL);
  }

  function snapshotCache() {
    // Worker only (the main-thread fallback keeps no 30 MB); no Cache Storage (http:, opaque origin): none.
    try {
      return inWorker && scope.caches ? scope.caches.open(SNAPSHOT_CACHE).then(null, function () { return null; }) : Promise.resolve(null);
    } catch (e) {
      return Promise.resolve(null);
    }
  }

  function keepSnapshot(pyodide, cache, key) {
    try {
      var memory = pyodide.makeMemorySnapshot();
      cache.put(key, new scope.Response(memory, { headers: { "Content-Type": "application/octet-stream" } })).then(null, function (error) {
        scope.console.debug("[clevertap-bridge] could not keep the Python snapshot: " + String(error && error.message));
      });
    } catch (error) {
      scope.console.debug("[clevertap-bridge] could not make a Python snapshot: " + String(error && error.message));
    }
  }

  function boot(options) {
    var own = options.baseUrl + CONFIG.pyodideDir;
    var indexURL = options.indexURL || own;
    options = { baseUrl: options.baseUrl, indexURL: indexURL };
    var key = snapshotKey(options);
    var cache = snapshotCache();
    var stored = cache.then(function (c) {
      return c ? c.match(key).then(function (r) { return r ? r.arrayBuffer() : null; }) : null;
    }).then(null, function () { return null; });
    var wheel = fetchBytes(options.baseUrl + CONFIG.wheelFile, CONFIG.wheelIntegrity); // in parallel with Pyodide
    wheel.then(null, function () { /* reported through the boot */ });
    var restored = false;
    var snapshotError = null;

    function load(loadPyodide, snapshot, canStore) {
      var config = {
        indexURL: indexURL,
        stdout: function (text) { scope.console.log("[clevertap-bridge python] " + text); },
        stderr: function (text) { scope.console.warn("[clevertap-bridge python] " + text); }
      };
      if (CONFIG.lockFile) {
        config.lockFileContents = CONFIG.lockFile; // pyodide-lock.json is not shipped: no package is loaded
      }
      if (CONFIG.stdlibFile && indexURL === own) {
        config.stdLibURL = indexURL + CONFIG.stdlibFile; // the bundle's cut standard library
      }
      if (snapshot) {
        config._loadSnapshot = new Uint8Array(snapshot);
      } else if (canStore) {
        config._makeSnapshot = true;
      }
      return loadPyodide(config);
    }

    return Promise.all([pyodideLoader(options), stored, cache])
      .then(function (found) {
        if (found[1]) {
          return load(found[0], found[1], false).then(function (pyodide) {
            restored = true;
            return pyodide;
          }, function (error) {
            // A snapshot this runtime cannot take: forget it and boot as on a first visit.
            snapshotError = String(error && error.message);
            scope.console.warn("[clevertap-bridge] the kept Python snapshot failed (" + snapshotError + "): booting without it");
            found[2].delete(key);
            return load(found[0], null, true);
          });
        }
        return load(found[0], null, !!found[2]);
      })
      .then(function (pyodide) {
        return wheel.then(function (bytes) {
          // Also after a restore: the snapshot holds memory, not files, and some imports happen later.
          // The wheel goes on sys.path as it is: zipimport (built in) reads its bytecode, and nothing
          // imports zipfile, shutil or tempfile to unpack it.
          pyodide.FS.writeFile(CONFIG.wheelPath, new Uint8Array(bytes));
          pyodide.runPython("import sys\nif " + JSON.stringify(CONFIG.wheelPath) + " not in sys.path: sys.path.insert(0, " +
            JSON.stringify(CONFIG.wheelPath) + ")");
          if (restored) {
            // The snapshot froze start-up state: a new random seed, the visitor's time zone.
            pyodide.runPython("import random, time\nrandom.seed()\nif hasattr(time, 'tzset'): time.tzset()");
          }
          var handle = pyodide.pyimport("bridge.boundary").handle;
          var snapshotDue = !restored;
          var snapshotNow = function () {
            if (snapshotDue) {
              snapshotDue = false;
              cache.then(function (c) {
                if (c) {
                  keepSnapshot(pyodide, c, key);
                }
              });
            }
          };
          if (snapshotDue) {
            scope.setTimeout(snapshotNow, SNAPSHOT_IDLE_MS);
          }
          // handle() never raises: an exception here is the interpreter itself failing (a fatal error,
          // out of memory), and the caller starts Python again.
          var answer = function (request) {
            // After a fatal error Pyodide's API functions throw, but a proxy such as handle may still
            // answer from a broken interpreter: ask the API first.
            pyodide.checkInterrupt();
            return String(handle(String(request)));
          };
          answer.crash = function () { // test hook: what a fatal error in Python does
            try {
              pyodide.runPython("import os\nos.abort()");
            } catch (e) { /* Pyodide is now fatally failed */ }
          };
          answer.afterAnswer = function () {
            if (snapshotDue) {
              scope.setTimeout(snapshotNow, 0);
            }
          };
          answer.restored = restored;
          answer.snapshotError = snapshotError;
          return answer;
        });
      });
  }

  if (inWorker) {
    // A SharedWorker (one Python for the site's tabs, Chromium) or a dedicated one: the same protocol,
    // per port. The worker only maps: requests in, answers out, on the port they came from; each tab's
    // queue and its CleverTap SDK stay in that tab.
    var shared = typeof scope.SharedWorkerGlobalScope !== "undefined" && scope instanceof scope.SharedWorkerGlobalScope;
    var ready = null;
    var ports = [];
    var broken = null; // Python failed for good: every port is told, and a shared worker closes

    var serve = function (post) {
      return function (event) {
        var data = event.data || {};
        if (data.type === "boot") {
          ready = ready || boot(data); // the first tab's boot; later tabs find Python booting or running
          ready.then(function (handle) {
            post({ type: "ready", version: CONFIG.version, restored: !!handle.restored, snapshotError: handle.snapshotError, shared: shared });
          }, function (error) {
            post({ type: "failed", error: String(error && error.message ? error.message : error) });
          });
        } else if (data.type === "request" && ready) {
          ready.then(function (handle) {
            if (broken) {
              post({ type: "crashed", id: data.id, error: broken });
              return;
            }
            var response;
            try {
              response = handle(data.request);
            } catch (e) {
              // Python is broken for good: say so, and the page starts another worker.
              broken = String(e && e.message ? e.message : e).slice(0, 500);
              post({ type: "crashed", id: data.id, error: broken });
              closeShared();
              return;
            }
            post({ type: "response", id: data.id, response: response });
            handle.afterAnswer();
          }, function () { /* reported once, at boot */ });
        } else if (data.type === "crash" && ready) {
          ready.then(function (handle) { handle.crash(); }, function () { /* never booted */ });
        } else if (data.type === "hang") {
          // test hook: a worker stuck for good (as in a runaway loop), which no page can terminate
          var until = Infinity;
          while (Date.now() < until) { until = Infinity; }
        }
      };
    };

    // A shared worker with a broken Python tells every tab, then closes, so that no later page joins it.
    var closeShared = function () {
      if (!shared) {
        return;
      }
      for (var i = 0; i < ports.length; i++) {
        ports[i]({ type: "crashed", id: null, error: broken });
      }
      scope.close();
    };

    if (shared) {
      scope.onconnect = function (event) {
        var port = event.ports[0];
        var post = function (message) {
          try {
            port.postMessage(message);
          } catch (e) { /* that tab is gone */ }
        };
        ports.push(post);
        port.onmessage = serve(post);
        // At once, before Python: a page that hears nothing takes this worker for hung and leaves it.
        post({ type: "connected", broken: broken });
      };
    } else {
      scope.onmessage = serve(function (message) { scope.postMessage(message); });
    }
  } else {
    scope.ClevertapBridgeWorker = { boot: boot, version: CONFIG.version };
  }
}
