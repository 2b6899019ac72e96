// The durable queue and tab ownership (templates/js/queue.js) with fake storage and Web Locks.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createQueue } from "../../templates/js/queue.js";
import { FakeLockManager, FakeStorage, fakePage, until } from "./fakes.mjs";

const PREFIX = "clevertap_bridge_";

function makeQueue(page, tab, { maxStored = 1000000, drain = () => {} } = {}) {
  const log = { warnings: [], records: [] };
  const queue = createQueue({
    global: page, tab, storagePrefix: PREFIX, maxStored,
    warn: (text) => log.warnings.push(text), record: (item) => log.records.push(item), drain,
  });
  return { queue, log };
}

function add(queue, tab, n) {
  const entry = { kind: "event", message: { type: "track", event: "E" + n }, id: tab + "." + n };
  return queue.add(entry, JSON.stringify(entry));
}

function storedKeys(storage) {
  return [...storage.map.keys()].filter((k) => k.startsWith(PREFIX + "q.")).sort();
}

test("entries are stored one key each once the page holds its lock, and removed when settled", async () => {
  const storage = new FakeStorage();
  const locks = new FakeLockManager();
  const { queue } = makeQueue(fakePage({ storage, locks }), "A");
  queue.start();
  const items = [1, 2, 3].map((n) => add(queue, "A", n));
  await until(() => storedKeys(storage).length === 3);
  assert.deepEqual(storedKeys(storage), [PREFIX + "q.A.1", PREFIX + "q.A.2", PREFIX + "q.A.3"]);
  assert.equal(JSON.parse(storage.getItem(PREFIX + "q.A.2")).message.event, "E2");
  assert.equal(queue.pending(), 3);
  queue.settleItem(items[0]);
  queue.settleItem(items[0]); // twice: counted once
  assert.deepEqual(storedKeys(storage), [PREFIX + "q.A.2", PREFIX + "q.A.3"]);
  assert.equal(queue.pending(), 2);
  assert.equal(queue.storedBytes(), items[1].bytes + items[2].bytes);
});

test("the stored queue is bounded: the oldest entries leave storage first and stay in memory", async () => {
  const storage = new FakeStorage();
  const locks = new FakeLockManager();
  const page = fakePage({ storage, locks });
  const { queue, log } = makeQueue(page, "A", { maxStored: 400 });
  queue.start();
  const items = [1, 2, 3, 4].map((n) => add(queue, "A", n));
  const oneEntry = items[0].bytes;
  assert.ok(oneEntry * 2 <= 400 && oneEntry * 3 > 400, `entry of ${oneEntry} bytes`);
  await until(() => log.records.some((r) => r.kind === "unstored"));
  assert.deepEqual(storedKeys(storage), [PREFIX + "q.A.3", PREFIX + "q.A.4"]);
  assert.equal(queue.pending(), 4);
  assert.match(log.warnings[0], /^2 queued event\(s\) are kept in memory only/);
});

test("a page takes over a closed page's entries, in order, once its lock is free", async () => {
  const storage = new FakeStorage();
  const locks = new FakeLockManager();
  const pageA = fakePage({ storage, locks });
  const a = makeQueue(pageA, "A");
  a.queue.start();
  [1, 2, 3].forEach((n) => add(a.queue, "A", n));
  await until(() => storedKeys(storage).length === 3);

  let drains = 0;
  const pageB = fakePage({ storage, locks });
  const b = makeQueue(pageB, "B", { drain: () => { drains++; } });
  b.queue.start();
  // A is alive: B tries its lock a few times, then waits for it, and adopts nothing meanwhile.
  await b.queue.initialScan;
  assert.equal(b.queue.sources.length, 1);
  assert.equal(drains, 0);

  locks.close(pageA);
  await until(() => b.queue.sources.length === 2);
  const adopted = b.queue.sources[0];
  assert.equal(adopted.tab, "A");
  assert.deepEqual(adopted.items.map((item) => item.entry.message.event), ["E1", "E2", "E3"]);
  assert.equal(b.queue.pending(), 3);
  assert.equal(drains, 1);
  assert.deepEqual(b.log.records.filter((r) => r.kind === "adopted"), [{ kind: "adopted", tab: "A", count: 3 }]);

  // B holds A's lock until every adopted entry is settled; then the source goes.
  adopted.items.forEach((item) => b.queue.settleItem(item));
  b.queue.sourceDone(adopted);
  assert.equal(b.queue.sources.length, 1);
  assert.deepEqual(storedKeys(storage), []);
  await until(() => !locks.held.has(PREFIX + "tab.A"));
});

test("a malformed stored entry is discarded with a warning, the others adopted", async () => {
  const storage = new FakeStorage();
  const locks = new FakeLockManager();
  const good = { kind: "event", message: { type: "track", event: "ok" }, id: "gone.2" };
  storage.setItem(PREFIX + "q.gone.1", "{not json");
  storage.setItem(PREFIX + "q.gone.2", JSON.stringify(good));
  storage.setItem(PREFIX + "q.gone.3", JSON.stringify({ ...good, id: "other.9" }));
  const { queue, log } = makeQueue(fakePage({ storage, locks }), "B");
  queue.start();
  await queue.initialScan;
  assert.equal(queue.sources.length, 2);
  assert.deepEqual(queue.sources[0].items.map((item) => item.entry.message.event), ["ok"]);
  assert.deepEqual(log.warnings, [
    "discarded a malformed stored queue entry " + PREFIX + "q.gone.1",
    "discarded a malformed stored queue entry " + PREFIX + "q.gone.3",
  ]);
  assert.deepEqual(storedKeys(storage), [PREFIX + "q.gone.2"]);
});

test("without Web Locks a page adopts only the entries of tabs whose heartbeat stopped", async () => {
  const storage = new FakeStorage();
  const entry = (tab) => JSON.stringify({ kind: "event", message: { type: "track", event: tab }, id: tab + ".1" });
  storage.setItem(PREFIX + "q.alive.1", entry("alive"));
  storage.setItem(PREFIX + "hb.alive", String(Date.now()));
  storage.setItem(PREFIX + "q.dead.1", entry("dead"));
  storage.setItem(PREFIX + "hb.dead", String(Date.now() - 60000));
  const { queue } = makeQueue(fakePage({ storage }), "B");
  queue.start();
  await queue.initialScan;
  assert.deepEqual(queue.sources.map((s) => s.tab), ["dead", "B"]);
});
