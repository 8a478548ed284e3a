// The page's sufficient-statistics maths against the sums computed point by point.
import test from 'node:test';
import assert from 'node:assert/strict';
import { statsOf, add, leastSquares, mse, gradient, curvature, surfaceOf } from '../../../frontend/js/core/suffstats.js';

const pts = { x: [-2, -1, 0, 1.5, 3, 4], y: [-5.1, -2.8, -1.2, 2.2, 4.7, 7.4] };
const direct = (w, b) => pts.x.reduce((s, x, i) => s + (w * x + b - pts.y[i]) ** 2, 0) / pts.x.length;
const close = (a, b, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('the MSE and its gradient from the sums equal the point-by-point ones', () => {
  const s = statsOf(pts);
  for (const [w, b] of [[0, 0], [2, -1], [-3.5, 7]]) {
    close(mse(s, w, b), direct(w, b));
    const h = 1e-6;
    const g = gradient(s, w, b);
    close(g.w, (direct(w + h, b) - direct(w - h, b)) / (2 * h), 1e-6);
    close(g.b, (direct(w, b + h) - direct(w, b - h)) / (2 * h), 1e-6);
  }
});

test('least squares is where the gradient vanishes; moving a point updates the sums exactly', () => {
  const s = statsOf(pts);
  const ls = leastSquares(s);
  const g = gradient(s, ls.w, ls.b);
  close(g.w, 0); close(g.b, 0);
  close(ls.loss, direct(ls.w, ls.b));
  add(s, pts.x[2], pts.y[2], -1);
  add(s, 0.5, 9, 1);
  const moved = { x: [...pts.x], y: [...pts.y] };
  moved.x[2] = 0.5; moved.y[2] = 9;
  const fresh = statsOf(moved);
  for (const k of Object.keys(s)) close(s[k], fresh[k]);
  assert.equal(leastSquares(statsOf({ x: [1, 1], y: [0, 2] })), null);
});

test('curvature: H v = λ v for both eigen-pairs, κ = λmax/λmin, 2/λmax', () => {
  const c = curvature(statsOf(pts));
  c.eigenvectors.forEach(([vw, vb], i) => {
    const l = c.eigenvalues[i];
    close(c.hessian[0][0] * vw + c.hessian[0][1] * vb, l * vw);
    close(c.hessian[1][0] * vw + c.hessian[1][1] * vb, l * vb);
  });
  assert.ok(c.eigenvalues[0] <= c.eigenvalues[1]);
  close(c.condition_number, c.eigenvalues[1] / c.eigenvalues[0]);
  close(c.max_stable_lr, 2 / c.eigenvalues[1]);
  const grid = surfaceOf(statsOf(pts), { w_min: -1, w_max: 3, b_min: -2, b_max: 2 }, 5);
  close(grid.loss[4][0], direct(-1, 2));
});
