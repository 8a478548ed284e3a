// The run's history as a table, in place of a view's chart: what the charts draw, for the keyboard
// and for screen readers. One "Table" toggle per view; a shown table follows the player's cursor.
import { fmt } from '../core/format.js';
import { t, tr, onLang } from '../i18n/i18n.js';

const REDRAW_MS = 400; // while a run plays, the table is rebuilt at most this often
const VIEWS = ['fit', 'loss', 'contour', 'surface'];

function cell(tag, text, props = {}) {
  return Object.assign(document.createElement(tag), { textContent: text, ...props });
}

/** The table of `runs` from the start to epoch k: loss and gradients before each update, w and b after. */
export function historyTable(runs, k) {
  const many = runs.length > 1;
  const table = document.createElement('table');
  table.append(cell('caption', t('table.caption', { k })));
  const head = [t('axis.epoch'), ...(many ? [t('table.run')] : []), t('axis.loss'), 'w', 'b', '∂loss/∂w', '∂loss/∂b'];
  table.createTHead().insertRow().append(...head.map((h) => cell('th', h, { scope: 'col' })));
  const body = document.createElement('tbody');
  for (const run of runs) {
    if (!run.meta) continue;
    const rows = [{ epoch: 0, loss: null, ...run.meta.start }, ...run.epochs.slice(0, Math.max(0, k))];
    for (const r of rows) {
      const tr = document.createElement('tr');
      tr.append(cell('th', String(r.epoch), { scope: 'row' }));
      if (many) tr.append(cell('td', run.label));
      tr.append(...[r.loss, r.w, r.b, r.grad_w, r.grad_b].map((v) => cell('td', fmt(v))));
      body.append(tr);
    }
  }
  table.append(body);
  return table;
}

/** A "Table" button in each view's head, and the table it shows over that view's chart. */
export class HistoryTables {
  constructor() {
    this.shown = new Set();
    this.drawn = {};
    this.lastDraw = 0;
    for (const name of VIEWS) {
      const view = document.getElementById(`view-${name}`);
      const box = Object.assign(document.createElement('div'), {
        className: 'history', id: `table-${name}`, tabIndex: 0, hidden: true });
      box.setAttribute('role', 'region');
      box.dataset.view = name;
      box.setAttribute('aria-label', t('table.label', { view: t(`view.${name}`) }));
      view.querySelector('.view-head').after(box); // in the tab order right after its toggle
      const button = tr(cell('button', '', { type: 'button', className: 'table-toggle' }), 'table.toggle', { title: 'table.toggleTitle' });
      button.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-controls', box.id);
      view.querySelector('.view-head').append(button);
      button.addEventListener('click', () => this.toggle(name));
      new ResizeObserver(() => this.place(name)).observe(view.querySelector('.view-head')); // it may wrap
      onLang(() => { box.setAttribute('aria-label', t('table.label', { view: t(`view.${name}`) })); this.drawn[name] = null; });
    }
  }

  toggle(name) {
    const on = !this.shown.has(name);
    if (on) this.shown.add(name); else this.shown.delete(name);
    const view = document.getElementById(`view-${name}`);
    const box = document.getElementById(`table-${name}`);
    view.querySelector('.table-toggle').setAttribute('aria-pressed', String(on));
    view.classList.toggle('tabular', on);
    box.hidden = !on;
    this.place(name);
    delete this.drawn[name];
    this.p?.touch();
  }

  /** Over the chart, below the view's head. */
  place(name) {
    const box = document.getElementById(`table-${name}`);
    if (!box.hidden) box.style.top = `${document.querySelector(`#view-${name} .chart`).offsetTop}px`;
  }

  /** Called by every render. */
  draw(p) {
    this.p = p;
    if (!this.shown.size) return;
    const key = `${p.gen}:${p.epoch}:${p.runs.map((r) => r.epochs.length).join(',')}`;
    const now = performance.now();
    const due = !p.playing || now - this.lastDraw >= REDRAW_MS;
    for (const name of this.shown) {
      if (this.drawn[name] === key || (!due && this.drawn[name])) continue;
      const box = document.getElementById(`table-${name}`);
      const scroll = box.scrollTop;
      box.replaceChildren(historyTable(p.runs, p.epoch));
      box.scrollTop = p.playing ? box.scrollHeight : scroll; // a playing run: its newest rows
      this.drawn[name] = key;
      this.lastDraw = now;
    }
    if (!due && !this.timer) this.timer = setTimeout(() => { this.timer = null; p.touch(); }, REDRAW_MS); // the last state too
  }
}
