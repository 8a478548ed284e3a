// The store and the hash codec, without a browser: a fake URL stands in for location.hash.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Store, fromHash, toHash, defaults, comparedRuns, coerce } from '../../frontend/js/state.js';

function fakeUrl(hash = '') {
  const url = {
    hash, writes: [], listeners: [],
    read: () => url.hash,
    write(h, { push }) { url.hash = h; url.writes.push({ hash: h, push }); },
    listen(fn) { url.listeners.push(fn); },
    visit(h) { url.hash = h; url.listeners.forEach((fn) => fn()); }, // Back, or an edited link
  };
  return url;
}

test('a state survives the hash round trip, defaults left out but the seed kept', () => {
  const state = { ...defaults(), mode: 'minibatch', lr: 0.05, shuffle: false, init_w: 1.5, lang: 'ko',
    cmp: 'mode:sgd,mode:linear' };
  const hash = toHash(state);
  assert.deepEqual(fromHash(hash), state);
  assert.match(hash, /seed=2021/);
  assert.match(hash, /cmp=mode:sgd,mode:linear/);
  assert.doesNotMatch(hash, /epochs=/);
  assert.equal(toHash(defaults()), '#seed=2021');
});

test('fromHash ignores unknown keys and values that do not parse', () => {
  const s = fromHash('#epochs=abc&bogus=1&lr=0.5&init_w=&log=1');
  assert.equal(s.epochs, defaults().epochs);
  assert.equal(s.lr, 0.5);
  assert.equal(s.init_w, null);
  assert.equal(s.log, true);
  assert.equal('bogus' in s, false);
});

test('coerce parses each field type', () => {
  assert.equal(coerce('lr', ' 0.3 '), 0.3);
  assert.equal(coerce('lr', ''), undefined);
  assert.equal(coerce('lr', 'Infinity'), undefined);
  assert.equal(coerce('init_w', ''), null);
  assert.equal(coerce('shuffle', '0'), false);
  assert.equal(coerce('shuffle', 'true'), true);
  assert.equal(coerce('mode', 7), '7');
});

test('comparedRuns reads the runs of a comparison', () => {
  assert.deepEqual(comparedRuns({ cmp: 'mode:manual;optimizer:sgd,lr:0.5' }), [{ mode: 'manual', optimizer: 'sgd' }, { lr: 0.5 }]);
  assert.deepEqual(comparedRuns({ cmp: '' }), []);
});

test('set replaces the hash; a run adds a history entry; subscribers see what changed', () => {
  const url = fakeUrl('#lesson=2&lang=ko');
  const store = new Store(url);
  const seen = [];
  store.subscribe((state, changed, how) => seen.push({ state, changed: [...changed].sort(), how }));
  store.set({ log: true });
  assert.deepEqual(url.writes.at(-1), { hash: '#seed=2021&log=1&lesson=2&lang=ko', push: false });
  assert.deepEqual(seen.at(-1).changed, ['log']);
  assert.equal(seen.at(-1).how.run, false);
  store.set({ epochs: 20, lesson: 0 }, { run: true });
  assert.deepEqual(url.writes.at(-1), { hash: '#epochs=20&seed=2021&log=1&lang=ko', push: true });
  assert.deepEqual(seen.at(-1).changed, ['epochs', 'lesson']);
  assert.equal(store.get().lang, 'ko'); // what one part set survives another's change
  store.set({ log: true });
  assert.equal(seen.length, 2, 'no change, no news');
});

test('get hands out a copy', () => {
  const store = new Store(fakeUrl());
  store.get().lr = 99;
  assert.equal(store.get().lr, defaults().lr);
});

test('a URL changed from outside replaces the state and asks for a run; its own writes do not echo', () => {
  const url = fakeUrl('#epochs=20');
  const store = new Store(url);
  const seen = [];
  store.subscribe((state, changed, how) => seen.push({ changed: [...changed], how }));
  store.set({ lr: 0.2 }, { run: true });
  url.listeners.forEach((fn) => fn()); // the browser's hashchange for the store's own write
  assert.equal(seen.length, 1);
  url.visit('#lr=0.3');
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[1].how, { run: true });
  assert.deepEqual(seen[1].changed.sort(), ['epochs', 'lr']);
  assert.equal(store.get().epochs, defaults().epochs);
  assert.deepEqual([...store.urlKeys()], ['lr']);
});

test('expand completes a state read from a URL and writes the completed hash back', () => {
  const url = fakeUrl('#lesson=3');
  const expand = (state, keys) => (keys.has('mode') ? state : { ...state, mode: 'manual' });
  const store = new Store(url, { expand });
  assert.equal(store.get().mode, 'manual');
  assert.equal(url.hash, '#mode=manual&seed=2021&lesson=3');
});
