// Shared by the benchmark pages and loaded first (synchronously), so every variant makes the same calls and
// is observed the same way: long tasks from navigation start, errors, the calls of a page view, a burst.
(function () {
  "use strict";
  var bench = window.__bench = { longtasks: [], errors: [], marks: {} };
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (entry) { bench.longtasks.push([entry.startTime, entry.duration]); });
    }).observe({ type: "longtask", buffered: true });
  } catch (e) {
    bench.errors.push("no longtask observer: " + e);
  }
  // The site's own paint: first contentful paint and the largest contentful paint (the page's hero image),
  // so the bench shows whether the bridge's downloads slow the page itself.
  bench.paint = { fcp: null, lcp: null, lcpElement: null };
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (entry) {
        if (entry.name === "first-contentful-paint") bench.paint.fcp = entry.startTime;
      });
    }).observe({ type: "paint", buffered: true });
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (entry) {
        bench.paint.lcp = entry.startTime;
        bench.paint.lcpElement = entry.element ? entry.element.tagName.toLowerCase() : null;
      });
    }).observe({ type: "largest-contentful-paint", buffered: true });
  } catch (e) {
    bench.errors.push("no paint observers: " + e);
  }
  window.addEventListener("error", function (event) { bench.errors.push(String(event.message)); });
  bench.mark = function (name) {
    if (!(name in bench.marks)) bench.marks[name] = performance.now();
  };
  // The bridge's Python-ready promise, when the build has one: only a mark on the timeline.
  var poll = setInterval(function () {
    var bridge = window.ClevertapBridge;
    if (bridge && bridge.pythonReady && typeof bridge.pythonReady.then === "function") {
      clearInterval(poll);
      bridge.pythonReady.then(function () { bench.mark("pythonReady"); });
    }
  }, 5);
  setTimeout(function () { clearInterval(poll); }, 120000);
  // One page view: who the visitor is, what they looked at. Every call carries the view's name (?view=), so
  // the bench tells this page's calls from the SDK resending an earlier page's.
  var view = new URLSearchParams(location.search).get("view") || "";
  bench.calls = [
    ["identify", "bench-user-1", { email: "jane@example.com", name: "Jane Doe", plan: "pro", visit: view }],
    ["track", "Product Viewed", { sku: "sku-1", price: 12.5, currency: "EUR", view: view }],
    ["page", "Shop", "Home", { section: "landing", view: view }]
  ];
  bench.run = function (analytics) {
    bench.calls.forEach(function (call) { analytics[call[0]].apply(analytics, call.slice(1)); });
  };
  // n tracks in one task, as a page that logs a lot at once; epoch milliseconds before and after.
  bench.burst = function (n) {
    var start = performance.timeOrigin + performance.now();
    for (var i = 0; i < n; i++) {
      window.rudderanalytics.track("Bench Burst", { i: i });
    }
    return { start: start, end: performance.timeOrigin + performance.now() };
  };
})();
