// The run-history helpers the views read.
import test from 'node:test';
import assert from 'node:assert/strict';
import { pointAt, historyTo, sameSurface } from '../../../frontend/js/core/history.js';

const run = { meta: { start: { w: 0.5, b: -0.2 } }, epochs: [{ w: 1, b: 0, loss: 3 }, { w: 2, b: 1, loss: 1 }] };

test('pointAt: the start at epoch 0, the last that arrived beyond it', () => {
  assert.deepEqual(pointAt(run, 0), { w: 0.5, b: -0.2, loss: null });
  assert.deepEqual(pointAt(run, 1), { w: 1, b: 0, loss: 3 });
  assert.deepEqual(pointAt(run, 9), { w: 2, b: 1, loss: 1 });
  assert.equal(pointAt({ meta: null, epochs: [] }, 3), null);
});

test('historyTo clamps to what arrived', () => {
  assert.equal(historyTo(run, 1).length, 1);
  assert.equal(historyTo(run, 5).length, 2);
  assert.equal(historyTo(run, -1).length, 0);
});

test('sameSurface compares grid and values', () => {
  const s = { window: { w_min: 0 }, w: [0, 1], b: [0, 1], loss: [[1, 2], [3, 4]] };
  assert.equal(sameSurface(s, structuredClone(s)), true);
  assert.equal(sameSurface(s, { ...s, loss: [[1, 2], [3, 5]] }), false);
  assert.equal(sameSurface(s, null), false);
});
