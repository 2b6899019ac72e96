// The durable queue and the tab ownership: memory first, persisted per entry in localStorage.
//
// Layout: <prefix>q.<tab>.<seq> holds one entry (JSON), written and removed only by its owner; <tab> is
// a random id per page. A call costs one setItem, made in a batch on a microtask (not a rewrite of the
// whole queue), and applying an entry costs one removeItem.
//
// One owner per entry, across the tabs of a site: each page holds the Web Lock <prefix>tab.<tab> for as
// long as it lives, and takes over another tab's entries only while holding that tab's lock. The browser
// releases a lock when its page goes (closed, navigated away, crashed), so ownership passes without
// timers that guess whether a slow tab is dead (a leader elected over localStorage or BroadcastChannel
// needs heartbeats, and a tab frozen in the background looks dead to them). A tab that adopts entries and
// then closes mid-drain releases the lock again, and the next waiting tab (or the next page) takes the
// rest. Without Web Locks (older browsers) a page takes over the entries of tabs whose heartbeat stopped.
//
// Everything of the browser comes in through `global` (localStorage, navigator.locks, setTimeout,
// setInterval, addEventListener), so that Node tests can pass fakes.

import { hasOwn, isObject, probeStorage } from "./util.js";

var HEARTBEAT_MS = 5000;

export function Source(tab) {
  this.tab = tab;
  this.items = [];
  this.head = 0; // items before it are settled
  this.trimFrom = 0; // items before it are not in storage
  this.done = null; // an adopted source: called once every item is settled
}

Source.prototype.advance = function () {
  while (this.head < this.items.length && this.items[this.head].settled) {
    this.head++;
  }
  if (this.head > 1024 && this.head * 2 > this.items.length) {
    this.items = this.items.slice(this.head); // keeps the memory of a long-lived page bounded
    this.trimFrom = Math.max(0, this.trimFrom - this.head);
    this.head = 0;
  }
};

