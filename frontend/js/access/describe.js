// The four views in words, for screen readers: each chart is a named figure whose description
// follows the run (epoch, loss, w, b, where the path is relative to the minimum, how it ended).
import { pointAt } from '../core/history.js';
import { fmt } from '../core/format.js';
import { ending } from './announce.js';
import { t, tr } from '../i18n/i18n.js';

export const VIEW_NAMES = { fit: 'figure.fit', loss: 'figure.loss', contour: 'figure.contour', surface: 'figure.surface' };

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
  if (d <= 0.005 * d0) return t('describe.atMinimum');
  const side = (v, name) => t(v > 0 ? 'describe.above' : 'describe.below', { name, by: num(Math.abs(v)) });
  let trend = '';
  if (k >= 1) {
    const before = dist(pointAt(run, k - 1));
    trend = t(d < before ? 'describe.closingIn' : 'describe.movingAway');
  }
  const share = Math.round((100 * d) / d0);
  return t('describe.where', { share, w: side(pt.w - ls.w, 'w'), b: side(pt.b - ls.b, 'b'), trend });
}

/** How the run ended, when it did and not plainly: "Diverged at epoch 22." */
function state(run) {
  if (run.error || (run.done && run.done.status !== 'completed')) return t('describe.ended', { how: ending(run) });
  return '';
}

function runHead(run, runs) {
  return runs.length > 1 ? `${run.label}: ` : '';
}

/** What view `name` shows of `runs` at epoch k (of `total`); `sel` is the run the fit view shows. */
export function describe(name, runs, k, total, sel = runs[0]) {
  const live = runs.filter((r) => r.meta);
  if (!live.length) return t('describe.noRun');
  const at = t('describe.after', { k, total });
  if (name === 'fit') {
    const pt = pointAt(sel, k);
    const ls = sel.meta?.least_squares;
    if (!pt) return t('describe.noRun');
    const loss = pt.loss === null || pt.loss === undefined ? '' : t('describe.lossPart', { loss: num(pt.loss) });
    return t('describe.fit', { n: sel.meta.n, at, line: line(pt.w, pt.b), loss })
      + `${ls ? t('describe.lsqLine', { line: line(ls.w, ls.b) }) : ''}${state(sel)}`;
  }
  if (name === 'loss') {
    const lsq = live[0].meta.least_squares?.loss;
    const parts = live.map((r) => {
      const first = r.epochs[0]?.loss;
      const now = pointAt(r, k)?.loss;
      if (first === undefined || now === null || now === undefined) return `${runHead(r, runs)}${t('describe.noEpoch')}`;
      const way = now < first ? 'describe.lossDown' : 'describe.lossUp';
      return `${runHead(r, runs)}${t(way, { first: num(first), now: num(now), k: Math.min(k, r.epochs.length) })}${state(r)}`;
    });
    return `${t('describe.lossHead', { at })} ${parts.join(' ')}${lsq !== undefined ? t('describe.lowest', { loss: num(lsq) }) : ''}`;
  }
  const ls = live[0].meta.least_squares;
  const minimum = ls ? t('describe.minimum', { w: num(ls.w), b: num(ls.b) }) : '';
  const parts = live.map((r) => {
    const pt = pointAt(r, k);
    const s = r.meta.start;
    const where = whereFromMinimum(r, k);
    const lossNow = pt.loss === null ? '' : t('describe.lossPart', { loss: num(pt.loss) });
    const args = { w0: num(s.w), b0: num(s.b), w: num(pt.w), b: num(pt.b), loss: lossNow, where: where ? `; ${where}` : '' };
    return `${runHead(r, runs)}${t(runs.length > 1 ? 'describe.path' : 'describe.pathOne', args)}${state(r)}`;
  });
  const lead = t(name === 'surface' ? 'describe.surfaceHead' : 'describe.contourHead', { at });
  return `${lead} ${minimum} ${parts.join(' ')}`;
}

/** Name each view's chart and point it at its description (a visually hidden paragraph). */
export function installDescriptions(names = Object.keys(VIEW_NAMES)) {
  for (const name of names) {
    const chart = document.getElementById(`chart-${name}`);
    chart.setAttribute('role', 'figure');
    tr(chart, null, { 'aria-label': VIEW_NAMES[name] });
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
