// Export: the runs' history as CSV or JSON, the data points as CSV (a chart's PNG is the chart's own:
// views/chart.js). A CSV says what it holds: `#` lines on top with each run's settings, and a file
// name made of them. (Readers skip the `#` lines: pandas.read_csv(f, comment='#').)
import { save } from '../core/download.js';
import { t } from '../i18n/i18n.js';

const COLUMNS = ['epoch', 'loss', 'w', 'b', 'grad_w', 'grad_b'];
const quote = (s) => `"${String(s).replaceAll('"', '""')}"`;

/** A float32 value (as JSON gives it, in float64) written as it reads: the fewest digits that are the
 *  same float32, 2.7 for 2.700000047683716. */
export function float32Text(v) {
  for (let p = 1; p <= 9; p += 1) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === Math.fround(v)) return String(s);
  }
  return String(v);
}

/** y = w·x + b as written: "y = 2·x − 1", "y = −0.5·x", "y = 3·x + 0.25". */
export function lineText(w, b) {
  const num = (v) => String(v).replace('-', '−');
  return `y = ${num(w)}·x${b ? ` ${b < 0 ? '−' : '+'} ${num(Math.abs(b))}` : ''}`;
}

/** The data set a config names, in words: "synthetic y = 2·x − 1 + 1·ε, x = arange(-3, 3, 0.3)". */
export function datasetText(ds = {}) {
  if (ds.kind === 'builtin') return `builtin ${ds.name}`;
  if (ds.kind === 'upload') return `upload ${ds.id} (x: ${ds.x ?? 'first numeric'}, y: ${ds.y ?? 'second numeric'})`;
  if (ds.kind === 'points') return `points (${ds.x?.length ?? 0} given)`;
  const x = ds.n ? `linspace(${ds.x_start}, ${ds.x_stop}, ${ds.n})` : `arange(${ds.x_start}, ${ds.x_stop}, ${ds.x_step})`;
  return `synthetic ${lineText(ds.true_w, ds.true_b)} + ${ds.noise}·ε, x = ${x}`;
}

/** A run's settings as `key=value` pairs: what a reader needs to tell runs apart or run one again. */
export function settingsText(config) {
  if (!config) return 'settings unknown (the run had not started)';
  const c = config;
  const pairs = [['mode', c.mode], ['optimizer', c.optimizer], ['lr', c.lr], ['loss', c.loss], ['seed', c.seed],
    ['epochs', c.epochs], ['batch_size', c.batch_size], ['standardize', c.standardize],
    ['scheduler', c.scheduler ? c.scheduler.name : 'none'], ['data', datasetText(c.dataset)]];
  return pairs.filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}=${v}`).join('; ');
}

const header = (title, runs) => [`# gdviz ${title}`,
  ...runs.map((run, i) => `# run ${i + 1} (${run.label}): ${settingsText(run.meta?.config)}`)];

export function historyCsv(runs) {
  const lines = [...header('loss history: per epoch, the loss and gradients before its update, w and b after it', runs),
    ['run', 'label', ...COLUMNS].join(',')];
  runs.forEach((run, i) => {
    for (const e of run.epochs) lines.push([i + 1, quote(run.label), ...COLUMNS.map((c) => e[c])].join(','));
  });
  return lines.join('\n') + '\n';
}

/** The data points a run trained on (as the stream sent them: at most 2,000, evenly spaced). */
export function pointsCsv(run) {
  const m = run.meta;
  const shown = m.points.x.length;
  const lines = [...header('data points', [run]),
    `# ${shown < m.n ? `${shown} of ${m.n} points, evenly spaced` : `${m.n} points`}`
      + `${m.dataset.dropped_rows ? ` (${m.dataset.dropped_rows} ${m.dataset.dropped_rows === 1 ? 'row' : 'rows'} of ${m.dataset.name} dropped: a missing value)` : ''}`
      + `${m.config.standardize ? '; standardized, as trained on' : ''}; x: ${m.dataset.x_label}, y: ${m.dataset.y_label}`,
    'x,y'];
  m.points.x.forEach((x, i) => lines.push(`${float32Text(x)},${float32Text(m.points.y[i])}`)); // as trained: float32
  return lines.join('\n') + '\n';
}

