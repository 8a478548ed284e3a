// The settings form: laid out from the settings (each field's `form` metadata in the API's schema:
// layout.js), filled from the store whenever the store's settings change (what the user types is a
// draft until they run it), read back into a state to run, and the place where refusals and the
// server's 4xx messages appear, next to the field that `detail[].loc` names (checks.js).
import { formLayout } from './layout.js';
import { SAY, checkInput, boundsText, serverSays, fieldOf } from './checks.js';
import { REAL_DATA } from '../core/settings.js';
import { t, tr, has, onLang } from '../i18n/i18n.js';

const LOG_SLIDER_FROM = -4; // a log slider's left end: 10⁻⁴

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** `node` with the catalogue's text for `key`, or `fallback` where the catalogue has none. */
const words = (node, key, fallback) => (has(key) ? tr(node, key) : Object.assign(node, { textContent: fallback }));

function options(select, opts) {
  select.replaceChildren(...opts.map((o) => {
    const [value, label, key] = Array.isArray(o) ? o : [o, o];
    const option = el('option', { value, textContent: label }); // textContent: labels may be user data
    return key ? tr(option, key) : option;
  }));
}

/** A field's choices, named in the catalogue where it has them (choice.<field>.<value>). */
const choices = (id, values = []) => values.map((v) => [v, v, has(`choice.${id}.${v}`) ? `choice.${id}.${v}` : null]);

export class SettingsForm {
  /** `store`: the page's Store (its settings say the fields); `onUpload(file)` uploads and resolves to the answer. */
  constructor(form, store, { onUpload }) {
    this.form = form;
    this.store = store;
    this.settings = store.settings;
    this.onUpload = onUpload;
    this.rows = {};   // field id -> its row (div[data-field])
    this.hinted = []; // [id, input] with a hint (title) to say again in another language
    const { upload, builtin } = this.settings.datasets;
    this.names = { builtin: builtin?.name, file: upload?.id, columns: [upload?.x, upload?.y] }; // the fields the page fills itself
    for (const { group, fields } of formLayout(this.settings)) {
      const fieldset = el('fieldset', {}, words(el('legend'), `group.${group}`, group));
      for (const { id, widget } of fields) {
        const row = this.row(id, widget);
        row.dataset.field = id;
        this.rows[id] = row;
        fieldset.append(row);
      }
      form.append(fieldset);
    }
    form.addEventListener('input', (ev) => this.changed(ev));
    form.addEventListener('change', (ev) => this.changed(ev));
    onLang(() => this.relabel());
    // a run (a link, Back, a lesson step) or settings shown from elsewhere (a followed run) replace the draft
    store.subscribe((state, changed, { run }) => {
      if (run || [...changed].some((k) => k in this.rows)) this.fill(state);
    });
    this.fill(store.get());
  }

  row(id, widget) {
    const label = `field.${id}`;
    const err = el('div', { id: `err-${id}`, className: 'err', role: 'alert', hidden: true });
    if (widget === 'checkbox') {
      const note = id === 'standardize' ? [tr(el('p', { id: 'standardize-note', className: 'note', hidden: true }), 'field.standardizedNote')] : [];
      return el('div', { className: 'row check' }, el('label', {}, el('input', { type: 'checkbox', id }), ' ', words(el('span'), label, id)), ...note, err);
    }
    const field = this.settings.fields[id];
    let input;       // what the row holds
    let text = null; // its text box, which has the hint
    let target;      // what its label and message belong to
    if (widget === 'select') {
      input = target = el('select', { id });
      options(input, choices(id, field.options));
    } else if (widget === 'log-slider') {
      const slider = el('input', { type: 'range', id: `${id}-slider`, min: LOG_SLIDER_FROM, max: Math.log10(field.max), step: 0.01 });
      if (has(`field.${id}Slider`)) tr(slider, null, { 'aria-label': `field.${id}Slider` });
      text = target = el('input', { type: 'text', id, inputMode: 'decimal', size: 7 });
      slider.addEventListener('input', () => { text.value = String(Number((10 ** Number(slider.value)).toPrecision(2))); });
      text.addEventListener('input', () => { const v = Number(text.value); if (v > 0) slider.value = String(Math.log10(v)); });
      input = el('span', { className: 'log-slider' }, slider, text);
    } else if (widget === 'file') {
      target = el('input', { type: 'file', id: `${id}-file`, accept: '.csv,text/csv' });
      target.addEventListener('change', (ev) => this.upload(ev.target.files[0]));
      input = el('span', { className: 'file' }, target, el('span', { id: `${id}-name`, className: 'note' }));
    } else {
      input = text = target = el('input', { type: 'text', id, inputMode: 'decimal', size: 7 });
      if (has(`placeholder.${id}`)) tr(input, null, { placeholder: `placeholder.${id}` });
    }
    if (text) {
      this.hinted.push([id, text]);
      this.hint(id, text);
    }
    target.setAttribute('aria-describedby', err.id);
    return el('div', { className: 'row' }, words(el('label', { htmlFor: target.id }), label, id), input, err);
  }

