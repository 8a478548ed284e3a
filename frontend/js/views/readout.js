// The player's two lines of numbers: what epoch k did (loss, gradients, where the step landed) and
// what a statistics teacher reads off the data: the least-squares line, its loss and R², the line
// in the data's own units when it trains standardized, and the run's own loss's minimum. Logistic
// regression has no least squares: its minimum (or why there is none); a polynomial lists its
// coefficients.
import { pointAt } from '../core/history.js';
import { modelKind, paramsOf, boundary, noMinimumWhy } from '../core/models.js';
import { fmt } from '../core/format.js';
import { t } from '../i18n/i18n.js';

const num = (v, digits = 4) => fmt(v, digits).replace('-', '−');
const signed = (v, digits = 4) => `${v < 0 ? '−' : '+'} ${num(Math.abs(v), digits)}`;
const rawLabel = (label) => label.replace(/^z\((.*)\)$/, '$1');

/** Epoch k's loss and gradients are taken before its update (as the lesson's loop prints them);
 *  w and b are where that update lands: "loss … gradients → w, b". */
export function epochReadout(run, k) {
  const pt = run?.meta ? pointAt(run, k) : null;
  if (!pt) return '';
  const kind = modelKind(run.meta);
  const poly = kind === 'poly'; // its up to ten coefficients in 3 digits
  const net = kind === 'mlp'; // its many parameters: their count, and where the plane shows them
  const params = paramsOf(pt, run.meta) ?? [];
  const landed = net ? netLanded(run.meta, pt)
    : poly ? run.meta.param_names.map((n, i) => `${n} = ${fmt(params[i], 3)}`).join('  ') : `w = ${fmt(pt.w)}   b = ${fmt(pt.b)}`;
  if (k === 0 || pt.loss === null) {
    // the first full-batch update's loss is the start's own: the guess's loss, before any update
    const first = run.meta.steps_per_epoch === 1 ? run.epochs[0]?.loss : undefined;
    const loss = first === undefined ? '' : `   ${t('readout.loss')} = ${fmt(first)}`;
    return `${t('readout.start', { landed })}${loss}`;
  }
  const parts = [`${t('readout.loss')} = ${fmt(pt.loss)}`];
  if ((poly || net) && pt.grads) parts.push(`‖∇loss‖ = ${fmt(Math.hypot(...pt.grads), 3)}`);
  else if (pt.grad_w !== undefined) parts.push(`∂loss/∂w = ${fmt(pt.grad_w, 3)}`, `∂loss/∂b = ${fmt(pt.grad_b, 3)}`);
  return `${parts.join('   ')}   → ${t('readout.step')} →   ${landed}`;
}

/** A polynomial's slice as its views say it: "slice: b9, b0 at epoch 12; the other coefficients fixed". */
export function sliceText(slice) {
  if (!slice || slice.axes.join() === 'w,b') return '';
  return t('view.slice', { x: slice.axes[0], y: slice.axes[1], epoch: slice.at_epoch ?? 0 });
}

/** A network's parameters in the readout: how many, and their place on the plane shown. */
function netLanded(meta, pt) {
  const count = t('readout.netParams', { n: meta.param_names.length });
  return Number.isFinite(pt.w) ? `${count} (a = ${fmt(pt.w, 3)}, b = ${fmt(pt.b, 3)})` : count;
}

/** A network's plane as the views say it: "a plane through 2 of 49 dimensions …; the path is 0.8 off
 *  it at epoch 12" (`surface`: the plane shown; `run`'s record at epoch k gives the distance). */
export function planeText(surface, run, k) {
  if (!surface?.plane) return '';
  const at = run ? pointAt(run, k) : null;
  const kind = surface.plane === 'pca'
    ? t('plane.pca', { first: Math.round(100 * surface.explained[0]), second: Math.round(100 * surface.explained[1]) })
    : t('plane.random');
  const where = at && Number.isFinite(at.off)
    ? t('plane.off', { d: at.off < 1e-12 ? '0' : fmt(at.off, 2), epoch: Math.min(k, run.epochs.length) })
    : '';
  return t('plane.note', { dims: surface.dims, kind }) + where;
}