/** A file name that says what the file holds: "gdviz_loss-history_sgd-sgd_lr0.1_mse_seed2021_synthetic.csv". */
export function exportName(what, runs, ext) {
  const c = runs.length === 1 ? runs[0].meta?.config : null;
  const ds = c?.dataset;
  const data = !ds ? '' : ds.kind === 'builtin' ? ds.name : ds.kind;
  const parts = !runs.length ? [] : c ? [`${c.mode}-${c.optimizer}`, `lr${c.lr}`, c.loss, `seed${c.seed}`, data]
    : [`race-${runs.length}-runs`];
  return `${['gdviz', what, ...parts].join('_').replace(/[^\w.-]+/g, '-')}.${ext}`;
}

/** A view's PNG named for what it shows: "gdviz_contour_sgd-sgd_lr0.5_epoch60.png", "…_race-4-runs_epoch30.png". */
export function pngName(view, runs, k) {
  const c = runs.length === 1 ? runs[0].meta?.config : null;
  const run = !runs.length ? [] : c ? [`${c.mode}-${c.optimizer}`, `lr${c.lr}`] : [`race-${runs.length}-runs`];
  return `${['gdviz', view, ...run, `epoch${k}`].join('_').replace(/[^\w.-]+/g, '-')}.png`;
}

/** A PNG's title: the view, the run (its lr), the epoch: "Loss contour — sgd · sgd, lr 0.5, epoch 60 of 100". */
export function pngTitle(viewName, runs, k, total) {
  const lrs = [...new Set(runs.map((r) => r.meta?.config?.lr).filter((v) => v !== undefined))];
  const run = [runs.map((r) => r.label).join(', '), lrs.length === 1 ? t('fix.lr', { lr: lrs[0] }) : null].filter(Boolean).join(', ');
  return t('png.title', { view: viewName, run, k, total });
}

export function historyJson(runs) {
  return JSON.stringify(runs.map((r) => ({ label: r.label, job: r.id, meta: r.meta, history: r.epochs,
    steps: r.steps, done: r.done })), null, 1);
}

export const downloadCsv = (runs) => save(new Blob([historyCsv(runs)], { type: 'text/csv' }), exportName('loss-history', runs, 'csv'));
export const downloadJson = (runs) => save(new Blob([historyJson(runs)], { type: 'application/json' }), exportName('runs', runs, 'json'));
export function downloadPointsCsv(run) {
  if (run?.meta) save(new Blob([pointsCsv(run)], { type: 'text/csv' }), exportName('data', [run], 'csv'));
}

/**
 * The views' PNG buttons: each opens a small dialog with the file's name and its title (the view,
 * the run, its lr, the epoch shown), which the teacher may edit or leave off, then saves the view.
 * `charts`: {name: Chart}; `player`: the runs and the epoch shown.
 */
export function installPngDialog(charts, player) {
  const $ = (id) => document.getElementById(id);
  const dialog = $('png-dialog');
  let view = null;
  for (const btn of document.querySelectorAll('button.png')) {
    btn.addEventListener('click', () => {
      view = btn.dataset.chart;
      const name = t(`view.${view}`);
      $('png-heading').textContent = t('png.heading', { view: name });
      $('png-title').value = pngTitle(name, player.runs, player.epoch, player.total);
      $('png-name').textContent = pngName(view, player.runs, player.epoch);
      dialog.showModal();
      $('png-title').select();
    });
  }
  $('png-titled').addEventListener('change', (ev) => { $('png-title').disabled = !ev.target.checked; });
  $('png-cancel').addEventListener('click', () => dialog.close());
  dialog.querySelector('form').addEventListener('submit', () => { // the dialog closes itself
    const title = $('png-titled').checked ? $('png-title').value.trim() : '';
    charts[view].png($('png-name').textContent.replace(/\.png$/, ''), title);
  });
}
