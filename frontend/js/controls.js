// The settings form: laid out here, its choices, bounds and knobs from the settings (the API's
// schema); filled from a state, read back into one, and the place where the server's 4xx messages
// appear, next to the field that `detail[].loc` names.
import { MINIBATCH_MODES, REAL_DATA } from './state.js';

// Labels of the schema's choices; a choice without one shows its value.
const CHOICES = {
  mode: { manual: 'manual (w -= lr·grad)', sgd: 'sgd (full batch)', minibatch: 'mini-batch', design: 'design matrix', linear: 'nn.Linear' },
  loss: { mse: 'MSE (squared)', mae: 'MAE (absolute)', huber: 'Huber' },
  granularity: { epoch: 'per epoch', step: 'every step' },
  data: { synthetic: 'synthetic', builtin: 'built-in', points: 'points (by hand)', upload: 'CSV upload' },
};
const MINIBATCH = (s) => MINIBATCH_MODES.includes(s.mode);
const DATA = (kind) => (s) => s.data === kind;

// [id, label, kind, options, visible(state)]; a string entry starts a group. An optimizer's knobs
// show when the optimizer takes them (the settings know which).
const FORM = [
  'Method',
  ['mode', 'mode', 'select'],
  ['optimizer', 'optimizer', 'select'],
  ['momentum', 'momentum', 'number'],
  ['beta1', 'β₁', 'number'],
  ['beta2', 'β₂', 'number'],
  ['alpha', 'α (smoothing)', 'number'],
  ['loss', 'loss', 'select'],
  ['huber_delta', 'Huber δ', 'number', null, (s) => s.loss === 'huber'],
  'Training',
  ['lr', 'learning rate', 'lr'],
  ['epochs', 'epochs', 'number'],
  ['batch_size', 'batch size', 'number', null, MINIBATCH],
  ['shuffle', 'shuffle batches', 'checkbox', null, MINIBATCH],
  ['granularity', 'stream', 'select'],
  ['seed', 'seed', 'number'],
  ['init_w', 'start w', 'number', { placeholder: 'random' }],
  ['init_b', 'start b', 'number', { placeholder: 'random' }],
  'Data',
  ['data', 'data set', 'select'],
  ['true_w', 'true w', 'number', null, DATA('synthetic')],
  ['true_b', 'true b', 'number', null, DATA('synthetic')],
  ['noise', 'noise σ', 'number', null, DATA('synthetic')],
  ['x_start', 'x from', 'number', null, DATA('synthetic')],
  ['x_stop', 'x to', 'number', null, DATA('synthetic')],
  ['x_step', 'x step', 'number', null, DATA('synthetic')],
  ['n', 'or n points', 'number', { placeholder: 'use step' }, DATA('synthetic')],
  ['builtin', 'built-in', 'select', null, DATA('builtin')],
  ['upload', 'CSV file', 'file', null, DATA('upload')],
  ['col_x', 'x column', 'select', null, DATA('upload')],
  ['col_y', 'y column', 'select', null, DATA('upload')],
  ['standardize', 'standardize x and y', 'checkbox'],
];

// What the form says when it refuses a field (checkInput) or a combination (refusals).
export const SAY = {
  comma: (fixed) => `use a point for decimals: ${fixed}`,
  empty: (bounds) => `type a number${bounds ? ` (${bounds})` : ''}`,
  notNumber: (raw, example) => `“${raw}” is not a number: type one like ${example}`,
  whole: (example) => `type a whole number, like ${example}`,
  bounds: (bounds) => `must be ${bounds}`,
  bothOrNeither: 'give both or neither (empty: a random start)',
  chooseCsv: 'choose a CSV file first',
  standardized: 'Real data trains as z-scores (mean 0, sd 1); untick to see its own units, where lr 0.1 is too large.',
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
const rank = (id, v) => { const i = Object.keys(CHOICES[id] ?? {}).indexOf(v); return i < 0 ? Infinity : i; };
const choices = (id, values = []) => [...values].sort((a, b) => rank(id, a) - rank(id, b)).map((v) => [v, CHOICES[id]?.[v] ?? v]);

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function options(select, opts) {
  select.replaceChildren(...opts.map((o) => {
    const [value, label] = Array.isArray(o) ? o : [o, o];
    return el('option', { value, textContent: label }); // textContent: labels may be user data
  }));
}

export class Controls {
  /** `settings`: the page's Settings; `onUpload(file)` uploads and resolves to the answer. */
  constructor(form, settings, { onUpload, onChange }) {
    this.form = form;
    this.settings = settings;
    this.rows = {};
    this.onUpload = onUpload;
    let group = null;
    for (const item of FORM) {
      if (typeof item === 'string') {
        group = el('fieldset', {}, el('legend', { textContent: item }));
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
      const note = id === 'standardize' ? [el('p', { id: 'standardize-note', className: 'note', textContent: SAY.standardized, hidden: true })] : [];
      return el('div', { className: 'row check' }, el('label', {}, el('input', { type: 'checkbox', id }), ` ${label}`), ...note, err);
    }
    let input;
    const field = this.settings.fields[id];
    if (kind === 'select') {
      input = el('select', { id });
      options(input, choices(id, field.options));
    } else if (kind === 'lr') {
      const max = Math.log10(field.max);
      const slider = el('input', { type: 'range', id: 'lr-slider', min: -4, max, step: 0.01 });
      slider.setAttribute('aria-label', 'learning rate (log scale)'); // a property would not set the attribute
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
      input = el('input', { type: 'text', id, inputMode: 'decimal', size: 7, ...(opts?.placeholder ? { placeholder: opts.placeholder } : {}) });
    }
    const bounds = boundsText(field);
    const hint = [field.description, bounds].filter(Boolean).join(': ');
    if (hint && kind !== 'select' && kind !== 'file') (kind === 'lr' ? input.lastChild : input).title = hint;
    if (kind !== 'checkbox') (kind === 'lr' ? input.lastChild : kind === 'file' ? input.firstChild : input).setAttribute('aria-describedby', err.id);
    const forId = kind === 'file' ? 'upload-file' : id;
    return el('div', { className: 'row' }, el('label', { htmlFor: forId, textContent: label }), input, err);
  }

  setBuiltins(list) {
    options(this.form.querySelector('#builtin'), list.map((d) => [d.name, `${d.title} (n=${d.n})`]));
  }

  setColumns(columns) {
    const names = columns.map((c) => [c.name, c.numeric ? c.name : `${c.name} (not numeric)`]);
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
      this.form.querySelector('#upload-name').textContent = `${ans.filename}: ${ans.rows} rows`;
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
      const text = box.id === 'err-general' && item.loc?.length ? `${item.loc.filter((p) => p !== 'body').join('.')}: ${item.msg}` : item.msg;
      box.textContent = box.textContent ? `${box.textContent}; ${text}` : text;
      box.hidden = false;
    }
  }
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
