// Numbers as the page prints them.

/** `digits` significant digits; a missing value as a dash. */
export const fmt = (v, digits = 4) => (v === null || v === undefined ? '—' : Number(v).toPrecision(digits));

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
/** A power of ten as people write it: 10⁻⁵, 2×10⁻⁵. */
export function power(v) {
  const e = Math.floor(Math.log10(v) + 1e-9);
  const m = Number((v / 10 ** e).toPrecision(2));
  return `${m === 1 ? '' : `${m}×`}10${[...String(e)].map((c) => SUPERSCRIPT[c]).join('')}`;
}

/**
 * Ticks for a log axis of learning rates `values`: the rates themselves when there are a few (a step
 * schedule, a live change), else 1-2-5 (or whole decades) across them; written as plain numbers
 * (0.1, 0.05) or, when one is below 0.001, all as powers of ten. {tickvals, ticktext}.
 */
export function rateTicks(values) {
  const vs = [...new Set(values.filter((v) => v > 0 && Number.isFinite(v)))].sort((a, b) => a - b);
  let ticks = vs;
  if (vs.length > 4) {
    const [lo, hi] = [vs[0], vs.at(-1)];
    const decades = Math.log10(hi / lo);
    const steps = decades > 2 ? [1] : decades > 0.6 ? [1, 2, 5] : [1, 1.5, 2, 3, 5, 7];
    ticks = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e += 1) {
      for (const m of steps) {
        const v = Number((m * 10 ** e).toPrecision(2));
        if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
      }
    }
    if (ticks.length < 2) ticks = [lo, hi].map((v) => Number(v.toPrecision(2)));
    while (ticks.length > 6) ticks = ticks.filter((_, i) => i % 2 === 0);
  }
  const plain = ticks.every((v) => v >= 1e-3);
  return { tickvals: ticks, ticktext: ticks.map((v) => (plain ? String(Number(v.toPrecision(3))) : power(v))) };
}