/** A standardized fit (w, b) in z-scores as the line in the data's units: slope and intercept. */
export function inRawUnits({ w, b }, scale) {
  const slope = (w * scale.y_std) / scale.x_std;
  return { slope, intercept: scale.y_mean + scale.y_std * b - slope * scale.x_mean };
}

/** The parameters as the readout writes them: "w = 0.8069   b = 0.000", "b0 = 1.000  b1 = …". */
function named(meta, best) {
  const names = meta.param_names ?? ['w', 'b'];
  const params = best.params ?? [best.w, best.b];
  return names.length > 2 ? names.map((n, i) => `${n} = ${num(params[i], 3)}`).join('  ') : names.map((n, i) => `${n} = ${num(params[i])}`).join('   ');
}

/** Logistic regression's minimum and its decision boundary, or why the path walks off forever. */
function logisticReadout(meta) {
  const min = meta.minimum;
  if (!min) return '';
  if (!min.params) {
    const [key, params] = noMinimumWhy(min.reason ?? '');
    return `${t('readout.noMinimum')}: ${t(key, params)}`;
  }
  const loss = min.loss_name.toUpperCase();
  const cut = boundary(min.params);
  const parts = [`★ ${t('readout.theMinimum')}: ${named(meta, min)}   ${loss} = ${num(min.loss)}`];
  if (cut !== null) parts.push(`${t('readout.boundary')}: x = ${num(cut)}`);
  return parts.join('   ·   ');
}

/** The least-squares fit (and R²), in raw units too when standardized, and ★ the loss's own minimum;
 *  logistic regression's minimum. */
export function fitReadout(meta) {
  if (modelKind(meta) === 'logistic') return logisticReadout(meta);
  if (modelKind(meta) === 'mlp') return t('readout.netMinimum');
  const ls = meta?.least_squares;
  if (!ls) return '';
  if (ls.params && ls.w === undefined) { // a polynomial: its coefficients
    const loss = (meta.config?.loss ?? 'mse').toUpperCase();
    const parts = [`${t('readout.leastSquares')}: ${named(meta, ls)}   ${loss} = ${num(ls.loss)}${ls.r2 === null || ls.r2 === undefined ? '' : `   R² = ${fmt(ls.r2, 3)}`}`];
    const min = meta.minimum;
    if (min?.params && ['mae', 'huber'].includes(min.loss_name)) parts.push(`★ ${t('readout.minimum', { loss: min.loss_name.toUpperCase() })}: ${named(meta, min)}`);
    return parts.join('   ·   ');
  }
  const loss = meta.config?.loss ?? 'mse';
  const scale = meta.dataset?.scale;
  const b = scale && Math.abs(ls.b) < 1e-6 ? 0 : ls.b; // z-scores: 0 in theory, float32 rounding in fact
  const parts = [`${t('readout.leastSquares')}: w = ${num(ls.w)}   b = ${num(b)}   ${loss.toUpperCase()} = ${num(ls.loss)}`];
  if (ls.r2 !== null && ls.r2 !== undefined) parts[0] += `   R² = ${fmt(ls.r2, 3)}`;
  if (scale) {
    const { slope, intercept } = inRawUnits(ls, scale);
    const [x, y] = [rawLabel(meta.dataset.x_label), rawLabel(meta.dataset.y_label)];
    parts.push(`${t('readout.inUnits')}: ${y} = ${num(slope)}·${x} ${signed(intercept)}`);
  }
  const min = meta.minimum;
  if (min && min.loss_name !== 'mse') {
    parts.push(`★ ${t('readout.minimum', { loss: min.loss_name.toUpperCase() })}: w = ${num(min.w)}   b = ${num(min.b)}   ${min.loss_name.toUpperCase()} = ${num(min.loss)}`);
  }
  return parts.join('   ·   ');
}
