// The Python tokenizer behind the code panel: every character covered, tokens classed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../../../frontend/js/code/highlight.js';

test('tokens cover the source and carry their class', () => {
  const source = 'def f(x):\n    return torch.tensor([1.5, x])  # "not a string"\ns = \'<b>\'\n';
  const tokens = tokenize(source);
  assert.equal(tokens.map((t) => t.text).join(''), source);
  const cls = (text) => tokens.find((t) => t.text === text)?.cls;
  assert.equal(cls('def'), 'keyword');
  assert.equal(cls('f'), 'function');
  assert.equal(cls('torch.tensor'), 'torch');
  assert.equal(cls('1.5'), 'number');
  assert.equal(cls('# "not a string"'), 'comment');
  assert.equal(cls("'<b>'"), 'string');
});
