// The page's settings. A job's fields, defaults, bounds, choices, and where the form shows them (each
// field's `form` metadata) come from the API's schema (GET /api/schema); the page's own view settings
// are defined here. `Settings` reads and writes them: the URL hash, the job config sent to the API,
// and when a field matters at all. store.js holds the current ones.

import { decodePoints, encodePoints } from './points.js';

// The page's own settings: name -> [type, default].
export const VIEW_FIELDS = {
  speed: ['str', '1'],           // 0.25 … 8, or "live"
  log: ['bool', false],
  resid: ['bool', false],
  lsq: ['bool', true],
  arrows: ['bool', false],
  cmp: ['str', ''],              // comparison: runs separated by ",", each "key:value[;key:value]"
  sel: ['num', 0],               // the compared run shown in the fit view
  code: ['bool', false],         // the code panel is open
  projector: ['bool', false],    // projector mode: big type, thick lines
  dark: ['bool', false],         // dark theme
  lesson: ['num', 0],            // lesson step shown (1-based); 0: no lesson
  lang: ['str', 'en'],           // the page's language (i18n.js): en | ko
  pts: ['str', ''],              // data kind "points": see points.js
  scheduler: ['str', ''],        // "StepLR;step_size:10;gamma:0.5" (schedulerConfig); '' none
  lock: ['str', ''],             // a teacher's link: controls shown but locked ("mode,optimizer")
  hide: ['str', ''],             // ... and controls not shown at all (form/locks.js)
  axes: ['str', ''],             // a polynomial's slice in the contour and 3D views: "b9,b0"; '' the API's default
};

export const MINIBATCH_MODES = ['minibatch', 'design', 'linear']; // what the explain panel says of a mode
// Measured data (a built-in set, an upload) trains as z-scores unless told otherwise: in raw units
// its curvature asks for an lr far below the page's 0.1 (cars: 2/λ_max ≈ 0.004). docs/page.md.
export const REAL_DATA = ['builtin', 'upload'];
const ALWAYS_IN_URL = new Set(['seed']);
// Fields whose default follows other fields (defaultFor): a hash without them takes that default.
const FOLLOWING = ['standardize', 'loss', 'labels'];
// The page's names for a data set's fields, where they differ from the API's.
const DATASET_NAMES = { builtin: { name: 'builtin' }, upload: { id: 'upload', x: 'col_x', y: 'col_y' }, points: { x: 'pts', y: 'pts' } };

