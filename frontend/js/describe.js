// The four views in words, for screen readers: each chart is a named figure whose description
// follows the run (epoch, loss, w, b, where the path is relative to the minimum, how it ended).
import { pointAt } from './history.js';
import { fmt } from './format.js';
import { ending } from './announce.js';

export const VIEW_NAMES = {
  fit: 'Fit: the data points and the current line y = w·x + b',
  loss: 'Loss curve: the loss at each epoch',
  contour: 'Loss contour over w and b, with the path of (w, b)',
  surface: 'Loss surface in 3D over w and b, with the path of (w, b)',
};

const num = (v) => fmt(v, 3).replace('-', '−');
const line = (w, b) => `y = ${num(w)}·x ${b < 0 ? '−' : '+'} ${num(Math.abs(b))}`;

/** Where (w, b) is after epoch k relative to the least-squares minimum, and which way it goes. */
export function whereFromMinimum(run, k) {
  const ls = run.meta?.least_squares;
  const pt = pointAt(run, k);
  if (!ls || !pt) return '';
  const start = run.meta.start;
  const dist = (p) => Math.hypot(p.w - ls.w, p.b - ls.b);
  const d = dist(pt);
  const d0 = dist(start) || 1;
  if (d <= 0.005 * d0) return 'at the minimum';
  const side = (v, name) => `${name} ${v > 0 ? 'above' : 'below'} it by ${num(Math.abs(v))}`;
  let trend = '';
  if (k >= 1) {
    const before = dist(pointAt(run, k - 1));
    trend = d < before ? ', closing in' : ', moving away';
  }
  const share = Math.round((100 * d) / d0);
  return `${share}% of the start's distance from the minimum (${side(pt.w - ls.w, 'w')}, ${side(pt.b - ls.b, 'b')})${trend}`;
}

/** How the run ended, when it did and not plainly: "Diverged at epoch 22." */
function state(run) {
  if (run.error || (run.done && run.done.status !== 'completed')) return ` It ${ending(run)}.`;
  return '';
}

function runHead(run, runs) {
  return runs.length > 1 ? `${run.label}: ` : '';
}

/** What view `name` shows of `runs` at epoch k (of `total`); `sel` is the run the fit view shows. */
export function describe(name, runs, k, total, sel = runs[0]) {
  const live = runs.filter((r) => r.meta);
  if (!live.length) return 'No run yet.';
  const at = `after epoch ${k} of ${total}`;
  if (name === 'fit') {
    const pt = pointAt(sel, k);
    const ls = sel.meta?.least_squares;
    if (!pt) return 'No run yet.';
    const loss = pt.loss === null || pt.loss === undefined ? '' : `, loss ${num(pt.loss)}`;
    return `${sel.meta.n} data points. The line ${at}: ${line(pt.w, pt.b)}${loss}.`
      + `${ls ? ` The least-squares line: ${line(ls.w, ls.b)}.` : ''}${state(sel)}`;
  }
  if (name === 'loss') {
    const lsq = live[0].meta.least_squares?.loss;
    const parts = live.map((r) => {
      const first = r.epochs[0]?.loss;
      const now = pointAt(r, k)?.loss;
      if (first === undefined || now === null || now === undefined) return `${runHead(r, runs)}no epoch yet.`;
      const way = now < first ? 'down' : 'up';
      return `${runHead(r, runs)}loss ${way} from ${num(first)} at epoch 1 to ${num(now)} at epoch ${Math.min(k, r.epochs.length)}.${state(r)}`;
    });
    return `${at[0].toUpperCase()}${at.slice(1)}. ${parts.join(' ')}${lsq !== undefined ? ` The lowest loss a line reaches: ${num(lsq)}.` : ''}`;
  }
  const ls = live[0].meta.least_squares;
  const minimum = ls ? `The minimum is at w = ${num(ls.w)}, b = ${num(ls.b)}.` : '';
  const parts = live.map((r) => {
    const pt = pointAt(r, k);
    const s = r.meta.start;
    const where = whereFromMinimum(r, k);
    const lossNow = pt.loss === null ? '' : `, loss ${num(pt.loss)}`;
    return `${runHead(r, runs) || 'The path goes '}from w = ${num(s.w)}, b = ${num(s.b)} to w = ${num(pt.w)}, b = ${num(pt.b)}${lossNow}`
      + `${where ? `; ${where}` : ''}.${state(r)}`;
  });
  const lead = name === 'surface' ? `Loss surface ${at}; the path lies on it.` : `Contour ${at}.`;
  return `${lead} ${minimum} ${parts.join(' ')}`;
}

/** Name each view's chart and point it at its description (a visually hidden paragraph). */
export function installDescriptions(names = Object.keys(VIEW_NAMES)) {
  for (const name of names) {
    const chart = document.getElementById(`chart-${name}`);
    chart.setAttribute('role', 'figure');
    chart.setAttribute('aria-label', VIEW_NAMES[name]);
    chart.setAttribute('aria-describedby', `desc-${name}`);
  }
}

/** Write the descriptions for the player's state (only what changed). */
export function updateDescriptions(p, sel) {
  for (const name of Object.keys(VIEW_NAMES)) {
    const el = document.getElementById(`desc-${name}`);
    const text = describe(name, p.runs, p.epoch, p.total, sel);
    if (el && el.textContent !== text) el.textContent = text;
  }
}
