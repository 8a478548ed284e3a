// The settings (from the API's schema), the hash codec and the job config, without a browser.
// schema.json is GET /api/schema's answer (tests/test_frontend_schema.py keeps it equal to the server's).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Settings } from '../../../frontend/js/core/settings.js';

const schema = JSON.parse(readFileSync(new URL('../schema.json', import.meta.url)));
const settings = new Settings(schema);
const defaults = () => settings.defaults();
const fromHash = (h) => settings.fromHash(h);
const toHash = (s) => settings.toHash(s);
const coerce = (k, raw) => settings.coerce(k, raw);

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
  assert.deepEqual(settings.fields.lr, { type: 'num', default: 0.1, min: 0, minExclusive: true, max: 100, description: 'learning rate',
    form: { group: 'training', order: 110, widget: 'log-slider' } });
  assert.equal(settings.fields.epochs.max, 20000);
  assert.deepEqual(settings.fields.mode.options, ['manual', 'sgd', 'minibatch', 'design', 'linear']);
  assert.deepEqual(settings.fields.data.options, ['synthetic', 'builtin', 'points', 'upload']);
});

test('a field applies with its optimizer, its data set and its shown_when', () => {
  const s = { ...defaults(), optimizer: 'adam', loss: 'mse', mode: 'sgd', data: 'builtin' };
  assert.equal(settings.applies('beta1', s), true);
  assert.equal(settings.applies('momentum', s), false);
  assert.equal(settings.applies('huber_delta', s), false);
  assert.equal(settings.applies('huber_delta', { ...s, loss: 'huber' }), true);
  assert.equal(settings.applies('batch_size', s), false);
  assert.equal(settings.applies('shuffle', { ...s, mode: 'linear' }), true);
  assert.equal(settings.applies('builtin', s), true);
  assert.equal(settings.applies('true_w', s), false);
  assert.equal(settings.applies('col_x', { ...s, data: 'upload' }), true);
  assert.equal(settings.applies('lr', s), true);
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
  assert.deepEqual(settings.fromConfig({ dataset: { kind: 'upload', id: 'u', x: null, y: 'q' } }), { init_w: null, init_b: null, model: 'line', data: 'upload', upload: 'u', col_x: '', col_y: 'q' });
});

test('the model: its kind and a polynomial\'s degree, sent as the API wants them and back', () => {
  assert.deepEqual(settings.jobConfig(defaults()).model, { kind: 'line' });
  const poly = { ...defaults(), model: 'poly', degree: 9, curve: 'sine' };
  const cfg = settings.jobConfig(poly);
  assert.deepEqual(cfg.model, { kind: 'poly', degree: 9 });
  assert.equal('degree' in cfg, false);
  assert.equal(cfg.dataset.curve, 'sine');
  assert.deepEqual({ ...defaults(), ...settings.fromConfig(cfg) }, { ...poly });
  assert.equal(settings.applies('degree', poly), true);
  assert.equal(settings.applies('degree', defaults()), false);
  assert.equal('degree' in settings.jobConfig({ ...defaults(), degree: 5 }).model, false);
});

test('the loss and the labels follow the model, and the hash keeps only what differs', () => {
  assert.deepEqual(settings.losses('logistic'), ['bce', 'mse']);
  assert.ok(settings.losses('poly').includes('sse'));
  const logistic = fromHash('#model=logistic');
  assert.equal(logistic.loss, 'bce');
  assert.equal(logistic.labels, true);
  assert.equal(toHash(logistic), '#model=logistic&seed=2021');
  const mse = fromHash('#model=logistic&loss=mse&labels=0');
  assert.deepEqual([mse.loss, mse.labels], ['mse', false]);
  assert.deepEqual(fromHash(toHash(mse)), mse);
  const poly = { ...defaults(), model: 'poly', degree: 9, axes: 'b3,b1' };
  assert.match(toHash(poly), /model=poly&degree=9/);
  assert.deepEqual(fromHash(toHash(poly)), poly);
  assert.equal(fromHash('#').loss, 'mse');
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
  const { Settings: S } = await import('../../../frontend/js/core/settings.js');
  const { readFileSync: read } = await import('node:fs');
  const s = new S(JSON.parse(read(new URL('../schema.json', import.meta.url))));
  assert.equal(s.fromHash('#data=builtin&builtin=cars').standardize, true);
  assert.equal(s.fromHash('#data=builtin&builtin=cars&standardize=0').standardize, false);
  assert.equal(s.fromHash('#').standardize, false);
  const raw = { ...s.fromHash('#data=builtin&builtin=cars'), standardize: false };
  assert.match(s.toHash(raw), /standardize=0/);
  assert.doesNotMatch(s.toHash(s.fromHash('#data=builtin&builtin=cars')), /standardize/);
});

test("a link names only its own data set's fields: no builtin= on synthetic data", () => {
  const state = { ...defaults(), builtin: 'cars', upload: 'abc123', col_x: 'hours', pts: 'x1', true_w: 3 };
  const hash = toHash(state);
  assert.doesNotMatch(hash, /builtin=|upload=|col_x=|pts=/);
  assert.match(hash, /true_w=3/);
  assert.match(toHash({ ...state, data: 'builtin' }), /data=builtin&builtin=cars/);
  assert.doesNotMatch(toHash({ ...state, data: 'builtin' }), /true_w=/);
  assert.match(toHash({ ...state, data: 'upload' }), /upload=abc123/);
});