/** The page's scheduler field -> the API's {name, ...arguments}; null for ''. Numbers and booleans parsed. */
export function schedulerConfig(field) {
  if (!field) return null;
  const [name, ...args] = field.split(';');
  const cfg = { name };
  for (const pair of args) {
    const [k, raw = ''] = pair.split(':');
    if (!k) continue;
    const v = raw.trim();
    cfg[k] = v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return cfg;
}

/** A list field's numbers ("16, 16" -> [16, 16]); what is not a number goes as typed (the server's
 *  422 names it). */
export function listOf(text) {
  return String(text ?? '').split(',').map((v) => v.trim()).filter(Boolean).map((v) => (Number.isFinite(Number(v)) ? Number(v) : v));
}

/** The API's scheduler -> the page's field. */
export function schedulerField(cfg) {
  if (!cfg) return '';
  const { name, ...args } = cfg;
  return [name, ...Object.entries(args).map(([k, v]) => `${k}:${v}`)].join(';');
}

/** A page field from a JSON-schema property: {type, default, options?, min?, max?, minExclusive?,
 *  maxExclusive?, integer?, description?, form?} (`form`: where the settings form shows it, form/layout.js). */
function fieldFrom(prop, { nullable = false, form = prop.form } = {}) {
  const own = prop.anyOf?.find((t) => t.type !== 'null') ?? prop;
  const optional = nullable || Boolean(prop.anyOf?.some((t) => t.type === 'null'));
  const numeric = own.type === 'number' || own.type === 'integer';
  const field = {
    type: own.type === 'boolean' ? 'bool' : !numeric ? 'str' : optional ? 'num?' : 'num',
    default: prop.default ?? (numeric && optional ? null : own.type === 'string' ? '' : undefined),
  };
  if (own.type === 'integer') field.integer = true;
  if (own.enum) field.options = own.enum;
  if ('minimum' in own) field.min = own.minimum;
  if ('exclusiveMinimum' in own) Object.assign(field, { min: own.exclusiveMinimum, minExclusive: true });
  if ('maximum' in own) field.max = own.maximum;
  if ('exclusiveMaximum' in own) Object.assign(field, { max: own.exclusiveMaximum, maxExclusive: true });
  if (prop.description) field.description = prop.description;
  if (form) field.form = form;
  return field;
}

const SCALARS = ['string', 'number', 'integer', 'boolean'];
/** A property the form and the URL can hold as one value (a nested choice, like a scheduler, is not). */
const isScalar = (prop) => SCALARS.includes((prop.anyOf?.find((t) => t.type !== 'null') ?? prop).type);

/** The page's job fields from JobConfig's JSON schema: init flattened to init_w/init_b (in init's
 *  place in the form), the data set to `data` (its kind) and each kind's fields (`dataKind`: shown and
 *  sent with it), the model to `model` (its kind) and each kind's fields (`modelKind`); `datasets`:
 *  kind -> {API name: page name}; `models`: kind -> its fields. */
export function jobFields(job) {
  const defs = job.$defs ?? {};
  const ref = (r) => defs[r.split('/').at(-1)];
  const fields = {};
  const datasets = {};
  const models = {};
  for (const [name, prop] of Object.entries(job.properties)) {
    if (name === 'init') {
      const point = ref(prop.anyOf.find((t) => t.$ref).$ref);
      for (const [k, p] of Object.entries(point.properties)) fields[`init_${k}`] = fieldFrom(p, { nullable: true, form: prop.form });
    } else if (name === 'dataset') {
      // the kinds the form and the URL can hold (not a list of points, say)
      // (the lab's points are one field of their own, `pts`: see points.js)
      const kinds = prop.oneOf.map((t) => ref(t.$ref))
        .filter((d) => d.properties.kind.const === 'points' || Object.values(d.properties).every(isScalar));
      const kindOf = (d) => d.properties.kind.const;
      fields.data = { type: 'str', options: kinds.map(kindOf), default: kindOf(kinds.find((d) => 'default' in d.properties.kind)), form: prop.form };
      for (const d of kinds) {
        const names = datasets[kindOf(d)] = {};
        for (const [k, p] of Object.entries(d.properties)) {
          if (k === 'kind') continue;
          names[k] = DATASET_NAMES[kindOf(d)]?.[k] ?? k;
          fields[names[k]] = { ...fieldFrom(p), dataKind: kindOf(d) };
        }
      }
    } else if (name === 'model') {
      // the model's kind, and each kind's fields (a polynomial's degree) as fields of their own
      const kinds = prop.oneOf.map((t) => ref(t.$ref));
      const kindOf = (d) => d.properties.kind.const;
      fields.model = { type: 'str', options: kinds.map(kindOf), default: kindOf(kinds.find((d) => 'default' in d.properties.kind)), form: prop.form };
      for (const d of kinds) {
        models[kindOf(d)] = Object.keys(d.properties).filter((k) => k !== 'kind');
        for (const k of models[kindOf(d)]) {
          const prop = d.properties[k];
          // a list of numbers (a network's hidden units) is one text field, "16,16"
          fields[k] = prop.type === 'array'
            ? { type: 'str', default: prop.default.join(','), list: true, description: prop.description, form: prop.form, modelKind: kindOf(d) }
            : { ...fieldFrom(prop), modelKind: kindOf(d) };
        }
      }
    } else if (isScalar(prop)) fields[name] = fieldFrom(prop);
  }
  return { fields, datasets, models };
}

/** Every setting of the page: the job's (from the API's schema) and the view's. */
export class Settings {
  /** `schema`: GET /api/schema's answer {job, optimizer_knobs, mode_optimizers}. */
  constructor(schema) {
    Object.assign(this, jobFields(schema.job));
    this.jobKeys = Object.keys(schema.job.properties).filter((k) => k in this.fields);
    for (const [k, [type, d]] of Object.entries(VIEW_FIELDS)) this.fields[k] = { type, default: d };
    this.optimizerKnobs = schema.optimizer_knobs;
    this.modeOptimizers = schema.mode_optimizers;
    this.modelLosses = schema.model_losses ?? {};
    this.allKnobs = new Set(Object.values(schema.optimizer_knobs).flat());
  }

  has(name) { return name in this.fields; }

  defaults() {
    return Object.fromEntries(Object.entries(this.fields).map(([k, f]) => [k, f.default]));
  }

  /** Field `name`'s default in `state`: standardize is on for real data (REAL_DATA); the loss is the
   *  model's own (its first in `model_losses`: bce for logistic regression), whose synthetic data come
   *  labelled 0/1. */
  defaultFor(name, state) {
    if (name === 'standardize') return REAL_DATA.includes(state.data);
    if (name === 'loss') return this.losses(state.model)[0] ?? this.fields.loss.default;
    if (name === 'labels') return state.model === 'logistic';
    return this.fields[name].default;
  }

  /** The losses model `kind` takes, its default first. */
  losses(kind) { return this.modelLosses[kind ?? this.fields.model?.default] ?? this.fields.loss.options; }

  /** The knobs (config fields) `optimizer` reads. */
  knobs(optimizer) { return this.optimizerKnobs[optimizer] ?? []; }

  /** Whether field `name` matters for a state: a knob of another optimizer does not. */
  isKnobOf(name, optimizer) { return !this.allKnobs.has(name) || this.knobs(optimizer).includes(name); }

  /** Whether field `name` matters in `state`, so the form shows it and a job sends it: an optimizer's
   *  knob with that optimizer, a data set's field with its kind, and as its `form.shown_when` says. */
  applies(name, state) {
    const field = this.fields[name];
    if (!this.isKnobOf(name, state.optimizer) || (field.dataKind && field.dataKind !== state.data)) return false;
    if (field.modelKind && field.modelKind !== state.model) return false;
    if ((name === 'init_w' || name === 'init_b') && state.model === 'mlp') return false; // a network starts from its seed
    return Object.entries(field.form?.shown_when ?? {}).every(([k, values]) => values.includes(state[k]));
  }

  /** The optimizers `mode` allows. */
  optimizers(mode) { return this.modeOptimizers[mode] ?? this.fields.optimizer.options; }

  /** Parse a raw string to a field's type; undefined when it does not parse. */
  coerce(name, raw) {
    const { type } = this.fields[name];
    if (type === 'bool') return raw === true || raw === '1' || raw === 'true';
    if (type === 'str') return String(raw);
    if (type === 'num?' && (raw === '' || raw === null)) return null;
    const v = typeof raw === 'number' ? raw : Number(String(raw).trim());
    return String(raw).trim() === '' || !Number.isFinite(v) ? undefined : v;
  }

  fromHash(hash) {
    const state = this.defaults();
    for (const [k, raw] of new URLSearchParams(hash.replace(/^#/, ''))) {
      if (!this.has(k)) continue;
      const v = this.coerce(k, raw);
      if (v !== undefined) state[k] = v;
    }
    const given = new URLSearchParams(hash.replace(/^#/, ''));
    for (const k of FOLLOWING) if (this.has(k) && !given.has(k)) state[k] = this.defaultFor(k, state);
    return state;
  }

  /** The fields a hash names, whether or not they parse. */
  hashKeys(hash) {
    return new Set([...new URLSearchParams(hash.replace(/^#/, '')).keys()].filter((k) => this.has(k)));
  }

  /** Whether field `k` describes a data set other than `state`'s (a built-in's name on synthetic data). */
  otherData(k, state) {
    const kind = k === 'pts' ? 'points' : this.fields[k].dataKind;
    return Boolean(kind) && kind !== state.data;
  }

  /** The hash of `state`: what differs from the defaults (the seed always), and only the data set's
   *  own fields (no `builtin=` on a link to synthetic data). */
  toHash(state) {
    const params = new URLSearchParams();
    for (const k of Object.keys(this.fields)) {
      const v = state[k];
      if ((v === this.defaultFor(k, state) && !ALWAYS_IN_URL.has(k)) || this.otherData(k, state)) continue;
      if (typeof v === 'boolean') params.set(k, v ? '1' : '0');
      else params.set(k, v === null || v === undefined ? '' : String(v));
    }
    return '#' + params.toString().replaceAll('%3A', ':').replaceAll('%2C', ',').replaceAll('%3B', ';');
  }

  /** The comparison's runs as lists of overrides: "mode:sgd,mode:linear" -> [{mode:'sgd'}, {mode:'linear'}]. */
  comparedRuns(state) {
    if (!state.cmp) return [];
    return state.cmp.split(',').filter(Boolean).slice(0, 4).map((run) => {
      const over = {};
      for (const pair of run.split(';')) {
        const [k, raw] = pair.split(':');
        if (this.has(k)) over[k] = this.coerce(k, raw) ?? raw;
      }
      return over;
    });
  }

  /** The API job config (docs/api.md) for a state. Unparseable numbers go as typed: the server's 422 names them. */
  jobConfig(state) {
    const cfg = {};
    for (const k of this.jobKeys) if (k in state && this.applies(k, state)) cfg[k] = state[k];
    if (state.init_w !== null || state.init_b !== null) cfg.init = { w: state.init_w, b: state.init_b };
    const sched = schedulerConfig(state.scheduler); // the lab's field, not the schema's (a nested choice)
    if (sched && state.mode !== 'manual') cfg.scheduler = sched;
    if (this.models && 'model' in cfg) {
      const model = { kind: cfg.model };
      for (const k of this.models[cfg.model] ?? []) model[k] = this.fields[k]?.list ? listOf(state[k]) : state[k];
      cfg.model = model;
    }
    const kind = state.data in this.datasets ? state.data : this.fields.data.default;
    cfg.dataset = { kind };
    if (kind === 'points') return { ...cfg, dataset: { kind, ...decodePoints(state.pts) } };
    for (const [api, page] of Object.entries(this.datasets[kind])) cfg.dataset[api] = state[page];
    return cfg;
  }

  /** The page's settings for a job's config: jobConfig's inverse, for a page that follows a run. */
  fromConfig(config) {
    const state = {};
    const put = (k, v) => { if (this.has(k) && v !== undefined) state[k] = v; };
    for (const [k, v] of Object.entries(config)) if (typeof v !== 'object' || v === null) put(k, v);
    put('init_w', config.init?.w ?? null);
    put('init_b', config.init?.b ?? null);
    if ('scheduler' in config) put('scheduler', schedulerField(config.scheduler));
    const { kind: model = this.fields.model?.default, ...spec } = config.model ?? {};
    put('model', model);
    for (const k of this.models?.[model] ?? []) put(k, spec[k] ?? this.fields[k].default);
    const { kind, ...ds } = config.dataset ?? {};
    put('data', kind);
    if (kind === 'points') { put('pts', encodePoints(ds)); return state; }
    for (const [api, page] of Object.entries(this.datasets[kind] ?? {})) put(page, ds[api] ?? this.fields[page].default);
    return state;
  }
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
