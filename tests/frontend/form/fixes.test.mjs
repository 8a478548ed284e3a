// A diverged run's one-click fixes: their numbers.
import test from 'node:test';
import assert from 'node:assert/strict';
import { divergeFixes, lrBelow } from '../../../frontend/js/form/fixes.js';

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
