// The page's settings and their one owner: `Store` holds the current ones (settings.js says which
// there are and how they read and write) and alone touches location.hash, so a link reproduces a
// run (seed included). The form, the views and the URL follow it.

/**
 * The page's state and its one writer of the URL hash. `set(changes)` replaces the hash (no new
 * history entry); `set(changes, { run: true })` adds an entry and tells subscribers to run it, as a
 * link, Back or an edited URL does. Subscribers get (state, changed keys, { run }).
 */
export class Store {
  /**
   * `url`: { read() -> hash, write(hash, { push }), listen(fn) }; the browser's is `browserUrl()`.
   * `expand(state, keys)` completes a state read from a URL that named only `keys` (a lesson link).
   */
  constructor(settings, url, { expand = (state) => state } = {}) {
    this.settings = settings;
    this.url = url;
    this.expand = expand;
    this.subscribers = [];
    this.state = {};
    this.fromUrl(url.read());
    url.listen(() => {
      const hash = url.read();
      if (hash !== this.hash) this.notify(this.fromUrl(hash), { run: true });
    });
  }

  get() { return { ...this.state }; }

  /** The fields the URL named when the page read it last (opened, Back, an edited link). */
  urlKeys() { return new Set(this.keys); }

  set(changes, { run = false } = {}) {
    const before = this.state;
    this.state = { ...before, ...changes };
    this.write(run);
    const changed = Object.keys(changes).filter((k) => changes[k] !== before[k]);
    if (run || changed.length) this.notify(changed, { run });
  }

  /** `fn(state, changedKeys, { run })` after every change; answers a function that unsubscribes. */
  subscribe(fn) {
    this.subscribers.push(fn);
    return () => { this.subscribers = this.subscribers.filter((f) => f !== fn); };
  }

  write(push) {
    this.hash = this.settings.toHash(this.state);
    this.url.write(this.hash, { push });
  }

  fromUrl(hash) {
    const before = this.state;
    this.keys = this.settings.hashKeys(hash);
    const read = this.settings.fromHash(hash);
    this.state = this.expand(read, this.keys);
    this.hash = hash;
    if (this.state !== read) this.write(false);
    return Object.keys(this.state).filter((k) => this.state[k] !== before[k]);
  }

  notify(changed, how) {
    const state = this.get();
    for (const fn of this.subscribers) fn(state, new Set(changed), how);
  }
}

/** The browser's URL for a Store: a run is a new history entry, anything else replaces the current one. */
export function browserUrl() {
  return {
    read: () => location.hash,
    write(hash, { push }) {
      if (hash === location.hash) return;
      if (push) history.pushState(null, '', hash);
      else history.replaceState(null, '', hash);
    },
    listen(fn) { window.addEventListener('hashchange', fn); window.addEventListener('popstate', fn); },
  };
}
