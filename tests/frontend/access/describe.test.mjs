// The views in words: where the path is relative to the minimum, and how a run ended.
import test from 'node:test';
import assert from 'node:assert/strict';
import { describe, whereFromMinimum } from '../../../frontend/js/access/describe.js';

/** A run from (0, 0) towards the minimum (2, −1), halving the distance each epoch. */
function run(n, done = null) {
  const meta = { n: 20, start: { w: 0, b: 0 }, least_squares: { w: 2, b: -1, loss: 0.5 }, total_epochs: 10 };
  const epochs = [];
  for (let k = 1; k <= n; k++) {
    const f = 1 - 0.5 ** k;
    epochs.push({ epoch: k, w: 2 * f, b: -f, loss: 0.5 + 4 * 0.5 ** k, grad_w: -1, grad_b: 1 });
  }
  return { label: 'sgd', meta, epochs, done, error: null };
}

test('the path closes in on the minimum, by a share of its start distance', () => {
  const text = whereFromMinimum(run(3), 1);
  assert.match(text, /^50% of the start's distance from the minimum \(w below it by 1\.00, b above it by 0\.500\), closing in$/);
  assert.equal(whereFromMinimum(run(10), 10), 'at the minimum');
});

test('moving away is said too', () => {
  const r = run(2);
  r.epochs[1] = { ...r.epochs[1], w: 6, b: -3 };
  assert.match(whereFromMinimum(r, 2), /moving away$/);
});

test('each view says the epoch, and a diverged run where it diverged', () => {
  const r = run(4, { status: 'diverged', epochs: 4, diverged_at: 5 });
  for (const view of ['fit', 'loss', 'contour', 'surface']) {
    const text = describe(view, [r], 4, 10);
    assert.match(text, /epoch 4 of 10/, view);
    assert.match(text, /diverged at epoch 5/, view);
  }
  assert.match(describe('fit', [r], 4, 10), /y = 1\.88·x − 0\.938, loss 0\.750/);
  assert.equal(describe('loss', [{ label: 'a', meta: null, epochs: [] }], 0, 0), 'No run yet.');
});
