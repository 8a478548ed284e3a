// The settings form: laid out here, its choices, bounds and knobs from the settings (the API's
// schema); filled from a state, read back into one, and the place where the server's 4xx messages
// appear, next to the field that `detail[].loc` names.
import { MINIBATCH_MODES, REAL_DATA } from './state.js';
import { t, tr, has, currentLang } from './i18n.js';

// The schema's choices that have a label (in the catalogue: choice.<field>.<value>), in this order;
// a choice without one shows its value.
const CHOICES = {
  mode: ['manual', 'sgd', 'minibatch', 'design', 'linear'],
  loss: ['mse', 'sse', 'rmse', 'euclidean', 'mae', 'huber', 'bce'],
  granularity: ['epoch', 'step'],
  data: ['synthetic', 'builtin', 'points', 'upload'],
};
const MINIBATCH = (s) => MINIBATCH_MODES.includes(s.mode);
const DATA = (kind) => (s) => s.data === kind;

// [id, label key, kind, options, visible(state)]; a string entry starts a group (its legend's key). An optimizer's knobs
// show when the optimizer takes them (the settings know which).
const FORM = [
  'group.method',
  ['mode', 'field.mode', 'select'],
  ['optimizer', 'field.optimizer', 'select'],
  ['momentum', 'field.momentum', 'number'],
  ['beta1', 'field.beta1', 'number'],
  ['beta2', 'field.beta2', 'number'],
  ['alpha', 'field.alpha', 'number'],
  ['loss', 'field.loss', 'select'],
  ['huber_delta', 'field.huber_delta', 'number', null, (s) => s.loss === 'huber'],
  'group.training',
  ['lr', 'field.lr', 'lr'],
  ['epochs', 'field.epochs', 'number'],
  ['batch_size', 'field.batch_size', 'number', null, MINIBATCH],
  ['shuffle', 'field.shuffle', 'checkbox', null, MINIBATCH],
  ['granularity', 'field.granularity', 'select'],
  ['seed', 'field.seed', 'number'],
  ['init_w', 'field.init_w', 'number', { placeholder: 'field.random' }],
  ['init_b', 'field.init_b', 'number', { placeholder: 'field.random' }],
  'group.data',
  ['data', 'field.data', 'select'],
  ['true_w', 'field.true_w', 'number', null, DATA('synthetic')],
  ['true_b', 'field.true_b', 'number', null, DATA('synthetic')],
  ['noise', 'field.noise', 'number', null, DATA('synthetic')],
  ['x_start', 'field.x_start', 'number', null, DATA('synthetic')],
  ['x_stop', 'field.x_stop', 'number', null, DATA('synthetic')],
  ['x_step', 'field.x_step', 'number', null, DATA('synthetic')],
  ['n', 'field.n', 'number', { placeholder: 'field.useStep' }, DATA('synthetic')],
  ['builtin', 'field.builtin', 'select', null, DATA('builtin')],
  ['upload', 'field.upload', 'file', null, DATA('upload')],
  ['col_x', 'field.col_x', 'select', null, DATA('upload')],
  ['col_y', 'field.col_y', 'select', null, DATA('upload')],
  ['standardize', 'field.standardize', 'checkbox'],
];

// What the form says when it refuses a field (checkInput) or a combination (refusals).
export const SAY = {
  comma: (fixed) => t('say.comma', { fixed }),
  empty: (bounds) => (bounds ? t('say.emptyBounds', { bounds }) : t('say.empty')),
  notNumber: (raw, example) => t('say.notNumber', { raw, example }),
  whole: (example) => t('say.whole', { example }),
  bounds: (bounds) => t('say.bounds', { bounds }),
  get bothOrNeither() { return t('say.bothOrNeither'); },
  get chooseCsv() { return t('say.chooseCsv'); },
};

/** Why the text `raw` of field `field` (a Settings field) makes no value; null when it does. */
export function checkInput(field, raw) {
  const text = String(raw).trim();
  const bounds = boundsText(field);
  if (text === '') return field.type === 'num?' ? null : SAY.empty(bounds);
  const v = Number(text);
  if (!Number.isFinite(v)) {
    const fixed = text.replace(',', '.');
    if (text.includes(',') && Number.isFinite(Number(fixed))) return SAY.comma(fixed);
    return SAY.notNumber(text, field.default ?? 1);
  }
  if (field.integer && !Number.isInteger(v)) return SAY.whole(field.default ?? 1);
  const low = field.min !== undefined && (field.minExclusive ? v <= field.min : v < field.min);
  const high = field.max !== undefined && (field.maxExclusive ? v >= field.max : v > field.max);
  return low || high ? SAY.bounds(bounds) : null;
}