  /** The built-in data sets, named in the page's language where the catalogue has them (dataset.<name>). */
  showBuiltins(list) {
    this.builtins = list;
    const select = this.inputOf(this.names.builtin);
    if (!select) return;
    const chosen = select.value;
    const title = (d) => (has(`dataset.${d.name}`) ? t(`dataset.${d.name}`) : d.title);
    options(select, list.map((d) => [d.name, `${title(d)} (n=${d.n})`]));
    if (chosen) select.value = chosen;
  }

  /** The built-in data sets have come (GET /api/datasets): the store's is shown, else the first. */
  setBuiltins(list) {
    this.showBuiltins(list);
    this.fill({ [this.names.builtin]: this.store.get()[this.names.builtin] || list[0]?.name || '' });
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
    if (this.builtins) this.showBuiltins(this.builtins);
    for (const [id, input] of this.hinted) this.hint(id, input);
  }

  setColumns(columns) {
    const names = columns.map((c) => [c.name, c.numeric ? c.name : t('field.notNumeric', { name: c.name })]);
    for (const id of this.names.columns) options(this.inputOf(id), names);
  }

  async upload(file) {
    if (!file) return;
    const { file: id, columns: [x, y] } = this.names;
    this.clearErrors();
    this.forgetUpload(); // until the server takes it, no file is active: neither this one nor the last
    try {
      const ans = await this.onUpload(file);
      this.setColumns(ans.columns);
      this.showUploaded(ans.filename, ans.rows - (ans.dropped ?? 0), ans.dropped ?? 0);
      const kindChanges = this.read().data === 'upload' ? {} : { data: 'upload', standardize: this.settings.defaultFor('standardize', { data: 'upload' }) };
      this.fill({ [id]: ans.id, [x]: ans.x ?? ans.columns[0]?.name ?? '', [y]: ans.y ?? ans.columns[1]?.name ?? '', ...kindChanges });
    } catch (err) {
      this.inputOf(id).value = '';
      this.showErrors(err, id);
    }
  }

  /** What an upload trains on: its rows with a number in both columns, and how many it leaves out
   *  (at upload, for the default columns; after a run, for the ones it chose). */
  showUploaded(file, rows, dropped) {
    const key = !dropped ? 'field.uploaded' : dropped === 1 ? 'field.uploadedDropped' : 'field.uploadedDroppedMany';
    this.form.querySelector(`#${this.names.file}-name`).textContent = t(key, { file, rows, dropped });
  }

  forgetUpload() {
    this.uploadId = '';
    this.form.querySelector(`#${this.names.file}-name`).textContent = '';
    this.setColumns([]);
  }

  /** Offer the optimizers `mode` allows (manual mode: plain sgd only); keeps the chosen one if allowed. */
  offerOptimizers(mode) {
    const select = this.inputOf('optimizer');
    const allowed = this.settings.optimizers(mode);
    const chosen = select.value;
    options(select, choices('optimizer', allowed));
    select.value = allowed.includes(chosen) ? chosen : allowed[0];
  }

  /** Offer the losses `model` takes (logistic regression: bce, mse); keeps the chosen one if taken,
   *  else the model's own. */
  offerLosses(model) {
    const select = this.inputOf('loss');
    if (!select) return;
    const allowed = this.settings.losses(model);
    const chosen = select.value;
    options(select, choices('loss', allowed));
    select.value = allowed.includes(chosen) ? chosen : allowed[0];
  }

  /** Show `values` (a state, or some of its fields) in the fields the form has. */
  fill(values) {
    if ('mode' in values) this.offerOptimizers(values.mode);
    if ('model' in values) this.offerLosses(values.model);
    for (const [k, v] of Object.entries(values)) {
      if (!(k in this.rows)) continue;
      if (k === this.names.file) { this.uploadId = v; continue; }
      const input = this.inputOf(k);
      if (input.type === 'checkbox') input.checked = Boolean(v);
      else {
        // a value the select lacks joins it (a data set's name before the list came), bar an optimizer
        // the mode refuses: it stays out, the mode's first is shown and the run's 422 says why
        if (input.tagName === 'SELECT' && k !== 'optimizer' && k !== 'loss' && v !== '' && ![...input.options].some((o) => o.value === String(v))) {
          input.append(el('option', { value: String(v), textContent: String(v) }));
        }
        input.value = v === null ? '' : String(v);
        if (input.tagName === 'SELECT' && input.selectedIndex < 0) input.selectedIndex = 0;
      }
      const slider = this.form.querySelector(`#${k}-slider`);
      if (slider && Number(v) > 0) slider.value = String(Math.log10(Number(v)));
    }
    this.updateVisibility();
  }

