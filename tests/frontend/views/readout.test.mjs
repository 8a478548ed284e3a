// What the readout says about the data: least squares, R², the raw-unit line, the loss's minimum.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fitReadout, inRawUnits } from '../../../frontend/js/views/readout.js';

const cars = { x_mean: 15.4, x_std: 5.2345, y_mean: 42.98, y_std: 25.5104 };

test('a standardized fit in raw units: cars, dist = 3.932·speed − 17.58', () => {
  const { slope, intercept } = inRawUnits({ w: 0.80689, b: 0 }, cars);
  assert.ok(Math.abs(slope - 3.932) < 1e-3 && Math.abs(intercept + 17.58) < 1e-2);
});

test('fitReadout gives w, b, loss and R², the raw line, and the MAE minimum', () => {
  const meta = {
    config: { loss: 'mae' },
    least_squares: { w: 0.80689, b: 0, loss: 0.45, r2: 0.6511 },
    minimum: { w: 0.6976, b: -0.087, loss: 0.442, loss_name: 'mae' },
    dataset: { x_label: 'z(speed (mph))', y_label: 'z(stopping distance (ft))', scale: cars },
  };
  const text = fitReadout(meta);
  assert.match(text, /least squares: w = 0\.8069 {3}b = 0\.000 {3}MAE = 0\.4500 {3}R² = 0\.651/);
  assert.match(text, /in the data's units: stopping distance \(ft\) = 3\.932·speed \(mph\) − 17\.58/);
  assert.match(text, /★ MAE minimum: w = 0\.6976 {3}b = −0\.08700/);
  assert.doesNotMatch(fitReadout({ ...meta, config: { loss: 'mse' }, minimum: { ...meta.least_squares, loss_name: 'mse' }, dataset: { scale: null } }), /minimum|units/);
});

test("logistic regression's readout: its minimum and boundary, or why there is none", () => {
  const meta = { config: { loss: 'bce', model: { kind: 'logistic' } }, param_names: ['w', 'b'], least_squares: null,
    minimum: { w: 3.044, b: -2.284, params: [3.044, -2.284], loss: 0.1794, loss_name: 'bce' } };
  const text = fitReadout(meta);
  assert.match(text, /★ the minimum: w = 3\.044 {3}b = −2\.284 {3}BCE = 0\.1794/);
  assert.match(text, /decision boundary σ = 0\.5: x = 0\.750/);
  assert.doesNotMatch(text, /least squares/);
  const apart = fitReadout({ ...meta, minimum: { w: null, b: null, params: null, loss: null, loss_name: 'bce',
    reason: 'the classes are separated at x = 0.45: a steeper S-curve …' } });
  assert.match(apart, /^no minimum: the classes are separated at x = 0\.45: .*forever$/);
});

test("a polynomial's readout lists its least-squares coefficients", () => {
  const meta = { config: { loss: 'mse', model: { kind: 'poly', degree: 2 } }, param_names: ['b0', 'b1', 'b2'],
    least_squares: { params: [1, -0.5, 0.25], loss: 0.02, r2: 0.97 }, minimum: { params: [1, -0.5, 0.25], loss_name: 'mse' } };
  assert.match(fitReadout(meta), /^least squares: b0 = 1\.00 {2}b1 = −0\.500 {2}b2 = 0\.250 {3}MSE = 0\.02000 {3}R² = 0\.970$/);
});
