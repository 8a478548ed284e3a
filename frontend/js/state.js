// Settings <-> URL hash. Every default lives here, once; a link reproduces a run (seed included).

// name: [type, default]. Names match the form controls' ids and, where they exist, the API's fields.
export const FIELDS = {
  mode: ['str', 'sgd'],          // manual | sgd | minibatch | design | linear (the seed's five)
  optimizer: ['str', 'sgd'],
  momentum: ['num', 0.9],        // momentum, nesterov, rmsprop
  beta1: ['num', 0.9],           // adam
  beta2: ['num', 0.999],         // adam
  alpha: ['num', 0.99],          // rmsprop smoothing
  loss: ['str', 'mse'],
  huber_delta: ['num', 1],
  lr: ['num', 0.1],
  epochs: ['num', 100],
  batch_size: ['num', 5],        // mini-batch modes only
  shuffle: ['bool', true],
  seed: ['num', 2021],
  init_w: ['num?', null],        // null: the seeded random start
  init_b: ['num?', null],
  granularity: ['str', 'epoch'],
  standardize: ['bool', false],
  data: ['str', 'synthetic'],    // synthetic | builtin | upload
  x_start: ['num', -3],
  x_stop: ['num', 3],
  x_step: ['num', 0.3],
  n: ['num?', null],             // when set: linspace(x_start, x_stop, n)
  true_w: ['num', 2],
  true_b: ['num', -1],
  noise: ['num', 1],
  builtin: ['str', 'anscombe1'],
  upload: ['str', ''],           // id from POST /api/datasets
  col_x: ['str', ''],
  col_y: ['str', ''],
  // view settings
  speed: ['str', '1'],           // 0.25 … 8, or "live"
  log: ['bool', false],
  resid: ['bool', false],
  lsq: ['bool', true],
  arrows: ['bool', false],
  cmp: ['str', ''],              // comparison: runs separated by ",", each "key:value[;key:value]"
  sel: ['num', 0],               // the compared run shown in the fit view
  // classroom
  projector: ['bool', false],    // projector mode: big type, thick lines
  dark: ['bool', false],         // dark theme
  lesson: ['num', 0],            // lesson step shown (1-based); 0: no lesson
  lang: ['str', 'en'],           // lesson captions: en | ko
};

const ALWAYS_IN_URL = new Set(['seed']);

export function defaults() {
  return Object.fromEntries(Object.entries(FIELDS).map(([k, [, d]]) => [k, d]));
}

/** Parse a raw string to a field's type; undefined when it does not parse. */
export function coerce(name, raw) {
  const [type] = FIELDS[name];
  if (type === 'bool') return raw === true || raw === '1' || raw === 'true';
  if (type === 'str') return String(raw);
  if (type === 'num?' && (raw === '' || raw === null)) return null;
  const v = typeof raw === 'number' ? raw : Number(String(raw).trim());
  return String(raw).trim() === '' || !Number.isFinite(v) ? undefined : v;
}

export function fromHash(hash) {
  const state = defaults();
  for (const [k, raw] of new URLSearchParams(hash.replace(/^#/, ''))) {
    if (!(k in FIELDS)) continue;
    const v = coerce(k, raw);
    if (v !== undefined) state[k] = v;
  }
  return state;
}

/** The fields a hash names, whether or not they parse. */
export const hashKeys = (hash) => new Set([...new URLSearchParams(hash.replace(/^#/, '')).keys()].filter((k) => k in FIELDS));

export function toHash(state) {
  const params = new URLSearchParams();
  const d = defaults();
  for (const k of Object.keys(FIELDS)) {
    const v = state[k];
    if (v === d[k] && !ALWAYS_IN_URL.has(k)) continue;
    if (typeof v === 'boolean') params.set(k, v ? '1' : '0');
    else params.set(k, v === null ? '' : String(v));
  }
  return '#' + params.toString().replaceAll('%3A', ':').replaceAll('%2C', ',').replaceAll('%3B', ';');
}

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
  constructor(url, { expand = (state) => state } = {}) {
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
    this.hash = toHash(this.state);
    this.url.write(this.hash, { push });
  }

  fromUrl(hash) {
    const before = this.state;
    this.keys = hashKeys(hash);
    this.state = this.expand(fromHash(hash), this.keys);
    this.hash = hash;
    if (toHash(this.state) !== toHash(fromHash(hash))) this.write(false);
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

/** The comparison's runs as lists of overrides: "mode:sgd,mode:linear" -> [{mode:'sgd'}, {mode:'linear'}]. */
export function comparedRuns(state) {
  if (!state.cmp) return [];
  return state.cmp.split(',').filter(Boolean).slice(0, 4).map((run) => {
    const over = {};
    for (const pair of run.split(';')) {
      const [k, raw] = pair.split(':');
      if (k in FIELDS) over[k] = coerce(k, raw) ?? raw;
    }
    return over;
  });
}

export const PRESETS = {
  methods: 'mode:manual;optimizer:sgd,mode:sgd,mode:minibatch,mode:linear',
  optimizers: 'optimizer:sgd,optimizer:momentum,optimizer:adam,optimizer:rmsprop',
};

/** A short legend label for a compared run. */
export function runLabel(over) {
  const vals = Object.entries(over).filter(([k]) => !(k === 'optimizer' && 'mode' in over));
  return vals.map(([k, v]) => (k === 'mode' || k === 'optimizer' ? v : `${k}=${v}`)).join(' ') || 'run';
}

/** The API job config (docs/api.md) for a state. Unparseable numbers go as typed: the server's 422 names them. */
export function jobConfig(state) {
  const minibatch = ['minibatch', 'design', 'linear'].includes(state.mode);
  const cfg = {
    mode: state.mode, optimizer: state.optimizer, loss: state.loss, lr: state.lr,
    epochs: state.epochs, seed: state.seed, granularity: state.granularity,
    standardize: state.standardize,
  };
  if (['momentum', 'nesterov', 'rmsprop'].includes(state.optimizer)) cfg.momentum = state.momentum;
  if (state.optimizer === 'adam') Object.assign(cfg, { beta1: state.beta1, beta2: state.beta2 });
  if (state.optimizer === 'rmsprop') cfg.alpha = state.alpha;
  if (state.loss === 'huber') cfg.huber_delta = state.huber_delta;
  if (minibatch) Object.assign(cfg, { batch_size: state.batch_size, shuffle: state.shuffle });
  if (state.init_w !== null || state.init_b !== null) cfg.init = { w: state.init_w, b: state.init_b };
  if (state.data === 'builtin') cfg.dataset = { kind: 'builtin', name: state.builtin };
  else if (state.data === 'upload') cfg.dataset = { kind: 'upload', id: state.upload, x: state.col_x, y: state.col_y };
  else {
    cfg.dataset = { kind: 'synthetic', x_start: state.x_start, x_stop: state.x_stop, x_step: state.x_step,
      n: state.n, true_w: state.true_w, true_b: state.true_b, noise: state.noise };
  }
  return cfg;
}
