// Numbers as the page prints them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fmt } from '../../../frontend/js/core/format.js';

test('fmt: significant digits, a dash for nothing', () => {
  assert.equal(fmt(Math.PI), '3.142');
  assert.equal(fmt(-0.000123456, 3), '-0.000123');
  assert.equal(fmt(123456), '1.235e+5');
  assert.equal(fmt(0), '0.000');
  assert.equal(fmt(null), '—');
  assert.equal(fmt(undefined), '—');
});
