// The player's two lines of numbers: what epoch k did (loss, gradients, where the step landed) and
// what a statistics teacher reads off the data: the least-squares line, its loss and R², the line
// in the data's own units when it trains standardized, and the run's own loss's minimum.
import { pointAt } from '../core/history.js';
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
  const landed = `w = ${fmt(pt.w)}   b = ${fmt(pt.b)}`;
  if (k === 0 || pt.loss === null) {
    // the first full-batch update's loss is the start's own: the guess's loss, before any update
    const first = run.meta.steps_per_epoch === 1 ? run.epochs[0]?.loss : undefined;
    const loss = first === undefined ? '' : `   ${t('readout.loss')} = ${fmt(first)}`;
    return `${t('readout.start', { landed })}${loss}`;
  }
  const parts = [`${t('readout.loss')} = ${fmt(pt.loss)}`];
  if (pt.grad_w !== undefined) parts.push(`∂loss/∂w = ${fmt(pt.grad_w, 3)}`, `∂loss/∂b = ${fmt(pt.grad_b, 3)}`);
  return `${parts.join('   ')}   → ${t('readout.step')} →   ${landed}`;
}

/** A standardized fit (w, b) in z-scores as the line in the data's units: slope and intercept. */
export function inRawUnits({ w, b }, scale) {
  const slope = (w * scale.y_std) / scale.x_std;
  return { slope, intercept: scale.y_mean + scale.y_std * b - slope * scale.x_mean };
}

/** The least-squares line (and R²), in raw units too when standardized, and ★ the loss's own minimum. */
export function fitReadout(meta) {
  const ls = meta?.least_squares;
  if (!ls) return '';
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