/** A field's bounds in words, as the schema gives them: "> 0, ≤ 100". */
export function boundsText({ min, max, minExclusive, maxExclusive }) {
  const parts = [];
  if (min !== undefined) parts.push(`${minExclusive ? '>' : '≥'} ${min}`);
  if (max !== undefined) parts.push(`${maxExclusive ? '<' : '≤'} ${max}`);
  return parts.join(', ');
}

// in CHOICES' order where it has one (the schema's otherwise)
const rank = (id, v) => { const i = (CHOICES[id] ?? []).indexOf(v); return i < 0 ? Infinity : i; };
const choices = (id, values = []) => [...values].sort((a, b) => rank(id, a) - rank(id, b))
  .map((v) => [v, v, CHOICES[id]?.includes(v) ? `choice.${id}.${v}` : null]);

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function options(select, opts) {
  select.replaceChildren(...opts.map((o) => {
    const [value, label, key] = Array.isArray(o) ? o : [o, o];
    const option = el('option', { value, textContent: label }); // textContent: labels may be user data
    return key ? tr(option, key) : option;
  }));
}

export class Controls {
  /** `settings`: the page's Settings; `onUpload(file)` uploads and resolves to the answer. */
  constructor(form, settings, { onUpload, onChange }) {
    this.form = form;
    this.settings = settings;
    this.rows = {};
    this.hinted = []; // [id, input] with a hint (title) to say again in another language
    this.onUpload = onUpload;
    let group = null;
    for (const item of FORM) {
      if (typeof item === 'string') {
        group = el('fieldset', {}, tr(el('legend'), item));
        form.append(group);
        continue;
      }
      const [id, label, kind, opts, shown] = item;
      const visible = shown ?? (settings.allKnobs.has(id) ? (s) => settings.isKnobOf(id, s.optimizer) : null);
      const row = this.row(id, label, kind, opts);
      row.dataset.field = id;
      this.rows[id] = { row, visible };
      group.append(row);
    }
    form.addEventListener('input', (ev) => this.changed(ev));
    form.addEventListener('change', (ev) => this.changed(ev));
    this.onChange = onChange;
  }

  row(id, label, kind, opts) {
    const err = el('div', { id: `err-${id}`, className: 'err', role: 'alert', hidden: true });
    if (kind === 'checkbox') {
      const note = id === 'standardize' ? [tr(el('p', { id: 'standardize-note', className: 'note', hidden: true }), 'field.standardizedNote')] : [];
      return el('div', { className: 'row check' }, el('label', {}, el('input', { type: 'checkbox', id }), ' ', tr(el('span'), label)), ...note, err);
    }
    let input;
    const field = this.settings.fields[id];
    if (kind === 'select') {
      input = el('select', { id });
      options(input, choices(id, field.options));
    } else if (kind === 'lr') {
      const max = Math.log10(field.max);
      const slider = el('input', { type: 'range', id: 'lr-slider', min: -4, max, step: 0.01 });
      tr(slider, null, { 'aria-label': 'field.lrSlider' });
      const exact = el('input', { type: 'text', id: 'lr', inputMode: 'decimal', size: 7 });
      slider.addEventListener('input', () => { exact.value = String(Number((10 ** Number(slider.value)).toPrecision(2))); });
      exact.addEventListener('input', () => { const v = Number(exact.value); if (v > 0) slider.value = String(Math.log10(v)); });
      input = el('span', { className: 'lr' }, slider, exact);
    } else if (kind === 'file') {
      input = el('span', { className: 'file' },
        el('input', { type: 'file', id: 'upload-file', accept: '.csv,text/csv' }),
        el('span', { id: 'upload-name', className: 'note' }));
      input.firstChild.addEventListener('change', (ev) => this.upload(ev.target.files[0]));
    } else {
      input = el('input', { type: 'text', id, inputMode: 'decimal', size: 7 });
      if (opts?.placeholder) tr(input, null, { placeholder: opts.placeholder });
    }
    if (kind !== 'select' && kind !== 'file') {
      this.hinted.push([id, kind === 'lr' ? input.lastChild : input]);
      this.hint(id, this.hinted.at(-1)[1]);
    }
    if (kind !== 'checkbox') (kind === 'lr' ? input.lastChild : kind === 'file' ? input.firstChild : input).setAttribute('aria-describedby', err.id);
    const forId = kind === 'file' ? 'upload-file' : id;
    return el('div', { className: 'row' }, tr(el('label', { htmlFor: forId }), label), input, err);
  }

