// The catalogues: every language has every key, with the same {params}, and t() fills them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import en from '../../../frontend/js/i18n/en.js';
import ko from '../../../frontend/js/i18n/ko.js';
import { t } from '../../../frontend/js/i18n/i18n.js';

const params = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('en and ko have exactly the same keys', () => {
  assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort());
});

test('each message has the same {params} in both languages', () => {
  for (const key of Object.keys(en)) assert.deepEqual(params(ko[key] ?? ''), params(en[key]), key);
});

// the same in both languages on purpose: names (Huber, nn.Linear) and the lesson's own word "epoch"
const SAME = ['axis.epoch', 'choice.loss.huber', 'choice.mode.linear', 'field.huber_delta', 'player.scrubber'];

test('a Korean message is not the English one, except names and the lesson’s "epoch"', () => {
  const same = Object.keys(en).filter((k) => ko[k] === en[k] && /[a-z]{3,}/i.test(en[k].replace(/\{\w+\}/g, '')));
  assert.deepEqual(same.sort(), SAME);
});

test('t fills params and refuses an unknown key', () => {
  assert.equal(t('player.epochOf', { k: 3, total: 10 }), 'shown: epoch 3 / 10');
  assert.throws(() => t('no.such.key'), /no message/);
});
