// Lesson files as the page walks them: the built-in file gives the classroom's ten steps (their
// settings, holds, views and words), a step saved from the page runs what the page showed, and a
// refused file is said with its field and why in the page's language.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Settings } from '../../../frontend/js/core/settings.js';
import { setLang } from '../../../frontend/js/i18n/i18n.js';
import { pageSteps, fileStep, raceField, refusalText, words, fileName } from '../../../frontend/js/classroom/lessonfile.js';

// setLang writes the page's words: a page of none will do
globalThis.document ??= { documentElement: {}, querySelectorAll: () => [] };
const settings = new Settings(JSON.parse(readFileSync(new URL('../schema.json', import.meta.url))));
const lesson = (name) => JSON.parse(readFileSync(new URL(`../../../backend/gdviz/lessons/${name}.json`, import.meta.url)));

test('the built-in file is the classroom lesson of ten steps', () => {
  const steps = pageSteps(lesson('line'), settings);
  assert.equal(steps.length, 10);
  const first = { ...settings.defaults(), ...steps[0].state };
  assert.deepEqual([first.mode, first.init_w, first.init_b, first.epochs, first.seed, first.speed, first.resid], ['manual', 2, -1, 1, 2021, '0.25', true]);
  assert.deepEqual([steps[0].at, steps[0].focus, steps[1].at], [0, 'fit', undefined]);
  assert.equal(steps[3].state.cmp, 'mode:manual;optimizer:sgd,mode:sgd');
  assert.equal(steps[9].at, 4);
  assert.ok(steps[9].state.log && steps[9].state.lr === 0.5);
  assert.equal(steps[0].ko[0], '데이터와 추정치');
  assert.equal(steps[3].setup.en[0], 'The same with torch.optim.SGD');
});

test('a logistic step takes its own loss and labelled data', () => {
  const [first] = pageSteps(lesson('logistic'), settings);
  assert.deepEqual([first.state.model, first.state.loss, first.state.labels], ['logistic', 'bce', true]);
});

test('a text missing in one language is shown in the other', () => {
  assert.equal(words({ ko: '나의 수업' }, 'en'), '나의 수업');
  assert.equal(words({ en: 'Mine', ko: '나의' }, 'ko'), '나의');
  const [step] = pageSteps({ version: 1, title: { en: 'x' }, steps: [{ title: { en: 'Only English' }, caption: { ko: '한국어만' } }] }, settings);
  assert.deepEqual([step.en, step.ko], [['Only English', '한국어만'], ['Only English', '한국어만']]);
});

test('a step saved from the page runs what the page showed, race and views too', () => {
  const state = { ...settings.defaults(), mode: 'sgd', lr: 0.05, cmp: 'optimizer:sgd,optimizer:adam', log: true, speed: '4' };
  const step = fileStep(state, settings, { epoch: 12, focus: 'loss', title: { en: 't' }, caption: { en: 'c' } });
  assert.equal(step.config.lr, 0.05);
  assert.deepEqual(step.race, [{ optimizer: 'sgd' }, { optimizer: 'adam' }]);
  assert.deepEqual(step.views, { arrows: false, log: true, resid: false, speed: '4', focus: 'loss' });
  assert.equal(step.epoch, 12);
  const [back] = pageSteps({ version: 1, title: { en: 'x' }, steps: [step] }, settings);
  assert.equal(back.state.cmp, raceField(step.race));
  assert.deepEqual([back.state.lr, back.state.log, back.at, back.focus], [0.05, true, 12, 'loss']);
});

test('a refused file names its field and why, in the page language', () => {
  const err = { detail: [{ loc: ['body', 'steps', 0, 'views', 'focus'], msg: "Input should be 'fit', 'loss', 'contour' or 'surface'", type: 'literal_error', ctx: { expected: "'fit', 'loss', 'contour' or 'surface'" } }] };
  setLang('en');
  assert.match(refusalText(err), /steps › 0 › views › focus: Input should be/);
  setLang('ko');
  assert.match(refusalText(err), /steps › 0 › views › focus: 'fit', 'loss', 'contour' or 'surface' 중 하나여야 합니다/);
  const bound = { detail: [{ loc: ['body', 'steps', '1', 'config', 'lr'], msg: 'Input should be greater than 0', type: 'greater_than', ctx: { gt: 0 } }] };
  assert.match(refusalText(bound), /steps › 1 › config › lr: .*> 0/);
  assert.match(refusalText(new SyntaxError('x')), /JSON/);
  setLang('en');
  assert.equal(fileName({ title: { en: 'My Lesson: lr!' } }), 'my-lesson-lr.gdviz-lesson.json');
});
