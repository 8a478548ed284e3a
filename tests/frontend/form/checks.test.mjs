// What the form refuses and says: where a server error's `loc` belongs, a field's bounds in words,
// a typed value that makes no number, the server's 422s in the page's language.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Settings } from '../../../frontend/js/core/settings.js';
import { t } from '../../../frontend/js/i18n/i18n.js';
import { fieldOf, boundsText, checkInput, serverSays, SAY } from '../../../frontend/js/form/checks.js';

const settings = new Settings(JSON.parse(readFileSync(new URL('../schema.json', import.meta.url))));

test('fieldOf maps a 422 location to the form field that shows it', () => {
  assert.equal(fieldOf(['body', 'lr'], settings), 'lr');
  assert.equal(fieldOf(['body', 'dataset', 'synthetic', 'noise'], settings), 'noise');
  assert.equal(fieldOf(['body', 'dataset', 'upload', 'x'], settings), 'col_x');
  assert.equal(fieldOf(['body', 'dataset', 'builtin', 'name'], settings), 'builtin');
  assert.equal(fieldOf(['body', 'dataset', 'upload', 'id'], settings), 'upload');
  assert.equal(fieldOf(['body', 'dataset'], settings), 'data');
  assert.equal(fieldOf(['body', 'init', 'b'], settings), 'init_b');
  assert.equal(fieldOf(['body', 'init'], settings), 'init_w');
  assert.equal(fieldOf(['body', 'nonsense'], settings), null);
  assert.equal(fieldOf(['body'], settings), null);
});

test('boundsText says the schema bounds, exclusive or not', () => {
  assert.equal(boundsText(settings.fields.lr), '> 0, ≤ 100');
  assert.equal(boundsText(settings.fields.epochs), '≥ 1, ≤ 20000');
  assert.equal(boundsText(settings.fields.alpha), '> 0, < 1');
  assert.equal(boundsText(settings.fields.mode), '');
});

test('checkInput refuses what makes no value and says what to type', () => {
  const f = settings.fields;
  assert.equal(checkInput(f.lr, '0.05'), null);
  assert.equal(checkInput(f.lr, '0,05'), SAY.comma('0.05'));
  assert.match(checkInput(f.lr, 'abc'), /“abc” is not a number: type one like 0\.1/);
  assert.equal(checkInput(f.lr, '0'), 'must be > 0, ≤ 100');
  assert.equal(checkInput(f.epochs, ''), 'type a number (≥ 1, ≤ 20000)');
  assert.equal(checkInput(f.epochs, '2.5'), 'type a whole number, like 100');
  assert.equal(checkInput(f.init_w, ''), null); // empty: a random start
  assert.equal(checkInput(f.init_w, '-1.5'), null);
});

test("serverSays gives the server's usual 422 kinds in the page's words, the rest as said", () => {
  const bound = { type: 'greater_than_equal', loc: ['body', 'epochs'], ctx: { ge: 1 }, msg: 'Input should be greater than or equal to 1' };
  assert.equal(serverSays(bound, 'en'), bound.msg);
  assert.equal(serverSays(bound, 'ko'), SAY.bounds('≥ 1'));
  assert.equal(serverSays({ ...bound, type: 'less_than', ctx: { lt: 2 } }, 'ko'), SAY.bounds('< 2'));
  const lost = { type: 'value_error', loc: ['body', 'dataset', 'id'], msg: "no uploaded data set 'x' (expired or never uploaded)", ctx: { reason: 'uploadGone' } };
  assert.equal(serverSays(lost, 'ko'), t('say.uploadGone'));
  const cap = { type: 'value_error', loc: ['body', 'lrs'], msg: '…', ctx: { reason: 'sweepWork', work: 2500000, max: 2000000 } };
  assert.equal(serverSays(cap, 'en'), '…');
  assert.equal(serverSays(cap, 'ko'), t('say.sweepWork', { work: '2,500,000', max: '2,000,000' }));
  const unknown = { type: 'value_error', loc: ['body', 'x'], msg: 'as said', ctx: { reason: 'notInTheCatalogue' } };
  assert.equal(serverSays(unknown, 'ko'), 'as said');
  const other = { type: 'value_error', loc: ['body', 'scheduler'], msg: 'something the page cannot foresee' };
  assert.equal(serverSays(other, 'ko'), other.msg);
});
