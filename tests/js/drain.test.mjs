// The drain loop's gates (templates/js/drain.js): the login gate, flow control, a worker that dies, with a
// fake Python client and a fake CleverTap SDK. CONFIG is the golden demo config, as Python writes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { createQueue } from "../../templates/js/queue.js";
import { createDrain, SDK_WINDOW } from "../../templates/js/drain.js";
import { FakeStorage, fakePage, until } from "./fakes.mjs";
import { deadError } from "../../templates/js/worker-client.js";

const CONFIG = JSON.parse(readFileSync(new URL("../golden/Clevertap.min.js.json", import.meta.url), "utf8")).config;
const SDK = CONFIG.sdk;

function fakeSdk(page) {
  const pushed = [];
  const sdk = { [SDK.liveMethod]: () => {} };
  for (const name of SDK.queueNames) {
    sdk[name] = { push: (...args) => pushed.push([name, ...args]) };
  }
  let id = null;
  sdk[SDK.login.idMethod] = () => id;
  page[SDK.global] = sdk;
  return { pushed, setId: (value) => { id = value; } };
}

function fakeObserver(page) {
  const observers = [];
  page.PerformanceObserver = class {
    constructor(callback) {
      this.callback = callback;
      observers.push(this);
    }
    observe() {}
  };
  // The SDK's requests finish loading: Resource Timing entries with these URLs.
  return (urls) => observers.forEach((o) => o.callback({ getEntries: () => urls.map((name) => ({ name })) }));
}

// Python: each event entry becomes the calls `callsFor(message)` names.
function fakeClient(callsFor, seen = []) {
  return {
    mode: "worker",
    request(body) {
      const batch = JSON.parse(body);
      seen.push(batch.requests.map((r) => r.message.event));
      const answers = batch.requests.map((r) => ({ id: r.id, calls: callsFor(r.message), warnings: [] }));
      return Promise.resolve(JSON.stringify({ answers }));
    },
  };
}

function setUp({ client, restartPython } = {}) {
  const page = fakePage({ storage: new FakeStorage() });
  const sdk = fakeSdk(page);
  const answered = fakeObserver(page);
  const records = [];
  const warnings = [];
  let drainer = null;
  const queue = createQueue({
    global: page, tab: "T", storagePrefix: CONFIG.storagePrefix, maxStored: 1000000,
    warn: (t) => warnings.push(t), record: (r) => records.push(r), drain: () => drainer.drain(),
  });
  drainer = createDrain({
    global: page, config: CONFIG, queue, log: { warn: (t) => warnings.push(t), debug: () => {} },
    record: (r) => records.push(r), failed: (t) => warnings.push(t), whenLive: () => Promise.resolve(),
    restartPython: restartPython || (() => { throw new Error("no restart expected"); }),
  });
  queue.start();
  drainer.watchSdkRequests({ targetDomain: "ct.example.com" });
  let seq = 0;
  const enqueue = (event) => {
    seq++;
    const entry = { kind: "event", message: { type: "track", event }, id: "T." + seq };
    queue.add(entry, JSON.stringify(entry));
  };
  const start = () => {
    drainer.begin("{}", "{}", Promise.resolve(client));
    drainer.drain();
  };
  return { page, sdk, answered, records, warnings, queue, drainer, enqueue, start };
}

const asEvent = (message) => [["event", message.event, {}]];

test("after a push to the login queue nothing more is pushed until the SDK has its identity again", async () => {
  const client = fakeClient((m) => (m.event === "login" ? [[SDK.login.queue, { user: m.event }]] : asEvent(m)));
  const t = setUp({ client });
  ["before", "login", "after 1", "after 2"].forEach(t.enqueue);
  t.page[SDK.login.inProgressGlobal] = true;
  t.start();
  await until(() => t.sdk.pushed.length === 2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(t.sdk.pushed, [["event", "before", {}], [SDK.login.queue, { user: "login" }]]);
  // The login request is answered but the SDK has no id yet: still closed.
  t.page[SDK.login.inProgressGlobal] = false;
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(t.sdk.pushed.length, 2);
  t.sdk.setId("ct-1");
  await t.drainer.idle();
  assert.deepEqual(t.sdk.pushed.slice(2), [["event", "after 1", {}], ["event", "after 2", {}]]);
  assert.equal(t.queue.pending(), 0);
});

test("flow control: at most SDK_WINDOW unanswered requests are handed to the SDK", async () => {
  const client = fakeClient(asEvent);
  const t = setUp({ client });
  for (let i = 0; i < SDK_WINDOW + 5; i++) {
    t.enqueue("E" + i);
  }
  t.start();
  await until(() => t.sdk.pushed.length === SDK_WINDOW);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(t.sdk.pushed.length, SDK_WINDOW);
  // Requests to other hosts are not the SDK's answers.
  t.answered(["https://example.com/a?x=1", "https://eu1.example.org/b"]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(t.sdk.pushed.length, SDK_WINDOW);
  t.answered([1, 2, 3].map((n) => "https://eu1." + SDK.requests.host + "d=" + n));
  await until(() => t.sdk.pushed.length === SDK_WINDOW + 3);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(t.sdk.pushed.length, SDK_WINDOW + 3);
  // The proxy domain's requests count too.
  t.answered(["https://ct.example.com" + SDK.requests.path + "d=4", "https://ct.example.com" + SDK.requests.path + "d=5"]);
  await t.drainer.idle();
  assert.deepEqual(t.sdk.pushed.map((c) => c[1]), Array.from({ length: SDK_WINDOW + 5 }, (_, i) => "E" + i));
});

test("privacy calls without the opt-out make no request: flow control does not count them", async () => {
  const t = setUp({ client: fakeClient(asEvent) });
  const calls = [];
  for (let i = 0; i < SDK_WINDOW + 3; i++) {
    calls.push([SDK.privacy.queue, { useIP: true }]);
  }
  t.drainer.pushCalls(calls);
  t.enqueue("after privacy");
  t.start();
  await t.drainer.idle();
  assert.deepEqual(t.sdk.pushed.at(-1), ["event", "after privacy", {}]);
});

test("a call to a queue Python does not allow is not pushed", async () => {
  const t = setUp({ client: fakeClient(() => [[SDK.webPushQueue, {}], ["event", "ok", {}]]) });
  t.enqueue("x");
  t.start();
  await t.drainer.idle();
  assert.deepEqual(t.sdk.pushed, [["event", "ok", {}]]);
  assert.deepEqual(t.warnings, ['ignored a call to a queue that is not allowed: "' + SDK.webPushQueue + '"']);
});

test("a worker that dies mid-batch: Python starts again and every entry is applied once, in order", async () => {
  let dead = true;
  const seen = [];
  const dying = { request: () => Promise.reject(deadError("the worker did not answer within 10 s")) };
  let restarts = 0;
  const t = setUp({
    client: dying,
    restartPython: () => {
      restarts++;
      dead = false;
      return Promise.resolve(fakeClient(asEvent, seen));
    },
  });
  ["E1", "E2", "E3"].forEach(t.enqueue);
  t.start();
  await until(() => !dead && t.queue.pending() === 0);
  await t.drainer.idle();
  assert.equal(restarts, 1);
  assert.deepEqual(seen, [["E1"], ["E2", "E3"]]); // one at a time until one gets through, then batches again
  assert.deepEqual(t.sdk.pushed.map((c) => c[1]), ["E1", "E2", "E3"]);
  assert.deepEqual(t.records.filter((r) => r.kind === "restart"), [{ kind: "restart", text: "the worker did not answer within 10 s" }]);
});
