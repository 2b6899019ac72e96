// The standalone facade's message building (templates/js/facade.js), with a fake page and a fake
// integration class in place of window.Clevertap_RS.Clevertap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";

import { defineFacade } from "../../templates/js/facade.js";
import { FakeStorage, fakePage } from "./fakes.mjs";

const CONFIG = JSON.parse(readFileSync(new URL("../golden/rudderanalytics.js.json", import.meta.url), "utf8")).config;
const PREFIX = CONFIG.storagePrefix;

function setUp({ existing, local = new FakeStorage() } = {}) {
  const received = [];
  const inits = [];
  class Integration {
    constructor(config, analytics) {
      this.config = config;
      this.analytics = analytics;
    }
    init() { inits.push({ config: this.config, integrations: this.analytics.loadOnlyIntegrations }); }
    isReady() { return true; }
  }
  for (const type of ["identify", "track", "page", "screen", "alias"]) {
    Integration.prototype[type] = (element) => received.push(element.message);
  }
  const page = fakePage({
    storage: local,
    extra: {
      sessionStorage: new FakeStorage(),
      crypto: webcrypto,
      location: { pathname: "/shop", search: "?q=1", href: "https://shop.example.com/shop?q=1" },
      document: { referrer: "https://ref.example.org/x", title: "Shop" },
      navigator: { userAgent: "UA", language: "de-DE" },
      screen: { width: 800, height: 600 },
      devicePixelRatio: 2, innerWidth: 700, innerHeight: 500,
      Clevertap_RS: { Clevertap: Integration },
      rudderanalytics: existing,
    },
  });
  defineFacade(page, CONFIG);
  return { page, analytics: page.rudderanalytics, received, inits, local };
}

test("track builds a RudderStack-shaped message with the persisted anonymous id and the page context", () => {
  const t = setUp();
  t.analytics.load("WRITE_KEY", "https://dataplane.example.com", { destinationConfig: { region: "in1" } });
  t.analytics.track("Product Viewed", { sku: "S1" });
  assert.equal(t.received.length, 1);
  const message = t.received[0];
  assert.equal(message.type, "track");
  assert.equal(message.event, "Product Viewed");
  assert.deepEqual(message.properties, { sku: "S1" });
  assert.deepEqual(message.integrations, { All: true });
  assert.equal(message.channel, "web");
  assert.equal(message.userId, "");
  assert.match(message.messageId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(message.anonymousId, JSON.parse(t.local.getItem(PREFIX + "anonymous_id")));
  assert.deepEqual(message.context.library, { name: "clevertap-bridge rudderanalytics.js", version: CONFIG.version });
  assert.deepEqual(message.context.page, {
    path: "/shop", referrer: "https://ref.example.org/x", referring_domain: "ref.example.org", search: "?q=1",
    title: "Shop", url: "https://shop.example.com/shop?q=1", tab_url: "https://shop.example.com/shop?q=1",
    initial_referrer: "https://ref.example.org/x", initial_referring_domain: "ref.example.org",
  });
  assert.equal(message.context.locale, "de-DE");
  assert.deepEqual(message.context.screen, { width: 800, height: 600, density: 2, innerWidth: 700, innerHeight: 500 });
  assert.deepEqual(t.inits, [{ config: { region: "in1" }, integrations: { All: true } }]);
});

test("identify keeps the user and traits for later calls; a new user id resets the traits", () => {
  const t = setUp();
  t.analytics.load("K", "U");
  t.analytics.identify("u1", { email: "a@example.com", plan: "pro" });
  t.analytics.track("E");
  t.analytics.identify("u2", { plan: "free" });
  assert.deepEqual(t.received.map((m) => [m.type, m.userId, m.context.traits]), [
    ["identify", "u1", { email: "a@example.com", plan: "pro" }],
    ["track", "u1", { email: "a@example.com", plan: "pro" }],
    ["identify", "u2", { plan: "free" }],
  ]);
  assert.equal(JSON.parse(t.local.getItem(PREFIX + "user_id")), "u2");
});

test("page shifts its arguments as RudderStack does and merges the page properties", () => {
  const t = setUp();
  t.analytics.load("K", "U");
  t.analytics.page("Shop", "Cart", { title: "My cart" });
  t.analytics.page("Home");
  const [first, second] = t.received;
  assert.equal(first.name, "Cart");
  assert.equal(first.category, "Shop");
  assert.equal(first.properties.title, "My cart");
  assert.equal(first.context.page.title, "My cart");
  assert.equal(first.properties.path, "/shop");
  assert.equal(second.name, "Home");
  assert.equal(second.category, undefined);
});

test("the display name Python gives filters calls per event and at load", () => {
  const t = setUp();
  t.analytics.load("K", "U");
  t.analytics.track("Sent");
  t.analytics.track("Skipped", {}, { integrations: { [CONFIG.displayName]: false } });
  t.analytics.track("Skipped too", {}, { integrations: { All: false } });
  t.analytics.track("Sent too", {}, { integrations: { All: false, [CONFIG.displayName]: true } });
  assert.deepEqual(t.received.map((m) => m.event), ["Sent", "Sent too"]);

  const off = setUp();
  off.analytics.load("K", "U", { integrations: { All: true, [CONFIG.displayName]: false } });
  off.analytics.track("Never");
  assert.deepEqual(off.inits, []);
  assert.deepEqual(off.received, []);
});

test("calls queued before the file ran are replayed, load first", () => {
  const t = setUp({ existing: [["track", "Early"], ["load", "K", "U"], ["identify", "u9"]] });
  assert.deepEqual(t.received.map((m) => m.type + ":" + (m.event || m.userId)), ["track:Early", "identify:u9"]);
});

test("a call that cannot become a message is dropped with a warning; later calls go on", () => {
  const t = setUp();
  const warnings = [];
  t.page.console.warn = (text) => warnings.push(text);
  t.analytics.load("K", "U");
  const cyclic = {};
  cyclic.self = cyclic;
  t.analytics.track("Cyclic", cyclic);
  t.analytics.track("Fine");
  assert.deepEqual(t.received.map((m) => m.event), ["Fine"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^\[clevertap-bridge\] dropped track "Cyclic": /);
});
