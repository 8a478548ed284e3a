// The settings form: built from a field list, filled from a state, read back into one, and the
// place where the server's 4xx messages appear, next to the field that `detail[].loc` names.
import { FIELDS, coerce } from './state.js';

const MODES = [['manual', 'manual (w -= lr·grad)'], ['sgd', 'sgd (full batch)'], ['minibatch', 'mini-batch'],
  ['design', 'design matrix'], ['linear', 'nn.Linear']];
const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adam', 'rmsprop', 'adagrad'];
const MINIBATCH = (s) => ['minibatch', 'design', 'linear'].includes(s.mode);

// [id, label, kind, options, visible(state)]; a string entry starts a group.
const FORM = [
  'Method',
  ['mode', 'mode', 'select', MODES],
  ['optimizer', 'optimizer', 'select', OPTIMIZERS],
  ['momentum', 'momentum', 'number', { step: 0.05 }, (s) => ['momentum', 'nesterov', 'rmsprop'].includes(s.optimizer)],
  ['beta1', 'β₁', 'number', { step: 0.01 }, (s) => s.optimizer === 'adam'],
  ['beta2', 'β₂', 'number', { step: 0.001 }, (s) => s.optimizer === 'adam'],
  ['alpha', 'α (smoothing)', 'number', { step: 0.01 }, (s) => s.optimizer === 'rmsprop'],
  ['loss', 'loss', 'select', [['mse', 'MSE (squared)'], ['mae', 'MAE (absolute)'], ['huber', 'Huber']]],
  ['huber_delta', 'Huber δ', 'number', { step: 0.1 }, (s) => s.loss === 'huber'],
  'Training',
  ['lr', 'learning rate', 'lr'],
  ['epochs', 'epochs', 'number', { step: 1, min: 1 }],
  ['batch_size', 'batch size', 'number', { step: 1, min: 1 }, MINIBATCH],
  ['shuffle', 'shuffle batches', 'checkbox', null, MINIBATCH],
  ['granularity', 'stream', 'select', [['epoch', 'per epoch'], ['step', 'every step']]],
  ['seed', 'seed', 'number', { step: 1, min: 0 }],
  ['init_w', 'start w', 'number', { step: 0.1, placeholder: 'random' }],
  ['init_b', 'start b', 'number', { step: 0.1, placeholder: 'random' }],
  'Data',
  ['data', 'data set', 'select', [['synthetic', 'synthetic'], ['builtin', 'built-in'], ['upload', 'CSV upload']]],
  ['true_w', 'true w', 'number', { step: 0.5 }, (s) => s.data === 'synthetic'],
  ['true_b', 'true b', 'number', { step: 0.5 }, (s) => s.data === 'synthetic'],
  ['noise', 'noise σ', 'number', { step: 0.1, min: 0 }, (s) => s.data === 'synthetic'],
  ['x_start', 'x from', 'number', { step: 0.5 }, (s) => s.data === 'synthetic'],
  ['x_stop', 'x to', 'number', { step: 0.5 }, (s) => s.data === 'synthetic'],
  ['x_step', 'x step', 'number', { step: 0.1 }, (s) => s.data === 'synthetic'],
  ['n', 'or n points', 'number', { step: 1, placeholder: 'use step' }, (s) => s.data === 'synthetic'],
  ['builtin', 'built-in', 'select', [], (s) => s.data === 'builtin'],
  ['upload', 'CSV file', 'file', null, (s) => s.data === 'upload'],
  ['col_x', 'x column', 'select', [], (s) => s.data === 'upload'],
  ['col_y', 'y column', 'select', [], (s) => s.data === 'upload'],
  ['standardize', 'standardize x and y', 'checkbox'],
];

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
  /** `onUpload(file)` uploads and resolves to the answer; `onChange()` follows every edit. */
  constructor(form, { onUpload, onChange }) {
    this.form = form;
    this.rows = {};
    this.onUpload = onUpload;
    let group = null;
    for (const item of FORM) {
      if (typeof item === 'string') {
        group = el('fieldset', {}, el('legend', { textContent: item }));
        form.append(group);
        continue;
      }
      const [id, label, kind, opts, visible] = item;
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
      return el('div', { className: 'row check' }, el('label', {}, el('input', { type: 'checkbox', id }), ` ${label}`), err);
    }
    let input;
    if (kind === 'select') {
      input = el('select', { id });
      options(input, opts);
    } else if (kind === 'lr') {
      const slider = el('input', { type: 'range', id: 'lr-slider', min: -4, max: 2, step: 0.01 });
      slider.setAttribute('aria-label', 'learning rate (log scale)');
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
    try {
      const ans = await this.onUpload(file);
      this.setColumns(ans.columns);
      this.form.querySelector('#upload-name').textContent = `${ans.filename}: ${ans.rows} rows`;
      this.set({ upload: ans.id, col_x: ans.x ?? ans.columns[0]?.name ?? '', col_y: ans.y ?? ans.columns[1]?.name ?? '', data: 'upload' });
      this.onChange?.(this.read());
    } catch (err) {
      this.showErrors(err, 'upload');
    }
  }

  /** Fill the form from a state (only the fields it shows). */
  set(state) {
    for (const [k, v] of Object.entries(state)) {
      const input = this.form.querySelector(`#${k}`);
      if (!input || input.type === 'file') continue;
      if (input.type === 'checkbox') input.checked = Boolean(v);
      else {
        if (input.tagName === 'SELECT' && v !== '' && ![...input.options].some((o) => o.value === String(v))) {
          input.append(el('option', { value: String(v), textContent: String(v) }));
        }
        input.value = v === null ? '' : String(v);
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
      const v = coerce(id, raw);
      state[id] = v === undefined ? raw : v;
    }
    return state;
  }

  updateVisibility() {
    const s = this.read();
    for (const { row, visible } of Object.values(this.rows)) row.hidden = visible ? !visible(s) : false;
  }

  changed(ev) {
    if (ev.target.id) this.clearError(ev.target.id === 'lr-slider' ? 'lr' : ev.target.id);
    this.updateVisibility();
  }

  clearError(id) {
    const err = this.form.querySelector(`#err-${id}`);
    if (err) { err.hidden = true; err.textContent = ''; }
  }

  clearErrors() {
    for (const err of document.querySelectorAll('.err')) { err.hidden = true; err.textContent = ''; }
  }

  /** Show an ApiError: each `detail` item next to its field; what names no field goes to #err-general. */
  showErrors(err, fallbackField = null) {
    const items = Array.isArray(err.detail) ? err.detail : [{ loc: fallbackField ? [fallbackField] : [], msg: err.message }];
    for (const item of items) {
      const id = fieldOf(item.loc ?? []) ?? fallbackField;
      const box = (id && this.form.querySelector(`#err-${id}`)) || document.getElementById('err-general');
      const row = this.rows[id]?.row;
      if (row) row.hidden = false;
      const text = box.id === 'err-general' && item.loc?.length ? `${item.loc.filter((p) => p !== 'body').join('.')}: ${item.msg}` : item.msg;
      box.textContent = box.textContent ? `${box.textContent}; ${text}` : text;
      box.hidden = false;
    }
  }
}

/** ["body", "dataset", "synthetic", "noise"] -> "noise"; ["body", "init", "w"] -> "init_w"; unknown -> null. */
export function fieldOf(loc) {
  const path = loc.filter((p) => p !== 'body' && typeof p === 'string');
  if (!path.length) return null;
  const last = path[path.length - 1];
  if (path[0] === 'init') return path.length > 1 ? `init_${last}` : 'init_w';
  if (path[0] === 'dataset') {
    if (last === 'x' || last === 'y') return `col_${last}`;
    if (last === 'name') return 'builtin';
    if (last === 'id') return 'upload';
    if (last === 'kind' || last === 'dataset') return 'data';
    return last in FIELDS ? last : 'data';
  }
  return last in FIELDS ? last : null;
}
