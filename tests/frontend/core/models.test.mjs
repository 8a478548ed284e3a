// A run's model as the views draw it: curves, logistic regression's boundary, a polynomial's slice.
import test from 'node:test';
import assert from 'node:assert/strict';
import { predict, curve, boundary, sliceAxes, onAxes, viewSurface, paramsOf, noMinimumWhy, isWB, modelKind } from '../../../frontend/js/core/models.js';

const close = (a, b) => Math.abs(a - b) < 1e-12;

test('each model predicts ŷ from its parameters', () => {
  assert.equal(predict('line', [2, -1], 3), 5);
  assert.equal(predict('logistic', [2, -1], 0.5), 0.5);
  assert.ok(close(predict('logistic', [1, 0], 2), 1 / (1 + Math.exp(-2))));
  assert.equal(predict('poly', [1, 2, 3], 2), 1 + 4 + 12); // b0 + b1·x + b2·x²
});

test('a line is drawn by its ends, a curve through many points; nothing for a non-finite fit', () => {
  assert.deepEqual(curve('line', [2, -1], [0, 1]), { x: [0, 1], y: [-1, 1] });
  const s = curve('logistic', [4, 0], [-1, 1], 5);
  assert.deepEqual(s.x, [-1, -0.5, 0, 0.5, 1]);
  assert.equal(s.y[2], 0.5);
  assert.ok(s.y.every((v, i) => i === 0 || v > s.y[i - 1]));
  assert.deepEqual(curve('poly', [0, NaN], [0, 1]), { x: [], y: [] });
  assert.deepEqual(curve('line', null, [0, 1]), { x: [], y: [] });
});

test("logistic regression's 0.5 boundary is at x = −b/w", () => {
  assert.equal(boundary([2, -1]), 0.5);
  assert.equal(boundary([0, 1]), null);
});

test("a polynomial's slice: the API's default axes, the picked ones, and records on them", () => {
  const names = ['b0', 'b1', 'b2', 'b3'];
  assert.deepEqual(sliceAxes(names), ['b3', 'b0']);
  assert.deepEqual(sliceAxes(names, ['b1', 'b2']), ['b1', 'b2']);
  assert.deepEqual(sliceAxes(names, ['b1', 'b1']), ['b3', 'b0']);
  assert.deepEqual(sliceAxes(['w', 'b']), ['w', 'b']);
  const rec = onAxes({ params: [1, 2, 3, 4], grads: [0.1, 0.2, 0.3, 0.4] }, [1, 2]);
  assert.deepEqual([rec.w, rec.b, rec.grad_w, rec.grad_b], [2, 3, 0.2, 0.3]);
  assert.deepEqual(paramsOf(rec), [1, 2, 3, 4]);
  assert.deepEqual(paramsOf({ w: 1, b: 2 }), [1, 2]);
  assert.deepEqual(paramsOf(undefined, { start_params: [5, 6] }), [5, 6]);
  assert.equal(isWB({ param_names: ['w', 'b'] }), true);
  assert.equal(isWB({ param_names: names }), false);
  assert.equal(modelKind({ config: { model: { kind: 'poly', degree: 3 } } }), 'poly');
  assert.equal(modelKind({ config: {} }), 'line');
});

test("a slice's surface answer reads as (w, b): its axes, window and lowest point", () => {
  const s = viewSurface({ x: [0, 1], y: [2, 3], w: null, b: null, loss: [[1, 2], [3, 4]],
    window: { x_min: 0, x_max: 1, y_min: 2, y_max: 3 }, slice: { axes: ['b2', 'b0'], lowest: { x: 0.5, y: 2.5, loss: 0.7 } },
    least_squares: { params: [1, 2, 3], loss: 0.1 }, minimum: null });
  assert.deepEqual([s.w, s.b], [[0, 1], [2, 3]]);
  assert.deepEqual([s.window.w_min, s.window.w_max, s.window.b_min, s.window.b_max], [0, 1, 2, 3]);
  assert.deepEqual(s.least_squares, { w: 0.5, b: 2.5, loss: 0.7 });
  assert.equal(s.sliceLowest, true);
  const wb = { w: [0], b: [0], window: {} };
  assert.equal(viewSurface(wb), wb);
});

test("why logistic regression has no minimum, from the server's reason", () => {
  assert.deepEqual(noMinimumWhy('the classes are separated at x = 0.15: a steeper S-curve …'), ['why.separable', { x: '0.15' }]);
  assert.deepEqual(noMinimumWhy('every y is 1: the loss keeps falling as b → +∞, …'), ['why.oneClass', { y: '1', sign: '+' }]);
  assert.deepEqual(noMinimumWhy('no finite minimum found'), ['why.noMinimum', {}]);
});
