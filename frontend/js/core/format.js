// Numbers as the page prints them.

/** `digits` significant digits; a missing value as a dash. */
export const fmt = (v, digits = 4) => (v === null || v === undefined ? '—' : Number(v).toPrecision(digits));
