// Where a label goes on a chart's canvas: in the plot, clear of what it must never cover (a path's
// end marker, the ★, other labels) and, where it can, off the paths. Pure: the tests call it directly.

const PAD = 4;  // a label's distance from the plot's edge
const APART = 12; // ... and from what it must leave clear, so two labels never read as one

/** Whether boxes {l, r, t, b} `a` and `o` come within `pad` px of each other. */
const near = (a, o, pad) => a.l < o.r + pad && o.l < a.r + pad && a.t < o.b + pad && o.t < a.b + pad;

/** Whether the segment [x0, y0, x1, y1] passes through box {l, r, t, b} (Liang–Barsky). */
export function crosses([x0, y0, x1, y1], box) {
  const [dx, dy] = [x1 - x0, y1 - y0];
  let [t0, t1] = [0, 1];
  for (const [p, q] of [[-dx, x0 - box.l], [dx, box.r - x0], [-dy, y0 - box.t], [dy, box.b - y0]]) {
    if (p === 0) { if (q < 0) return false; continue; }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r); else t1 = Math.min(t1, r);
    if (t0 > t1) return false;
  }
  return true;
}

/** The segments of polylines of [x, y] px, each point less than 2 px from the last left out. */
export function segmentsOf(polylines) {
  const out = [];
  for (const line of polylines) {
    let last = null;
    for (const p of line) {
      if (!Number.isFinite(p[0] + p[1])) { last = null; continue; }
      if (last && Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < 2) continue;
      if (last) out.push([last[0], last[1], p[0], p[1]]);
      last = p;
    }
  }
  return out;
}

/**
 * The first of the `spots` [x, y] (a label's left end, on its baseline) where a label `width`×`size`
 * px, moved inside `box` if need be, comes near none of the boxes `taken` and crosses none of the
 * segments `lines`; failing that, the first clear of `taken` alone; null if none is.
 */
export function freeSpot(spots, width, size, box, taken, lines = []) {
  if (width + 2 * PAD > box.r - box.l || size + 2 * PAD > box.b - box.t) return null;
  const placed = spots.map(([x, y]) => {
    const l = Math.min(Math.max(x, box.l + PAD), box.r - PAD - width);
    const b = Math.min(Math.max(y, box.t + PAD + size), box.b - PAD);
    return { l, r: l + width, t: b - size, b };
  });
  const clear = (spot) => !taken.some((o) => near(spot, o, APART));
  const off = (spot) => !lines.some((seg) => crosses(seg, spot));
  return placed.find((s) => clear(s) && off(s)) ?? placed.find(clear) ?? null;
}
