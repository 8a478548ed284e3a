// What the exports write: the data as it reads, the settings line, and names and titles for slides.
import test from 'node:test';
import assert from 'node:assert/strict';
import { float32Text, lineText, datasetText, pointsCsv, pngName, pngTitle } from '../../../frontend/js/code/export.js';

test('float32 values are written as they read: 2.7, not 2.700000047683716', () => {
  assert.equal(float32Text(2.700000047683716), '2.7');
  assert.equal(float32Text(Math.fround(-0.3)), '-0.3');
  assert.equal(float32Text(Math.fround(1 / 3)), '0.33333334'); // every digit float32 keeps
  assert.equal(float32Text(4), '4');
  assert.equal(Math.fround(Number(float32Text(Math.fround(Math.PI)))), Math.fround(Math.PI));
});

test('the synthetic data reads y = 2·x − 1', () => {
  assert.equal(lineText(2, -1), 'y = 2·x − 1');
  assert.equal(lineText(-0.5, 0), 'y = −0.5·x');
  assert.equal(datasetText({ kind: 'synthetic', true_w: 2, true_b: -1, noise: 1, x_start: -3, x_stop: 3, x_step: 0.3 }),
    'synthetic y = 2·x − 1 + 1·ε, x = arange(-3, 3, 0.3)');
});

const run = (over = {}) => ({
  label: 'sgd · sgd',
  meta: { n: 2, points: { x: [Math.fround(-2.7), 0.30000001192092896], y: [Math.fround(-6.4), 4] },
    config: { mode: 'sgd', optimizer: 'sgd', lr: 0.5, loss: 'mse', seed: 2021, epochs: 100, standardize: false,
      dataset: { kind: 'upload', id: 'abc' } },
    dataset: { name: 'study.csv', x_label: 'hours', y_label: 'score', dropped_rows: 1 }, ...over },
});

test('the data CSV: float32 values as they read, and the rows an upload dropped', () => {
  const lines = pointsCsv(run()).split('\n');
  assert.match(lines[2], /^# 2 points \(1 row of study\.csv dropped: a missing value\); x: hours, y: score$/);
  assert.deepEqual(lines.slice(3, 6), ['x,y', '-2.7,-6.4', '0.3,4']);
});

test('a PNG is named and titled for the view, the run, its lr and the epoch', () => {
  assert.equal(pngName('contour', [run()], 60), 'gdviz_contour_sgd-sgd_lr0.5_epoch60.png');
  assert.equal(pngName('loss', [run(), run()], 30), 'gdviz_loss_race-2-runs_epoch30.png');
  assert.equal(pngTitle('Loss contour', [run()], 60, 100), 'Loss contour — sgd · sgd, lr 0.5, epoch 60 of 100');
  const race = [{ label: 'sgd', meta: { config: { lr: 0.1 } } }, { label: 'adam', meta: { config: { lr: 0.1 } } }];
  assert.equal(pngTitle('Fit', race, 5, 60), 'Fit — sgd, adam, lr 0.1, epoch 5 of 60');
});
