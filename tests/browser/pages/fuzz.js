// Seeded hostile calls for test_fuzz.py, made in the page (BigInt, cyclic objects, NaN and lone surrogates
// cannot cross Playwright's JSON boundary). window.fuzz.run(seed, count, withGroup) makes `count` calls on
// window.rudderanalytics and returns what it did; window.fuzz.records collects the bridge's log records.
(function () {
  "use strict";

  function mulberry32(seed) {
    return function () {
      seed |= 0;
      seed = (seed + 0x6d2b79f5) | 0;
      var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  var records = [];
  window.addEventListener("clevertap-bridge", function (event) {
    var r = event.detail || {};
    var entry = r.entry || {};
    records.push({
      kind: r.kind,
      id: entry.id || null,
      type: entry.message ? entry.message.type : entry.kind,
      messageId: entry.message ? entry.message.messageId : null,
      text: r.text || null,
      calls: r.kind === "applied" ? JSON.stringify(r.calls) : null
    });
  });

  function make(seed) {
    var random = mulberry32(seed);
    function pick(list) { return list[Math.floor(random() * list.length)]; }
    function chance(p) { return random() < p; }

    function text() {
      return pick([
        function () { return "plain " + Math.floor(random() * 1000); },
        function () { return "Grüße 日本 😀 " + Math.floor(random() * 100); },
        function () { return "lone \ud800 high"; },
        function () { return "lone \udc00 low"; },
        function () { return "quotes ' \" \\ and .:$"; },
        function () { return "  padded  "; },
        function () { return ""; },
        function () { return "nul \u0000 and \u2028 sep"; },
        function () { return "<script>alert(1)</script>"; },
        function () { return "x".repeat(chance(0.03) ? 50000 : 1500); },
        function () { return "+1 555 000 " + Math.floor(random() * 10000); },
        function () { return "2001-02-03"; }
      ])();
    }

    function key() {
      return pick(["k" + Math.floor(random() * 50), "__proto__", "constructor", "hasOwnProperty", "", "a.b:c$",
        "  spaced ", "😀", "lone\ud800", "Identity", "tz", "email", "gender", "phone", "birthday", "employed",
        "0", "42", "$D_x", "toString"]);
    }

    function deep(levels) {
      var value = "bottom";
      for (var i = 0; i < levels; i++) {
        value = chance(0.5) ? { d: value } : [value];
      }
      return value;
    }

    function value(depth) {
      var kinds = [
        function () { return Math.floor(random() * 1e6) - 5e5; },
        function () { return random() * 1e6; },
        function () { return NaN; },
        function () { return Infinity; },
        function () { return -0; },
        function () { return 1e308 * 10; },
        function () { return Number.MAX_SAFE_INTEGER + 2; },
        function () { return BigInt(Math.floor(random() * 1e6)); },
        text, text, text,
        function () { return null; },
        function () { return undefined; },
        function () { return chance(0.5); },
        function () { return new Date(Math.floor(random() * 2e12)); },
        function () { return function () { return 1; }; },
        function () { return Symbol("s"); },
        function () { return new Map([["a", 1]]); },
        function () { return deep(1 + Math.floor(random() * (chance(0.1) ? 300 : 12))); },
        function () { return depth > 0 ? object(depth - 1) : "leaf"; },
        function () { return depth > 0 ? [value(depth - 1), value(depth - 1), value(depth - 1)] : []; },
        function () { var o = { a: 1 }; o.self = o; return o; },
        function () { var o = {}; Object.defineProperty(o, "boom", { enumerable: true, get: function () { throw new Error("getter"); } }); return o; },
        function () { return { toJSON: function () { return "custom"; } }; }
      ];
      return pick(kinds)();
    }

    function object(depth) {
      var o = {};
      var n = Math.floor(random() * (chance(0.05) ? 150 : 6));
      for (var i = 0; i < n; i++) {
        // defineProperty: "__proto__" becomes an own key, as JSON.parse would make it
        Object.defineProperty(o, key(), { value: value(depth), enumerable: true, configurable: true, writable: true });
      }
      return o;
    }

    function wrong() {
      return pick(["a string", 42, ["an", "array"], true, null, undefined, NaN, BigInt(7)]);
    }

    function props() {
      return chance(0.85) ? object(3) : wrong();
    }

    var users = [];
    for (var u = 0; u < 25; u++) {
      users.push("fuzz-user-" + u);
    }

    return function call(i, withGroup) {
      var r = random();
      if (r < 0.10) {
        var userId = chance(0.8) ? pick(users) : pick([42, { id: 1 }, null, "", ["u"], BigInt(3)]);
        var traits = chance(0.9) ? object(2) : wrong();
        if (chance(0.7) && traits && typeof traits === "object") {
          traits.email = pick(["fz" + i + "@example.com", "not an email", 7]);
        }
        return ["identify", userId, traits];
      }
      if (r < 0.72) {
        var name = chance(0.8) ? "fz " + i : pick([text(), 42, null, undefined, { o: 1 }, ["a"], "", "Stayed", "__proto__", "Order Completed"]);
        if (name === "Order Completed" || chance(0.03)) {
          return ["track", "Order Completed", { checkout_id: "fz-chk-" + i, revenue: pick([10, "12.5", NaN, null]),
            products: chance(0.7) ? [{ product_id: "p" + i, price: 1 }, value(1)] : value(1) }];
        }
        return ["track", name, props()];
      }
      if (r < 0.84) {
        return ["page", pick(["Shop", null, 7]), chance(0.8) ? "fz page " + i : value(0), props()];
      }
      if (r < 0.93 && !withGroup) { // the v3 SDK (withGroup) has no screen()
        return ["screen", chance(0.8) ? "fz screen " + i : value(0), props()];
      }
      if (r < 0.97 || !withGroup) {
        return ["alias", chance(0.8) ? pick(users) : value(0)];
      }
      return ["group", "org-" + i, props()];
    };
  }

  window.fuzz = {
    records: records,
    // Makes the calls, a few at a time with a yield between (as a busy page would), including logins of
    // different users milliseconds apart. Resolves with a summary of what the page did.
    run: function (seed, count, withGroup) {
      var next = make(seed);
      var pace = mulberry32(seed + 1);
      var made = [];
      var thrown = [];
      var i = 0;
      return new Promise(function (resolve) {
        (function burst() {
          var stop = Math.min(count, i + 1 + Math.floor(pace() * 40));
          for (; i < stop; i++) {
            var call = next(i, withGroup);
            made.push(call[0]);
            try {
              window.rudderanalytics[call[0]].apply(window.rudderanalytics, call.slice(1));
            } catch (e) {
              thrown.push(call[0] + " #" + i + ": " + String(e && e.message));
            }
          }
          if (i < count) {
            setTimeout(burst, Math.floor(pace() * 10));
          } else {
            resolve({ made: made, thrown: thrown });
          }
        })();
      });
    }
  };
})();
