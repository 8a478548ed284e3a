// A run's model as the views draw it: curves, logistic regression's boundary, a polynomial's slice.
import test from 'node:test';
import assert from 'node:assert/strict';
import { predict, curve, boundary, sliceAxes, onAxes, viewSurface, paramsOf, noMinimumWhy, isWB, modelKind,
  netSpec, netSize, network, project, toPlane, planeSurface } from '../../../frontend/js/core/models.js';

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

test("a network's curve is its layers written out, each weight row-major then its bias", () => {
  const meta = { config: { model: { kind: 'mlp', hidden: [2], activation: 'tanh' }, loss: 'mse' } };
  const net = netSpec(meta);
  assert.deepEqual(net, { widths: [1, 2, 1], act: 'tanh', prob: false });
  assert.equal(netSize([1, 16, 1]), 49);
  assert.equal(netSize([1, 64, 64, 1]), 4353);
  const params = [1, 2, 0, -1, 3, -2, 0.5]; // W1 = [1, 2], b1 = [0, −1], W2 = [3, −2], b2 = 0.5
  const want = (x) => 3 * Math.tanh(x) - 2 * Math.tanh(2 * x - 1) + 0.5;
  for (const x of [-2, 0, 0.7]) assert.ok(close(network(net, params, x), want(x)));
  assert.ok(close(predict('mlp', params, 0.7, { ...net, act: 'relu' }), 3 * 0.7 - 2 * 0.4 + 0.5));
  assert.ok(close(network({ ...net, prob: true }, params, 0.7), 1 / (1 + Math.exp(-want(0.7)))));
  assert.ok(Number.isNaN(network(net, [1, 2], 0))); // a plane's (a, b) is not the network's θ
  assert.deepEqual(curve('mlp', [1, 2], [0, 1], 5, net), { x: [], y: [] });
  assert.equal(curve('mlp', params, [0, 1], 5, net).y.length, 5);
  assert.deepEqual(paramsOf({ w: 0.1, b: 0.2 }, { ...meta, start_params: [9] }), [9]);
});

test('a point is projected on a plane by least squares, with its distance from it', () => {
  const plane = { origin: [1, 1, 1], directions: [[2, 0, 0], [1, 1, 0]] }; // not orthogonal
  const { a, b, off } = project([1 + 2 * 0.5 + 3, 1 + 3, 1 + 4], plane); // 0.5·d1 + 3·d2 + 4·e3
  assert.ok(close(a, 0.5) && close(b, 3) && close(off, 4));
  const rec = toPlane({ epoch: 1, params: [1, 1, 1] }, plane);
  assert.ok(close(rec.w, 0) && close(rec.b, 0) && close(rec.off, 0));
  // beyond 64 parameters: the server's path by epoch
  const big = toPlane({ epoch: 7, loss: 1 }, { directions: null }, () => [0.1, 0.2, 0.3]);
  assert.deepEqual([big.w, big.b, big.off], [0.1, 0.2, 0.3]);
  const s = planeSurface({ plane: 'pca', a: [-1, 0, 1], b: [-2, 0, 2], z: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] });
  assert.deepEqual(s.window, { w_min: -1, w_max: 1, b_min: -2, b_max: 2, x_min: -1, x_max: 1, y_min: -2, y_max: 2 });
  assert.equal(s.loss, s.z);
  assert.equal(s.minimum, null);
});
