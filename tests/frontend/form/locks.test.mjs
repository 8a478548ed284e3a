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

test('a change is refused where it alters what the lock holds, whichever way it comes', async () => {
  const { lockedChanges } = await import('../../../frontend/js/form/locks.js');
  const state = { lock: 'all,-lr', mode: 'sgd', lr: 0.1, init_w: null, init_b: null, cmp: '', lesson: 0, speed: '1', lang: 'en' };
  assert.deepEqual(lockedChanges(state, { lr: 0.05 }), []);
  assert.deepEqual(lockedChanges(state, { speed: '2', lang: 'ko', log: true }), [], 'the look is never locked');
  assert.deepEqual(lockedChanges(state, { init_w: 1, init_b: 2 }), ['init_w', 'init_b'], 'click-to-start');
  assert.deepEqual(lockedChanges(state, { cmp: 'optimizer:sgd,optimizer:adam' }), ['cmp'], 'a race');
  assert.deepEqual(lockedChanges(state, { lesson: 3, mode: 'manual' }), ['lesson', 'mode'], 'a lesson step');
  assert.deepEqual(lockedChanges(state, { mode: 'sgd', lr: 0.3 }), [], 'unchanged fields pass');
  assert.deepEqual(lockedChanges({ ...state, lock: 'mode' }, { cmp: 'optimizer:sgd,optimizer:adam', lr: 1 }), []);
  assert.deepEqual(lockedChanges({ ...state, lock: '' }, { mode: 'manual', lesson: 2 }), []);
});
