// The MSE of a line on a data set from its sufficient statistics (n, Σx, Σy, Σx², Σxy, Σy²), as the
// server's surface.py computes it: least squares, the loss and its gradient at any (w, b), the loss
// over a grid and the Hessian's eigen-axes cost the same for 20 points or 10,000. Moving one point
// updates the sums in O(1). No DOM: tests/frontend/core/suffstats.test.mjs runs it in node.

/** The sums of points {x: [...], y: [...]}. */
export function statsOf({ x, y }) {
  const s = { n: 0, sx: 0, sy: 0, sxx: 0, sxy: 0, syy: 0 };
  for (let i = 0; i < x.length; i += 1) add(s, x[i], y[i], 1);
  return s;
}

/** Add (sign 1) or remove (sign −1) the point (x, y) from the sums, in place. */
export function add(s, x, y, sign = 1) {
  s.n += sign;
  s.sx += sign * x;
  s.sy += sign * y;
  s.sxx += sign * x * x;
  s.sxy += sign * x * y;
  s.syy += sign * y * y;
  return s;
}

/** The least-squares line {w, b, loss}; null when every x is the same. */
export function leastSquares(s) {
  const den = s.n * s.sxx - s.sx * s.sx;
  if (!(Math.abs(den) > 1e-12 * Math.max(1, s.n * s.sxx))) return null;
  const w = (s.n * s.sxy - s.sx * s.sy) / den;
  const b = (s.sy - w * s.sx) / s.n;
  return { w, b, loss: mse(s, w, b) };
}

/** Mean of (w·x + b − y)² expanded in the sums. */
export function mse(s, w, b) {
  const v = (s.syy - 2 * w * s.sxy - 2 * b * s.sy + w * w * s.sxx + 2 * w * b * s.sx + s.n * b * b) / s.n;
  return Math.max(0, v);
}

/** ∂MSE/∂w and ∂MSE/∂b at (w, b). */
export function gradient(s, w, b) {
  return {
    w: (2 * (w * s.sxx + b * s.sx - s.sxy)) / s.n,
    b: (2 * (w * s.sx + b * s.n - s.sy)) / s.n,
  };
}

/** The Hessian of the MSE in (w, b), its eigenvalues [λ_min, λ_max] and eigenvectors (one (w, b)
 *  per eigenvalue), condition number and 2/λ_max — the same fields as the server's meta.curvature. */
export function curvature(s) {
  const a = (2 * s.sxx) / s.n;
  const c = (2 * s.sx) / s.n;
  const d = 2;
  const mid = (a + d) / 2;
  const r = Math.hypot((a - d) / 2, c);
  const lo = mid - r;
  const hi = mid + r;
  // eigenvector of the symmetric [[a, c], [c, d]] for λ: (c, λ − a), or an axis when c = 0
  const vec = (l) => {
    if (Math.abs(c) < 1e-15) return (l === hi) === (a >= d) ? [1, 0] : [0, 1];
    const [u, v] = [c, l - a];
    const norm = Math.hypot(u, v);
    return [u / norm, v / norm];
  };
  return {
    hessian: [[a, c], [c, d]],
    eigenvalues: [lo, hi],
    eigenvectors: [vec(lo), vec(hi)],
    condition_number: lo > 0 ? hi / lo : null,
    max_stable_lr: 2 / hi,
  };
}

/** The MSE over a grid, in the shape GET /api/jobs/{id}/surface answers: {window, w, b, loss[b][w], least_squares}. */
export function surfaceOf(s, window, resolution = 60) {
  const steps = (lo, hi) => Array.from({ length: resolution }, (_, i) => lo + ((hi - lo) * i) / (resolution - 1));
  const w = steps(window.w_min, window.w_max);
  const b = steps(window.b_min, window.b_max);
  const loss = b.map((bj) => w.map((wi) => mse(s, wi, bj)));
  const ls = leastSquares(s);
  return { window, w, b, loss, least_squares: ls ? { w: ls.w, b: ls.b } : { w: NaN, b: NaN } };
}

/** A window around the least-squares point spanning `spread` of each coordinate's natural scale. */
export function windowAround(s, { w, b }) {
  const varx = Math.max(1e-12, s.sxx / s.n - (s.sx / s.n) ** 2);
  const vary = Math.max(1e-12, s.syy / s.n - (s.sy / s.n) ** 2);
  const dw = 2 * Math.sqrt(vary / varx) + 1;
  const db = 2 * Math.sqrt(vary) + Math.abs(s.sx / s.n) * dw + 1;
  return { w_min: w - dw, w_max: w + dw, b_min: b - db, b_max: b + db };
}
