// Fakes of what the browser modules reach through `global`: localStorage, Web Locks, timers, events.

export class FakeStorage {
  constructor() {
    this.map = new Map();
  }
  get length() {
    return this.map.size;
  }
  key(i) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  setItem(key, value) {
    this.map.set(key, String(value));
  }
  removeItem(key) {
    this.map.delete(key);
  }
}

// Exclusive Web Locks shared by the "pages" of one site; a page's locks go when the page goes.
export class FakeLockManager {
  constructor() {
    this.held = new Map(); // name -> page
    this.waiting = []; // {name, page, callback, resolve, reject}
  }
  forPage(page) {
    const manager = this;
    return {
      request(name, options, callback) {
        if (typeof options === "function") {
          callback = options;
          options = {};
        }
        return new Promise((resolve, reject) => {
          if (manager.held.has(name)) {
            if (options.ifAvailable) {
              Promise.resolve(callback(null)).then(resolve, reject);
            } else {
              manager.waiting.push({ name, page, callback, resolve, reject });
            }
            return;
          }
          manager.grant(name, page, callback, resolve, reject);
        });
      },
    };
  }
  grant(name, page, callback, resolve, reject) {
    this.held.set(name, page);
    Promise.resolve(callback({ name })).then(
      (value) => { this.release(name, page); resolve(value); },
      (error) => { this.release(name, page); reject(error); },
    );
  }
  release(name, page) {
    if (this.held.get(name) !== page) {
      return;
    }
    this.held.delete(name);
    const next = this.waiting.findIndex((w) => w.name === name);
    if (next >= 0) {
      const [w] = this.waiting.splice(next, 1);
      this.grant(w.name, w.page, w.callback, w.resolve, w.reject);
    }
  }
  // The page is closed: the browser releases its locks and drops its requests.
  close(page) {
    this.waiting = this.waiting.filter((w) => w.page !== page);
    for (const [name, owner] of [...this.held]) {
      if (owner === page) {
        this.release(name, page);
      }
    }
  }
}

// A page's global object, with the site's shared storage and locks.
export function fakePage({ storage, locks, extra = {} } = {}) {
  const listeners = {};
  const page = {
    localStorage: storage,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id),
    setInterval: () => 0,
    addEventListener: (type, fn) => { (listeners[type] = listeners[type] || []).push(fn); },
    dispatch: (type, event) => { (listeners[type] || []).forEach((fn) => fn(event)); },
    console: { warn() {}, error() {}, debug() {}, log() {} },
    ...extra,
  };
  page.navigator = { ...(extra.navigator || {}), locks: locks ? locks.forPage(page) : undefined };
  return page;
}

export function until(check, timeoutMs = 3000) {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    (function poll() {
      if (check()) {
        resolve();
      } else if (Date.now() - start > timeoutMs) {
        reject(new Error("timed out waiting"));
      } else {
        setTimeout(poll, 5);
      }
    })();
  });
}
