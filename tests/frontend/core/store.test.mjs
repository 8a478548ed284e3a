// The store, the page's one owner of its settings and of location.hash, without a browser: a fake
// URL stands in for location.hash.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Settings } from '../../../frontend/js/core/settings.js';
import { Store } from '../../../frontend/js/core/store.js';

const settings = new Settings(JSON.parse(readFileSync(new URL('../schema.json', import.meta.url))));
const defaults = () => settings.defaults();

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

test('set replaces the hash; a run adds a history entry; subscribers see what changed', () => {
  const url = fakeUrl('#lesson=2&lang=ko');
  const store = new Store(settings, url);
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
  const store = new Store(settings, fakeUrl());
  store.get().lr = 99;
  assert.equal(store.get().lr, defaults().lr);
});

test('a URL changed from outside replaces the state and asks for a run; its own writes do not echo', () => {
  const url = fakeUrl('#epochs=20');
  const store = new Store(settings, url);
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
  const store = new Store(settings, url, { expand });
  assert.equal(store.get().mode, 'manual');
  assert.equal(url.hash, '#mode=manual&seed=2021&lesson=3');
});
