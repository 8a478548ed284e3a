// The page's own data set as one URL field.
import test from 'node:test';
import assert from 'node:assert/strict';
import { encodePoints, decodePoints, SHORT } from '../../../frontend/js/core/points.js';

test('points: short sets live in the URL field, rounded; long ones in session storage', () => {
  const field = encodePoints({ x: [1.23456, -2], y: [3, 4e-7] });
  assert.equal(field, '1.235_3~-2_4e-7');
  assert.deepEqual(decodePoints(field), { x: [1.235, -2], y: [3, 4e-7] });
  const store = new Map();
  globalThis.sessionStorage = { setItem: (k, v) => store.set(k, v), getItem: (k) => store.get(k) ?? null };
  const many = { x: Array.from({ length: SHORT + 1 }, (_, i) => i), y: Array.from({ length: SHORT + 1 }, (_, i) => 2 * i) };
  const key = encodePoints(many);
  assert.match(key, /^s:[0-9a-z]+$/);
  assert.deepEqual(decodePoints(key), many);
  assert.deepEqual(decodePoints('s:unknown'), { x: [], y: [] });
  delete globalThis.sessionStorage;
});
