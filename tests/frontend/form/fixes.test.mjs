// A diverged run's one-click fixes: their numbers.
import test from 'node:test';
import assert from 'node:assert/strict';
import { divergeFixes, lrBelow, notConverged, moreEpochs, roundEpochs, fixedSettings, fixedFate } from '../../../frontend/js/form/fixes.js';

test('lrBelow is a round rate under 2/λ_max', () => {
  assert.equal(lrBelow(0.33), 0.3);
  assert.equal(lrBelow(1), 0.9);
  assert.equal(lrBelow(0.0038), 0.003);
  assert.equal(lrBelow(2.1), 1);
});

test('a raw run that diverged is offered standardizing and an lr below 2/λ_max', () => {
  const fixes = divergeFixes({ standardize: false, lr: 0.1 }, { curvature: { max_stable_lr: 0.0038 } });
  assert.deepEqual(fixes, [
    { label: 'standardize x and y', changes: { standardize: true } },
    { label: 'lr = 0.003, below 2/λ_max = 0.0038', changes: { lr: 0.003 } },
  ]);
});

test('without a curvature (MAE, Huber), or already below it, the lr fix is a tenth', () => {
  assert.deepEqual(divergeFixes({ standardize: true, lr: 2 }, { curvature: null }),
    [{ label: 'lr = 0.2, a tenth', changes: { lr: 0.2 } }]);
  assert.deepEqual(divergeFixes({ standardize: true, lr: 0.2 }, { curvature: { max_stable_lr: 1 } }),
    [{ label: 'lr = 0.02, a tenth', changes: { lr: 0.02 } }]);
});

test('a run more than 1 % above its minimum has not converged', () => {
  const meta = { minimum: { loss: 227.1 } };
  assert.deepEqual(notConverged(meta, { loss: 257.6 }), { loss: 257.6, min: 227.1 });
  assert.equal(notConverged(meta, { loss: 228.0 }), null);
  assert.equal(notConverged(meta, null), null);
  assert.equal(notConverged({ least_squares: { loss: 0.95 } }, { loss: 0.9533 }), null);
});

test('run longer: the epochs full-batch gradient descent needs to close the gap, a round number', () => {
  assert.deepEqual([1, 3, 7, 10, 120, 288, 1234, 2772, 5000].map(roundEpochs), [1, 3, 8, 10, 150, 300, 1500, 3000, 5000]);
  const state = { mode: 'sgd', optimizer: 'sgd', lr: 0.003, epochs: 100 };
  const meta = { config: { loss: 'mse' }, curvature: { eigenvalues: [2.9, 527] } };
  // the gap shrinks by (1 − 0.003·2.9)² ≈ 0.983 an epoch: 257.6 − 227.1 down to 1.1 takes ~190 more
  assert.equal(moreEpochs(state, meta, { loss: 257.6, min: 227.1 }, 20000), 300);
  assert.equal(moreEpochs(state, meta, { loss: 257.6, min: 227.1 }, 300), 300); // the schema's bound
  assert.equal(moreEpochs({ ...state, optimizer: 'adam' }, meta, { loss: 257.6, min: 227.1 }, 20000), 400); // 4×
});

test("a fix's lr (and its epochs) belong to its data: other data takes back what they replaced", () => {
  const keys = ['data', 'builtin', 'standardize'];
  const before = { data: 'builtin', builtin: 'cars', standardize: false, lr: 0.1, epochs: 100 };
  const fixed = fixedSettings(before, { lr: 0.003 }, keys);
  assert.deepEqual(fixed, { set: { lr: 0.003 }, was: { lr: 0.1 }, data: '["builtin","cars",false]' });
  const now = { ...before, lr: 0.003 };
  assert.equal(fixedFate(fixed, now, keys), 'kept');
  assert.equal(fixedFate(fixed, { ...now, data: 'synthetic' }, keys), 'restore');
  assert.equal(fixedFate(fixed, { ...now, standardize: true }, keys), 'restore');
  assert.equal(fixedFate(fixed, { ...now, lr: 0.01 }, keys), 'gone');
  assert.equal(fixedSettings(before, { standardize: true }, keys), null);
  // then "run longer": the rate it replaced stays the first one, 0.1, not the fix's 0.003
  const longer = fixedSettings(now, { lr: 0.003, epochs: 5000 }, keys, fixed);
  assert.deepEqual(longer, { set: { lr: 0.003, epochs: 5000 }, was: { lr: 0.1, epochs: 100 }, data: fixed.data });
  assert.deepEqual(fixedSettings({ ...now, data: 'synthetic' }, { lr: 0.01 }, keys, fixed).was, { lr: 0.003 }); // other data: anew
});
