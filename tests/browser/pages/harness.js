// Shared by the harness pages: options from the query string (?o=<JSON>), a script loader, and a
// record of what the page did, so that the tests can wait on it.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var opts = JSON.parse(params.get("o") || "{}");
  var harness = {
    opts: opts,
    origin: location.origin,
    ready: false,
    errors: [],
    loadScript: function (src) {
      return new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src;
        s.onload = resolve;
        s.onerror = function () { reject(new Error("could not load " + src)); };
        document.head.appendChild(s);
      });
    },
    // A content-hashed name of the bundle at base ("worker", "wheel", "pyodide"), from its manifest.json.
    bundleName: function (base, key) {
      return fetch(base + "manifest.json").then(function (r) { return r.json(); }).then(function (m) { return m.names[key]; });
    },
    // Runs [method, ...args] on window.rudderanalytics, in order.
    run: function (calls) {
      (calls || []).forEach(function (call) {
        window.rudderanalytics[call[0]].apply(window.rudderanalytics, call.slice(1));
      });
    },
    loadOptions: function () {
      var o = {
        configUrl: location.origin + "/cfg",
        destSDKBaseURL: opts.destSDKBaseURL,
        logLevel: opts.logLevel || "WARN"
      };
      if (opts.integrations) o.integrations = opts.integrations;
      return Object.assign(o, opts.loadOptions || {});
    }
  };
  window.harness = harness;
})();
