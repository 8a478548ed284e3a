// What a diverged run's banner offers: one-click fixes, each with its numbers, each a change of
// the page's settings that the page applies and runs. Pure: the tests call it directly.
import { t } from '../i18n/i18n.js';

/** A short number as people write it: 0.33, 0.0038, 12. */
const short = (v) => String(Number(v.toPrecision(2)));

/** The largest one-significant-digit number below `limit`, at most 95% of it: 0.33 -> 0.3, 1 -> 0.9. */
export function lrBelow(limit) {
  const target = 0.95 * limit;
  const unit = 10 ** Math.floor(Math.log10(target));
  return Number((Math.floor(target / unit) * unit).toPrecision(1));
}

/** [{label, changes}] for a run of `state` whose meta is `meta` (null if it never came). */
export function divergeFixes(state, meta) {
  const fixes = [];
  if (!state.standardize) fixes.push({ label: t('fix.standardize'), changes: { standardize: true } });
  const limit = meta?.curvature?.max_stable_lr;
  if (limit && state.lr >= lrBelow(limit)) {
    const lr = lrBelow(limit);
    fixes.push({ label: t('fix.lrBelow', { lr: short(lr), limit: short(limit) }), changes: { lr } });
  } else if (typeof state.lr === 'number') {
    const lr = Number((state.lr / 10).toPrecision(2));
    fixes.push({ label: t('fix.lrTenth', { lr: short(lr) }), changes: { lr } });
  }
  return fixes;
}

// ---- after a fix: did it cure the run, and what becomes of its lr

const TOLERANCE = 0.01; // a run within 1 % of its loss's minimum has converged
const TARGET = 0.005;    // what "run longer" aims for: within 0.5 %

/** A round number of epochs, up: 1, 1.5, 2, 3, 4, 5, 6 or 8 × 10ⁿ (288 -> 300, 2772 -> 3000). */
export function roundEpochs(n) {
  const unit = 10 ** Math.floor(Math.log10(Math.max(1, n)));
  return [1, 1.5, 2, 3, 4, 5, 6, 8, 10].map((m) => m * unit).find((v) => v >= n);
}

/** {loss, min} when a finished run (its `meta`, its last epoch `last`) ended more than 1 % above
 *  its loss's minimum; else null. */
export function notConverged(meta, last) {
  const min = meta?.minimum?.loss ?? meta?.least_squares?.loss;
  if (!last || !Number.isFinite(last.loss) || !(min >= 0)) return null;
  return last.loss - min > TOLERANCE * Math.max(min, 1e-12) ? { loss: last.loss, min } : null;
}

/**
 * The epochs that would bring a run of `state` (its `meta`) from `loss` to within 0.5 % of `min`,
 * a round number, at most `max`. Full-batch plain gradient descent on MSE closes the gap by
 * (1 − lr·λ_min)² an epoch (λ_min: the loss's smallest curvature); for anything else, four times
 * the epochs.
 */
export function moreEpochs(state, meta, { loss, min }, max) {
  const lambda = Math.min(...(meta?.curvature?.eigenvalues ?? []));
  const plain = ['manual', 'sgd'].includes(state.mode) && state.optimizer === 'sgd' && meta?.config?.loss === 'mse';
  const shrink = (1 - state.lr * lambda) ** 2;
  let total = 4 * state.epochs;
  if (plain && lambda > 0 && shrink > 0 && shrink < 1) {
    total = state.epochs + Math.log((TARGET * Math.max(min, 1e-12)) / (loss - min)) / Math.log(shrink);
  }
  return Math.min(max, roundEpochs(Math.max(total, state.epochs + 1)));
}

const FIXED = ['lr', 'epochs']; // what a fix sets that belongs to the data it was found for

/**
 * What a fix set (`changes`' lr and epochs) and what that replaced (in `before`), for the data it
 * was found for (the `keys` of the state that say the data); `earlier`: the last fix's, which a
 * fix on the same data adds to (its "run longer" after its lr: the rates replaced stay the first).
 * {set, was, data}, or `earlier` when the fix sets neither.
 */
export function fixedSettings(before, changes, keys, earlier = null) {
  const own = FIXED.filter((k) => changes[k] !== undefined);
  if (!own.length) return earlier;
  const data = JSON.stringify(keys.map((k) => ({ ...before, ...changes })[k]));
  const base = earlier?.data === data ? earlier : { set: {}, was: {} };
  const [set, was] = [{ ...base.set }, { ...base.was }];
  for (const k of own) {
    if (!(k in was)) was[k] = before[k];
    set[k] = changes[k];
  }
  return { set, was, data };
}

/** What becomes of a fix's settings (`fixed`) in a form that shows `state`: 'kept' (the same data
 *  and settings), 'restore' (other data: the settings go back to those the fix replaced), or 'gone'
 *  (one was changed by hand). */
export function fixedFate(fixed, state, keys) {
  if (Object.entries(fixed.set).some(([k, v]) => state[k] !== v)) return 'gone';
  return JSON.stringify(keys.map((k) => state[k])) === fixed.data ? 'kept' : 'restore';
}
