// The settings form's layout comes from the schema's `form` metadata: its groups, their order, each
// field's widget; a new knob in JobConfig with its metadata is in the form, the URL and the job.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Settings } from '../../../frontend/js/core/settings.js';
import { formLayout, widgetOf } from '../../../frontend/js/form/layout.js';
import en from '../../../frontend/js/i18n/en.js';
import ko from '../../../frontend/js/i18n/ko.js';

const read = () => JSON.parse(readFileSync(new URL('../schema.json', import.meta.url)));
const settings = new Settings(read());
const ids = (layout) => layout.map(({ group, fields }) => [group, fields.map((f) => f.id)]);

test('the form has the schema groups and fields, in their order', () => {
  assert.deepEqual(ids(formLayout(settings)), [
    ['method', ['mode', 'optimizer', 'momentum', 'beta1', 'beta2', 'alpha', 'model', 'degree', 'hidden', 'activation', 'loss', 'huber_delta']],
    ['training', ['lr', 'epochs', 'batch_size', 'shuffle', 'granularity', 'seed', 'init_w', 'init_b']],
    ['data', ['data', 'true_w', 'true_b', 'noise', 'curve', 'labels', 'x_start', 'x_stop', 'x_step', 'n', 'builtin', 'upload', 'col_x', 'col_y', 'standardize']],
  ]);
});

test('each field gets the widget its type or its metadata asks for', () => {
  const widgets = Object.fromEntries(formLayout(settings).flatMap((g) => g.fields.map((f) => [f.id, f.widget])));
  assert.equal(widgets.mode, 'select');
  assert.equal(widgets.shuffle, 'checkbox');
  assert.equal(widgets.epochs, 'number');
  assert.equal(widgets.init_w, 'number');
  assert.equal(widgets.lr, 'log-slider');
  assert.equal(widgets.upload, 'file');
  assert.equal(widgets.builtin, 'select');
  assert.equal(widgets.col_x, 'select');
  assert.equal(widgetOf({ type: 'bool', form: { widget: 'select' } }), 'select');
});

test('the fields without metadata are not in the form, but still in the URL and the job', () => {
  const shown = formLayout(settings).flatMap((g) => g.fields.map((f) => f.id));
  for (const id of ['delay_ms', 'trace_state', 'scheduler', 'pts']) assert.equal(shown.includes(id), false, id);
  assert.match(settings.toHash({ ...settings.defaults(), delay_ms: 50 }), /delay_ms=50/);
  assert.equal(settings.jobConfig({ ...settings.defaults(), delay_ms: 50 }).delay_ms, 50);
});

test('every field the form shows has its words in both catalogues', () => {
  for (const { group, fields } of formLayout(settings)) {
    for (const key of [`group.${group}`, ...fields.map((f) => `field.${f.id}`)]) {
      assert.ok(key in en && key in ko, key);
    }
  }
});

// A knob as config.py would add it: `weight_decay: Finite = Field(0.0, ge=0, le=1, description=...,
// json_schema_extra=form("training", 125))`, and `field.weight_decay` in en.js and ko.js.
function schemaWithKnob() {
  const schema = read();
  schema.job.properties.weight_decay = {
    default: 0, description: 'L2 penalty on w', form: { group: 'training', order: 125 },
    maximum: 1, minimum: 0, title: 'Weight Decay', type: 'number',
  };
  return schema;
}

test('a new knob with its metadata is in the form, the URL and the job, and nothing else changes', () => {
  const plain = new Settings(read());
  const knob = new Settings(schemaWithKnob());
  const [, training] = ids(formLayout(knob));
  assert.deepEqual(training, ['training', ['lr', 'epochs', 'weight_decay', 'batch_size', 'shuffle', 'granularity', 'seed', 'init_w', 'init_b']]);
  assert.equal(formLayout(knob)[1].fields[2].widget, 'number');
  assert.deepEqual(knob.fields.weight_decay, { type: 'num', default: 0, min: 0, max: 1, description: 'L2 penalty on w',
    form: { group: 'training', order: 125 } });

  const state = { ...knob.defaults(), weight_decay: 0.01 };
  const hash = knob.toHash(state);
  assert.match(hash, /weight_decay=0\.01/);
  assert.equal(knob.fromHash(hash).weight_decay, 0.01);
  assert.equal(knob.toHash(knob.defaults()), '#seed=2021'); // its default stays out of links
  assert.equal(knob.jobConfig(state).weight_decay, 0.01);
  assert.equal(knob.jobConfig(knob.defaults()).weight_decay, 0);
  assert.equal(knob.fromConfig({ weight_decay: 0.2 }).weight_decay, 0.2);
  const { weight_decay: added, ...rest } = knob.jobConfig(state);
  assert.equal(added, 0.01);
  assert.deepEqual(rest, plain.jobConfig(state));
});

test('a knob shown only with some values is sent only with them', () => {
  const schema = schemaWithKnob();
  schema.job.properties.weight_decay.form.shown_when = { optimizer: ['adam'] };
  const knob = new Settings(schema);
  const state = { ...knob.defaults(), weight_decay: 0.01 };
  assert.equal('weight_decay' in knob.jobConfig(state), false);
  assert.equal(knob.applies('weight_decay', state), false);
  assert.equal(knob.jobConfig({ ...state, optimizer: 'adam' }).weight_decay, 0.01);
});
