// Export: the runs' history as CSV or JSON, the data points as CSV (a chart's PNG is the chart's own:
// views/chart.js). A CSV says what it holds: `#` lines on top with each run's settings, and a file
// name made of them. (Readers skip the `#` lines: pandas.read_csv(f, comment='#').)
import { save } from '../core/download.js';

const COLUMNS = ['epoch', 'loss', 'w', 'b', 'grad_w', 'grad_b'];
const quote = (s) => `"${String(s).replaceAll('"', '""')}"`;

/** The data set a config names, in words: "synthetic y = 2x + -1 + 1·ε, x = arange(-3, 3, 0.3)". */
export function datasetText(ds = {}) {
  if (ds.kind === 'builtin') return `builtin ${ds.name}`;
  if (ds.kind === 'upload') return `upload ${ds.id} (x: ${ds.x ?? 'first numeric'}, y: ${ds.y ?? 'second numeric'})`;
  if (ds.kind === 'points') return `points (${ds.x?.length ?? 0} given)`;
  const x = ds.n ? `linspace(${ds.x_start}, ${ds.x_stop}, ${ds.n})` : `arange(${ds.x_start}, ${ds.x_stop}, ${ds.x_step})`;
  return `synthetic y = ${ds.true_w}·x + ${ds.true_b} + ${ds.noise}·ε, x = ${x}`;
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
      + `${m.config.standardize ? '; standardized, as trained on' : ''}; x: ${m.dataset.x_label}, y: ${m.dataset.y_label}`,
    'x,y'];
  m.points.x.forEach((x, i) => lines.push(`${x},${m.points.y[i]}`));
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

export function historyJson(runs) {
  return JSON.stringify(runs.map((r) => ({ label: r.label, job: r.id, meta: r.meta, history: r.epochs,
    steps: r.steps, done: r.done })), null, 1);
}

export const downloadCsv = (runs) => save(new Blob([historyCsv(runs)], { type: 'text/csv' }), exportName('loss-history', runs, 'csv'));
export const downloadJson = (runs) => save(new Blob([historyJson(runs)], { type: 'application/json' }), exportName('runs', runs, 'json'));
export function downloadPointsCsv(run) {
  if (run?.meta) save(new Blob([pointsCsv(run)], { type: 'text/csv' }), exportName('data', [run], 'csv'));
}
