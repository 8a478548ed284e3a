// The contour's (w, b) window: it fits the paths, and takes the plot's shape so the axes keep one
// scale (a round bowl looks round) where that does not squeeze the path into a sliver.
import test from 'node:test';
import assert from 'node:assert/strict';
import { windowFor, shaped, toScale } from '../../../frontend/js/views/viewwindow.js';

const run = (points, done = null) => ({
  meta: { start: points[0] }, done,
  epochs: points.slice(1).map((p, i) => ({ epoch: i + 1, ...p })), steps: [],
});
const span = (win) => [win.w_max - win.w_min, win.b_max - win.b_min];

test('a window takes the shape of its plot: its shorter side widened about its middle', () => {
  const win = shaped({ w_min: 0, w_max: 4, b_min: -1, b_max: 1 }, 1); // 4 × 2 in a square plot
  assert.deepEqual(win, { w_min: 0, w_max: 4, b_min: -2, b_max: 2 });
  assert.ok(toScale(win, 1));
  const tall = shaped({ w_min: 0, w_max: 1, b_min: 0, b_max: 1 }, 2); // a plot twice as wide as high
  assert.deepEqual(span(tall), [2, 1]);
  assert.equal(tall.w_min, -0.5);
});

test('a path that equal scales would squeeze into a sliver keeps its window: not to scale', () => {
  const sliver = { w_min: -1e18, w_max: 1e18, b_min: -1e17, b_max: 1e17 }; // 10 : 1 in a 1.6 : 1 plot
  assert.deepEqual(shaped(sliver, 1.6), sliver);
  assert.equal(toScale(sliver, 1.6), false);
  assert.equal(toScale(null, 1.6), false);
  assert.equal(toScale(sliver, null), false);
});

test('windowFor fits the path and the plot; a window of another shape is fetched again', () => {
  const r = run([{ w: 0, b: 0 }, { w: 1, b: -0.5 }, { w: 1.5, b: -0.8 }]);
  const lsq = { w: 1.7, b: -1 };
  const plain = windowFor(null, [r], 2, lsq);
  const square = windowFor(null, [r], 2, lsq, 1);
  assert.ok(toScale(square, 1) && !toScale(plain, 1));
  assert.ok(square.w_min <= plain.w_min && square.b_min <= plain.b_min); // a superset
  assert.equal(windowFor(square, [r], 2, lsq, 1), null); // it fits: kept
  assert.deepEqual(windowFor(plain, [r], 2, lsq, 1), square); // the view was enlarged: its shape
  assert.equal(windowFor(plain, [r], 2, lsq), null); // without a plot's shape, as before
});
