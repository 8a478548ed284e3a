// The settings (from the API's schema), the hash codec and the store, without a browser: a fake URL
// stands in for location.hash. schema.json is GET /api/schema's answer (tests/test_frontend_schema.py
// keeps it equal to the server's).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Settings, Store } from '../../frontend/js/state.js';

const schema = JSON.parse(readFileSync(new URL('./schema.json', import.meta.url)));
const settings = new Settings(schema);
const defaults = () => settings.defaults();
const fromHash = (h) => settings.fromHash(h);
const toHash = (s) => settings.toHash(s);
const coerce = (k, raw) => settings.coerce(k, raw);

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
  assert.deepEqual(settings.comparedRuns({ cmp: 'mode:manual;optimizer:sgd,lr:0.5' }), [{ mode: 'manual', optimizer: 'sgd' }, { lr: 0.5 }]);
  assert.deepEqual(settings.comparedRuns({ cmp: '' }), []);
});

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

test('defaults and bounds come from the schema', () => {
  const d = defaults();
  assert.equal(d.lr, 0.1);
  assert.equal(d.epochs, 100);
  assert.equal(d.seed, 2021);
  assert.equal(d.data, 'synthetic');
  assert.equal(d.x_step, 0.3);
  assert.equal(d.n, null);
  assert.equal(d.init_w, null);
  assert.equal(d.col_x, '');
  assert.deepEqual(settings.fields.lr, { type: 'num', default: 0.1, min: 0, minExclusive: true, max: 100, description: 'learning rate' });
  assert.equal(settings.fields.epochs.max, 20000);
  assert.deepEqual(settings.fields.mode.options, ['manual', 'sgd', 'minibatch', 'design', 'linear']);
  assert.deepEqual(settings.fields.data.options, ['synthetic', 'builtin', 'upload', 'points']);
});

test('each optimizer takes its own knobs; manual mode offers only sgd', () => {
  assert.deepEqual(settings.knobs('rmsprop'), ['alpha']);
  assert.equal(settings.isKnobOf('momentum', 'rmsprop'), false);
  assert.equal(settings.isKnobOf('momentum', 'nesterov'), true);
  assert.equal(settings.isKnobOf('lr', 'adam'), true);
  assert.deepEqual(settings.optimizers('manual'), ['sgd']);
  assert.ok(settings.optimizers('sgd').includes('adam'));
});

test('jobConfig sends what the run reads, and fromConfig reads it back', () => {
  const state = { ...defaults(), mode: 'minibatch', optimizer: 'rmsprop', init_w: 1, init_b: -2, n: 30 };
  const cfg = settings.jobConfig(state);
  assert.equal('momentum' in cfg, false);
  assert.equal(cfg.alpha, 0.99);
  assert.equal(cfg.batch_size, 5);
  assert.equal('huber_delta' in cfg, false);
  assert.deepEqual(cfg.init, { w: 1, b: -2 });
  assert.deepEqual(cfg.dataset, { kind: 'synthetic', x_start: -3, x_stop: 3, x_step: 0.3, n: 30, true_w: 2, true_b: -1, noise: 1, curve: 'line', labels: false });
  assert.deepEqual({ ...state, ...settings.fromConfig(cfg) }, state);
  const upload = settings.jobConfig({ ...defaults(), data: 'upload', upload: 'abc', col_x: 'a', col_y: 'b' });
  assert.deepEqual(upload.dataset, { kind: 'upload', id: 'abc', x: 'a', y: 'b' });
  assert.equal('batch_size' in upload, false);
  assert.deepEqual(settings.jobConfig({ ...defaults(), data: 'builtin', builtin: 'anscombe2' }).dataset, { kind: 'builtin', name: 'anscombe2' });
  assert.deepEqual(settings.fromConfig({ dataset: { kind: 'upload', id: 'u', x: null, y: 'q' } }), { init_w: null, init_b: null, data: 'upload', upload: 'u', col_x: '', col_y: 'q' });
});

test('the lab holds a scheduler and a list of points as one field each, sent as the API wants them', () => {
  assert.equal(settings.has('x'), false);
  assert.equal('scheduler' in settings.jobConfig(defaults()), false);
  const cfg = settings.jobConfig({ ...defaults(), scheduler: 'StepLR;step_size:10;gamma:0.5', data: 'points', pts: '1_2~3_4.5' });
  assert.deepEqual(cfg.scheduler, { name: 'StepLR', step_size: 10, gamma: 0.5 });
  assert.deepEqual(cfg.dataset, { kind: 'points', x: [1, 3], y: [2, 4.5] });
  assert.equal('scheduler' in settings.jobConfig({ ...defaults(), mode: 'manual', scheduler: 'StepLR;step_size:10' }), false);
  assert.equal(settings.fromHash('#scheduler=StepLR').scheduler, 'StepLR');
  assert.equal(settings.fields.trace_state.type, 'bool');
});

test('real data is standardized unless the link says otherwise; synthetic is not', async () => {
  const { Settings: S } = await import('../../frontend/js/state.js');
  const { readFileSync: read } = await import('node:fs');
  const s = new S(JSON.parse(read(new URL('./schema.json', import.meta.url))));
  assert.equal(s.fromHash('#data=builtin&builtin=cars').standardize, true);
  assert.equal(s.fromHash('#data=builtin&builtin=cars&standardize=0').standardize, false);
  assert.equal(s.fromHash('#').standardize, false);
  const raw = { ...s.fromHash('#data=builtin&builtin=cars'), standardize: false };
  assert.match(s.toHash(raw), /standardize=0/);
  assert.doesNotMatch(s.toHash(s.fromHash('#data=builtin&builtin=cars')), /standardize/);
});