  /** The built-in data sets, named in the page's language where the catalogue has them (dataset.<name>). */
  setBuiltins(list) {
    this.builtins = list;
    const select = this.form.querySelector('#builtin');
    const chosen = select.value;
    const title = (d) => (has(`dataset.${d.name}`) ? t(`dataset.${d.name}`) : d.title);
    options(select, list.map((d) => [d.name, `${title(d)} (n=${d.n})`]));
    if (chosen) select.value = chosen;
  }

  /** A field's hint: what it is (the catalogue's hint.<id>, else the schema's words) and its bounds. */
  hint(id, input) {
    const field = this.settings.fields[id];
    const what = has(`hint.${id}`) ? t(`hint.${id}`) : field.description;
    const hint = [what, boundsText(field)].filter(Boolean).join(': ');
    if (hint) input.title = hint;
  }

  /** After a language change: the words that are not a fixed key's. */
  relabel() {
    if (this.builtins) this.setBuiltins(this.builtins);
    for (const [id, input] of this.hinted) this.hint(id, input);
  }

  setColumns(columns) {
    const names = columns.map((c) => [c.name, c.numeric ? c.name : t('field.notNumeric', { name: c.name })]);
    options(this.form.querySelector('#col_x'), names);
    options(this.form.querySelector('#col_y'), names);
  }

  async upload(file) {
    if (!file) return;
    this.clearErrors();
    this.forgetUpload(); // until the server takes it, no file is active: neither this one nor the last
    try {
      const ans = await this.onUpload(file);
      this.setColumns(ans.columns);
      this.form.querySelector('#upload-name').textContent = t('field.uploaded', { file: ans.filename, rows: ans.rows });
      const kindChanges = this.read().data === 'upload' ? {} : { data: 'upload', standardize: this.settings.defaultFor('standardize', { data: 'upload' }) };
      this.set({ upload: ans.id, col_x: ans.x ?? ans.columns[0]?.name ?? '', col_y: ans.y ?? ans.columns[1]?.name ?? '', ...kindChanges });
      this.onChange?.(this.read());
    } catch (err) {
      this.form.querySelector('#upload-file').value = '';
      this.showErrors(err, 'upload');
    }
  }

  forgetUpload() {
    this.uploadId = '';
    this.form.querySelector('#upload-name').textContent = '';
    this.setColumns([]);
  }

  /** Offer the optimizers `mode` allows (manual mode: plain sgd only); keeps the chosen one if allowed. */
  offerOptimizers(mode) {
    const select = this.form.querySelector('#optimizer');
    const allowed = this.settings.optimizers(mode);
    const chosen = select.value;
    options(select, allowed);
    select.value = allowed.includes(chosen) ? chosen : allowed[0];
  }

  /** Fill the form from a state (only the fields it shows). */
  set(state) {
    if ('mode' in state) this.offerOptimizers(state.mode);
    for (const [k, v] of Object.entries(state)) {
      const input = this.form.querySelector(`#${k}`);
      if (!input || input.type === 'file') continue;
      if (input.type === 'checkbox') input.checked = Boolean(v);
      else {
        // a value the select lacks joins it (a data set's name before the list came), bar an optimizer
        // the mode refuses: it stays out, the mode's first is shown and the run's 422 says why
        if (input.tagName === 'SELECT' && k !== 'optimizer' && v !== '' && ![...input.options].some((o) => o.value === String(v))) {
          input.append(el('option', { value: String(v), textContent: String(v) }));
        }
        input.value = v === null ? '' : String(v);
        if (input.tagName === 'SELECT' && input.selectedIndex < 0) input.selectedIndex = 0;
      }
      if (k === 'lr' && Number(v) > 0) this.form.querySelector('#lr-slider').value = String(Math.log10(Number(v)));
    }
    if ('upload' in state) this.uploadId = state.upload;
    this.updateVisibility();
  }

  /** The state the form shows. A number that does not parse is kept as typed, for the server to reject. */
  read(base = {}) {
    const state = { ...base };
    for (const id of Object.keys(this.rows)) {
      if (id === 'upload') { state.upload = this.uploadId ?? ''; continue; }
      const input = this.form.querySelector(`#${id}`);
      const raw = input.type === 'checkbox' ? input.checked : input.value;
      const v = this.settings.coerce(id, raw);
      state[id] = v === undefined ? raw : v;
    }
    return state;
  }

