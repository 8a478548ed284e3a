// The loss as pitch: log loss from the first loss (two octaves up) to the lowest (220 Hz).
import test from 'node:test';
import assert from 'node:assert/strict';
import { pitch } from '../../../frontend/js/access/sonify.js';

test('pitch follows log loss between the lowest and the first', () => {
  assert.equal(pitch(0.5, 50, 0.5), 220);
  assert.equal(pitch(50, 50, 0.5), 880);
  assert.equal(pitch(5, 50, 0.5), 440, 'halfway in log, one octave');
});

test('a diverging loss is capped, a flat run gets a middle tone', () => {
  assert.ok(pitch(1e9, 50, 0.5) <= 220 * 2 ** 2.5);
  assert.ok(Number.isFinite(pitch(0, 50, 0.5)));
  assert.equal(pitch(3, 3, 3), 440);
});