  /** A note under field `id`'s box, with a button {label, onClick} if given; no text removes it. */
  setNote(id, text, button = null) {
    const row = this.rows[id];
    let note = row.querySelector('.field-note');
    if (!text) { note?.remove(); return; }
    if (!note) {
      note = el('p', { className: 'note field-note', id: `note-${id}` });
      row.insertBefore(note, row.querySelector('.err'));
    }
    const extra = button ? [' ', el('button', { type: 'button', textContent: button.label, onclick: button.onClick })] : [];
    note.replaceChildren(text, ...extra);
  }

  /** The draft given up: the form shows the store's settings again (a student's page back in step). */
  revert() { this.fill(this.store.get()); }

  /** The state the form shows. A number that does not parse is kept as typed, for the server to reject. */
  read(base = {}) {
    const state = { ...base };
    for (const id of Object.keys(this.rows)) {
      if (id === this.names.file) { state[id] = this.uploadId ?? ''; continue; }
      const input = this.inputOf(id);
      const raw = input.type === 'checkbox' ? input.checked : input.value;
      const v = this.settings.coerce(id, raw);
      state[id] = v === undefined ? raw : v;
    }
    return state;
  }

  /** Refuse what cannot run, at its field: [[field id, what to type]] for the fields shown that
   *  `changes` (run with the form) do not replace; each gets its message and aria-invalid. Empty:
   *  the form may run. */
  refusals(changes = {}) {
    const state = { ...this.read(), ...changes };
    const found = [];
    for (const [id, row] of Object.entries(this.rows)) {
      const input = this.inputOf(id);
      if (row.hidden || id in changes || input.tagName !== 'INPUT' || input.type !== 'text') continue;
      const why = checkInput(this.settings.fields[id], input.value);
      if (why) found.push([id, why]);
    }
    const given = (id) => state[id] !== null && state[id] !== '';
    if (given('init_w') !== given('init_b') && !found.some(([id]) => id.startsWith('init_'))) {
      found.push([given('init_w') ? 'init_b' : 'init_w', SAY.bothOrNeither]);
    }
    if (state.data === 'upload' && !state[this.names.file]) found.push([this.names.file, SAY.chooseCsv]);
    this.clearErrors();
    for (const [id, msg] of found) this.showErrors({ detail: [{ loc: [id], msg }] });
    return found;
  }

  updateVisibility() {
    const s = this.read();
    for (const [id, row] of Object.entries(this.rows)) row.hidden = !this.settings.applies(id, s);
    this.form.querySelector('#standardize-note').hidden = !(s.standardize && REAL_DATA.includes(s.data));
  }

  changed(ev) {
    const id = ev.target.id;
    if (id === 'mode') this.offerOptimizers(ev.target.value);
    if (id === 'model' && ev.type === 'change') {
      // the model's own loss and, for logistic regression, labelled synthetic data
      this.offerLosses(ev.target.value);
      this.inputOf('loss').value = this.settings.defaultFor('loss', { model: ev.target.value });
      const labels = this.inputOf('labels');
      if (labels) labels.checked = this.settings.defaultFor('labels', { model: ev.target.value });
    }
    if (id === 'data' && ev.type === 'change') {
      this.inputOf('standardize').checked = this.settings.defaultFor('standardize', { data: ev.target.value });
    }
    if (id) this.clearError(id.replace(/-(slider|file)$/, ''));
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

  /** The input a field's message belongs to (a log slider's text box, the file chooser). */
  inputOf(id) {
    return this.form.querySelector(id === this.names.file ? `#${id}-file` : `#${id}`);
  }

  /** Show an ApiError: each `detail` item next to its field; what names no field goes to #err-general. */
  showErrors(err, fallbackField = null) {
    const items = Array.isArray(err.detail) ? err.detail : [{ loc: fallbackField ? [fallbackField] : [], msg: err.message }];
    for (const item of items) {
      const id = fieldOf(item.loc ?? [], this.settings) ?? fallbackField;
      const box = (id && this.form.querySelector(`#err-${id}`)) || document.getElementById('err-general');
      const row = this.rows[id];
      if (row) row.hidden = false;
      if (id && box.id !== 'err-general') this.inputOf(id)?.setAttribute('aria-invalid', 'true');
      const msg = serverSays(item);
      const text = box.id === 'err-general' && item.loc?.length ? `${item.loc.filter((p) => p !== 'body').join('.')}: ${msg}` : msg;
      box.textContent = box.textContent ? `${box.textContent}; ${text}` : text;
      box.hidden = false;
    }
  }
}