// options: {global, tab, storagePrefix, maxStored, warn, record(item), drain()}.
export function createQueue(options) {
  var global = options.global;
  var TAB = options.tab;
  var warn = options.warn;
  var record = options.record;
  var drain = options.drain;
  var KEY_PREFIX = options.storagePrefix + "q.";
  var LOCK_PREFIX = options.storagePrefix + "tab.";
  var HEARTBEAT_PREFIX = options.storagePrefix + "hb.";
  var MAX_STORED = Math.max(0, Number(options.maxStored) || 0);

  var storageChecked = false;
  var storageArea = null;
  var locks = null;
  var own = new Source(TAB);
  var sources = [own]; // adopted sources come first: their entries are older than this page's
  var pendingCount = 0;
  var storedBytes = 0;
  var unflushed = [];
  var flushQueued = false;
  var ownLockHeld = false;
  var watched = {};
  var unstored = 0;
  var unstoredTimer = null;
  var resolveScan;
  var initialScan = new Promise(function (resolve) { resolveScan = resolve; });

  function storage() {
    if (!storageChecked) {
      storageChecked = true;
      storageArea = probeStorage(global, "localStorage", options.storagePrefix);
      if (!storageArea) {
        warn("localStorage is unavailable: queued events do not survive a navigation");
      }
    }
    return storageArea;
  }

  function itemKey(tab, number) {
    return KEY_PREFIX + tab + "." + number;
  }

  function tabOfKey(key) {
    if (typeof key !== "string" || key.indexOf(KEY_PREFIX) !== 0) {
      return null;
    }
    var rest = key.slice(KEY_PREFIX.length);
    var dot = rest.lastIndexOf(".");
    return dot > 0 ? rest.slice(0, dot) : null;
  }

  function queueFlush() {
    if (!flushQueued) {
      flushQueued = true;
      Promise.resolve().then(function () { flush(false); });
    }
  }

  // Writes the entries made since the last flush, one key each, then trims storage to the bound.
  // Before this page holds its own lock (a few ms after start) only a leaving page writes.
  function flush(leaving) {
    flushQueued = false;
    var area = storage();
    if (!area || !unflushed.length || (!ownLockHeld && !leaving && locks)) {
      if (!area) {
        unflushed = [];
      }
      return;
    }
    var items = unflushed;
    unflushed = [];
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (item.settled || item.stored) {
        continue;
      }
      if (item.bytes > MAX_STORED) {
        countUnstored(1);
        continue;
      }
      try {
        area.setItem(item.key, item.text);
        item.stored = true;
        storedBytes += item.bytes;
      } catch (e) {
        countUnstored(1); // storage full: this one lives in memory
      }
    }
    trim();
    heartbeat();
  }

  // The oldest stored entries leave storage first (they stay in memory and are still sent).
  function trim() {
    for (var s = 0; s < sources.length && storedBytes > MAX_STORED; s++) {
      var source = sources[s];
      while (storedBytes > MAX_STORED && source.trimFrom < source.items.length) {
        var item = source.items[source.trimFrom++];
        if (item.stored) {
          unstore(item);
          countUnstored(1);
        }
      }
    }
  }

  function unstore(item) {
    if (item.stored) {
      item.stored = false;
      storedBytes -= item.bytes;
      try {
        storage().removeItem(item.key);
      } catch (e) { /* gone with the storage */ }
    }
  }

  // One warning per burst, saying how many.
  function countUnstored(count) {
    unstored += count;
    if (!unstoredTimer) {
      unstoredTimer = global.setTimeout(function () {
        unstoredTimer = null;
        var text = unstored + " queued event(s) are kept in memory only: the stored queue is bounded to " + MAX_STORED +
          " bytes (max_stored_bytes) and the oldest left storage first; they are still sent while this page is open";
        unstored = 0;
        warn(text);
        record({ kind: "unstored", text: text });
      }, 200);
    }
  }

  function heartbeat() {
    if (!locks && storage() && storedBytes > 0) {
      try {
        storage().setItem(HEARTBEAT_PREFIX + TAB, String(Date.now()));
      } catch (e) { /* full */ }
    }
  }

  function addItem(source, entry, text, stored) {
    var key = itemKey(source.tab, entry.id.slice(entry.id.lastIndexOf(".") + 1));
    var item = { entry: entry, key: key, text: text, bytes: 2 * (key.length + text.length), stored: stored, settled: false, tries: 0 };
    source.items.push(item);
    pendingCount++;
    if (stored) {
      storedBytes += item.bytes;
    }
    return item;
  }

  // A new entry of this page (entry.id is set, text is its JSON): kept in memory now, stored on a microtask.
  function add(entry, text) {
    var item = addItem(own, entry, text, false);
    unflushed.push(item);
    queueFlush();
    return item;
  }

  // Remove an entry for good (applied or dropped): in the same task as its calls are pushed to the SDK,
  // so a navigation cannot fall between the two.
  function settleItem(item) {
    if (item.settled) {
      return;
    }
    item.settled = true;
    pendingCount--;
    unstore(item);
  }

  function sourceDone(source) {
    source.advance();
    if (source !== own && source.head >= source.items.length) {
      var index = sources.indexOf(source);
      if (index >= 0) {
        sources.splice(index, 1);
      }
      if (source.done) {
        var done = source.done;
        source.done = null;
        done();
      }
    }
  }

  // Holding <tab>'s lock: its stored entries are ours now. Resolves once every one is settled.
  function adopt(tab) {
    var area = storage();
    if (!area || tab === TAB) {
      return Promise.resolve();
    }
    var found = [];
    try {
      for (var i = 0; i < area.length; i++) {
        var key = area.key(i);
        if (tabOfKey(key) === tab) {
          found.push({ key: key, seq: Number(key.slice(key.lastIndexOf(".") + 1)) });
        }
      }
    } catch (e) {
      return Promise.resolve();
    }
    found.sort(function (a, b) { return a.seq - b.seq; });
    var source = new Source(tab);
    for (var j = 0; j < found.length; j++) {
      var text = area.getItem(found[j].key);
      var entry = null;
      try {
        entry = JSON.parse(text);
      } catch (e) { /* below */ }
      if (!isObject(entry) || typeof entry.id !== "string" || itemKey(tab, entry.id.slice(entry.id.lastIndexOf(".") + 1)) !== found[j].key) {
        warn("discarded a malformed stored queue entry " + found[j].key);
        area.removeItem(found[j].key);
        continue;
      }
      addItem(source, entry, text, true);
    }
    try {
      area.removeItem(HEARTBEAT_PREFIX + tab);
    } catch (e) { /* full */ }
    if (!source.items.length) {
      return Promise.resolve();
    }
    record({ kind: "adopted", tab: tab, count: source.items.length });
    sources.splice(sources.length - 1, 0, source);
    trim();
    drain();
    return new Promise(function (resolve) { source.done = resolve; });
  }

  // Wait for <tab>'s lock (granted when that page is gone), then adopt its entries.
  function watch(tab) {
    if (!locks || tab === TAB || hasOwn(watched, tab)) {
      return;
    }
    watched[tab] = true;
    locks.request(LOCK_PREFIX + tab, function () { return adopt(tab); }).then(null, function () { /* aborted */ });
  }

  // At start: take over the entries of every page that is gone (a previous page of this tab, a closed
  // tab); keep watching the live ones. A page that has just navigated away may hold its lock a few
  // milliseconds more, so a lock that is busy is tried again shortly before we settle for waiting.
  function scan() {
    var area = storage();
    var tabs = {};
    try {
      for (var i = 0; area && i < area.length; i++) {
        var tab = tabOfKey(area.key(i));
        if (tab && tab !== TAB) {
          tabs[tab] = true;
        }
      }
    } catch (e) { /* no storage: nothing to adopt */ }
    var names = Object.keys(tabs);
    if (!locks) {
      var now = Date.now();
      for (var n = 0; n < names.length; n++) {
        var beat = Number(area.getItem(HEARTBEAT_PREFIX + names[n]) || 0);
        if (now - beat > 3 * HEARTBEAT_MS) {
          adopt(names[n]);
        }
      }
      resolveScan();
      return;
    }
    var attempts = names.map(function (tab) {
      watched[tab] = true;
      return new Promise(function (tried) {
        var left = 3;
        (function attempt() {
          locks.request(LOCK_PREFIX + tab, { ifAvailable: true }, function (lock) {
            if (!lock) {
              return null;
            }
            tried();
            return adopt(tab);
          }).then(function (result) {
            if (result === null) {
              if (--left > 0) {
                global.setTimeout(attempt, 150);
              } else {
                tried();
                delete watched[tab];
                watch(tab);
              }
            }
          }, tried);
        })();
      });
    });
    Promise.all(attempts).then(resolveScan, resolveScan);
  }

  function start() {
    var navigatorLocks = global.navigator && global.navigator.locks;
    locks = navigatorLocks && typeof navigatorLocks.request === "function" ? navigatorLocks : null;
    if (locks) {
      locks.request(LOCK_PREFIX + TAB, function () {
        ownLockHeld = true;
        queueFlush();
        return new Promise(function () {}); // held while this page lives
      }).then(null, function () { /* aborted */ });
      global.addEventListener("storage", function (event) {
        var tab = tabOfKey(event.key);
        if (tab) {
          watch(tab);
        }
      });
    } else {
      global.setInterval(heartbeat, HEARTBEAT_MS);
    }
    // A page that is leaving writes what it has, with or without its lock.
    global.addEventListener("pagehide", function () { flush(true); });
    scan();
  }

  return {
    own: own,
    sources: sources, // the same array for the queue's lifetime: adopted sources are spliced in
    initialScan: initialScan,
    start: start,
    add: add,
    settleItem: settleItem,
    sourceDone: sourceDone,
    flush: flush,
    adopt: adopt,
    watch: watch,
    pending: function () { return pendingCount; },
    storedBytes: function () { return storedBytes; }
  };
}
