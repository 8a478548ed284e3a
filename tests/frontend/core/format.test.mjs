// Numbers as the page prints them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fmt, rateTicks } from '../../../frontend/js/core/format.js';

test('fmt: significant digits, a dash for nothing', () => {
  assert.equal(fmt(Math.PI), '3.142');
  assert.equal(fmt(-0.000123456, 3), '-0.000123');
  assert.equal(fmt(123456), '1.235e+5');
  assert.equal(fmt(0), '0.000');
  assert.equal(fmt(null), '—');
  assert.equal(fmt(undefined), '—');
});

test('rateTicks: a few rates are their own ticks, as plain numbers', () => {
  assert.deepEqual(rateTicks([0.1, 0.1, 0.05, 0.025]), { tickvals: [0.025, 0.05, 0.1], ticktext: ['0.025', '0.05', '0.1'] });
  assert.deepEqual(rateTicks([0.02, 0.07]).ticktext, ['0.02', '0.07']); // a live change
});

test('rateTicks: a schedule across decades gets 1-2-5 or decade ticks, powers of ten below 0.001', () => {
  const cosine = Array.from({ length: 60 }, (_, i) => 0.05 * (1 + Math.cos((Math.PI * (i + 1)) / 60)));
  assert.deepEqual(rateTicks(cosine), { tickvals: [0.0001, 0.001, 0.01, 0.1], ticktext: ['10⁻⁴', '10⁻³', '10⁻²', '10⁻¹'] });
  const exp = Array.from({ length: 60 }, (_, i) => 0.1 * 0.97 ** i); // 0.1 … 0.017
  assert.deepEqual(rateTicks(exp), { tickvals: [0.02, 0.05, 0.1], ticktext: ['0.02', '0.05', '0.1'] });
  const near = Array.from({ length: 10 }, (_, i) => 0.1 - 0.002 * i); // 0.082 … 0.1: one nice tick only
  assert.deepEqual(rateTicks(near).ticktext, ['0.082', '0.1']); // the ends, then
  assert.equal(rateTicks([2e-5, 3e-5, 4e-5, 5e-5, 6e-5]).ticktext[0], '2×10⁻⁵');
});