  /** Refuse what cannot run, at its field: [[field id, what to type]] for the fields shown; each
   *  gets its message and aria-invalid. Empty: the form may run. */
  refusals() {
    const state = this.read();
    const shown = (id) => !this.rows[id]?.row.hidden;
    const found = [];
    for (const id of Object.keys(this.rows)) {
      const field = this.settings.fields[id];
      const input = this.form.querySelector(`#${id}`);
      if (!shown(id) || !input || input.tagName !== 'INPUT' || input.type !== 'text') continue;
      const why = checkInput(field, input.value);
      if (why) found.push([id, why]);
    }
    const given = (id) => state[id] !== null && state[id] !== '';
    if (given('init_w') !== given('init_b') && !found.some(([id]) => id.startsWith('init_'))) {
      found.push([given('init_w') ? 'init_b' : 'init_w', SAY.bothOrNeither]);
    }
    if (state.data === 'upload' && !state.upload) found.push(['upload', SAY.chooseCsv]);
    this.clearErrors();
    for (const [id, msg] of found) this.showErrors({ detail: [{ loc: [id], msg }] });
    return found;
  }

  updateVisibility() {
    const s = this.read();
    for (const { row, visible } of Object.values(this.rows)) row.hidden = visible ? !visible(s) : false;
    this.form.querySelector('#standardize-note').hidden = !(s.standardize && REAL_DATA.includes(s.data));
  }

  changed(ev) {
    if (ev.target.id === 'mode') this.offerOptimizers(ev.target.value);
    if (ev.target.id === 'data' && ev.type === 'change') {
      this.form.querySelector('#standardize').checked = this.settings.defaultFor('standardize', { data: ev.target.value });
    }
    if (ev.target.id) this.clearError(ev.target.id === 'lr-slider' ? 'lr' : ev.target.id);
    this.updateVisibility();
  }

  clearError(id) {
    const err = this.form.querySelector(`#err-${id}`);
    if (err) { err.hidden = true; err.textContent = ''; }
    this.inputOf(id)?.removeAttribute('aria-invalid');
  }

  clearErrors() {
    for (const err of document.querySelectorAll('.err')) { err.hidden = true; err.textContent = ''; }
    for (const input of this.form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  }

  /** The input a field's message belongs to (the lr's text box, the file chooser). */
  inputOf(id) {
    return this.form.querySelector(id === 'upload' ? '#upload-file' : `#${id}`);
  }

  /** Show an ApiError: each `detail` item next to its field; what names no field goes to #err-general. */
  showErrors(err, fallbackField = null) {
    const items = Array.isArray(err.detail) ? err.detail : [{ loc: fallbackField ? [fallbackField] : [], msg: err.message }];
    for (const item of items) {
      const id = fieldOf(item.loc ?? [], this.settings) ?? fallbackField;
      const box = (id && this.form.querySelector(`#err-${id}`)) || document.getElementById('err-general');
      const row = this.rows[id]?.row;
      if (row) row.hidden = false;
      if (id && box.id !== 'err-general') this.inputOf(id)?.setAttribute('aria-invalid', 'true');
      const msg = serverSays(item);
      const text = box.id === 'err-general' && item.loc?.length ? `${item.loc.filter((p) => p !== 'body').join('.')}: ${msg}` : msg;
      box.textContent = box.textContent ? `${box.textContent}; ${text}` : text;
      box.hidden = false;
    }
  }
}

const BOUNDS = { greater_than_equal: ['≥', 'ge'], greater_than: ['>', 'gt'], less_than_equal: ['≤', 'le'], less_than: ['<', 'lt'] };

/** A 422 item of the server's in the page's language: a bound, a missing field or a refusal the server
 *  names (its `ctx.reason`, with its figures) in the catalogue's words (say.<reason>); anything else,
 *  and everything in English, in the server's own. */
export function serverSays({ type, ctx = {}, msg }, lang = currentLang()) {
  if (lang === 'en') return msg;
  const [sign, key] = BOUNDS[type] ?? [];
  if (sign && ctx[key] !== undefined) return SAY.bounds(`${sign} ${ctx[key]}`);
  if (type === 'missing') return t('say.missing');
  if (ctx.reason && has(`say.${ctx.reason}`)) {
    const figures = Object.fromEntries(Object.entries(ctx).map(([k, v]) => [k, Number.isInteger(v) ? v.toLocaleString('en') : v]));
    return t(`say.${ctx.reason}`, figures);
  }
  return msg;
}

/** ["body", "dataset", "synthetic", "noise"] -> "noise"; ["body", "init", "w"] -> "init_w"; unknown -> null. */
export function fieldOf(loc, settings) {
  const path = loc.filter((p) => p !== 'body' && typeof p === 'string');
  if (!path.length) return null;
  const last = path[path.length - 1];
  if (path[0] === 'init') return path.length > 1 ? `init_${last}` : 'init_w';
  if (path[0] === 'dataset') {
    if (last === 'x' || last === 'y') return `col_${last}`;
    if (last === 'name') return 'builtin';
    if (last === 'id') return 'upload';
    if (last === 'kind' || last === 'dataset') return 'data';
    return settings.has(last) ? last : 'data';
  }
  return settings.has(last) ? last : null;
}
