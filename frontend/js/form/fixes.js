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
