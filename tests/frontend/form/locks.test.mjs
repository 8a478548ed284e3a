// A teacher's link that locks or hides controls.
import test from 'node:test';
import assert from 'node:assert/strict';
import { lockTest } from '../../../frontend/js/form/locks.js';

test('locks: a list, or all but some', () => {
  const t = lockTest('mode,optimizer');
  assert.ok(t('mode') && t('optimizer') && !t('lr'));
  const all = lockTest('all,-lr');
  assert.ok(all('mode') && all('scheduler') && !all('lr'));
  assert.ok(!lockTest('')('mode'));
});
