// The player's cursor: playback by speed, live, seek/step bounds, replay, and the generation check.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Player, EPOCHS_PER_SECOND } from '../../../frontend/js/core/player.js';

/** A player on a hand-driven clock: tick(ms) runs one frame that many ms after the last. */
function manual() {
  let pending = null;
  let now = 0;
  const renders = [];
  const player = new Player((p) => renders.push(p.epoch), (fn) => { pending = fn; });
  const tick = (ms = 0) => { now += ms; const fn = pending; pending = null; fn(now); };
  const seconds = (s) => { for (let i = 0; i < s * 4; i++) tick(250); }; // frames of a quarter second
  tick(); // the first frame only sets the clock
  return { player, tick, seconds, renders };
}

const feed = (run, n) => { for (let i = 0; i < n; i++) run.epochs.push({ epoch: run.epochs.length + 1 }); };

test('playback moves the cursor by speed, never past what arrived', () => {
  const { player, tick, seconds } = manual();
  player.newGeneration([{ label: 'a' }]);
  feed(player.runs[0], 50);
  seconds(1);
  assert.equal(player.epoch, EPOCHS_PER_SECOND);
  player.setSpeed('2');
  seconds(1);
  assert.equal(player.epoch, 3 * EPOCHS_PER_SECOND);
  seconds(2);
  assert.equal(player.epoch, 50, 'waits at the newest epoch');
  assert.equal(player.playing, true, 'still playing: the run is not done');
  player.runs[0].done = { status: 'completed' };
  tick(16);
  assert.equal(player.playing, false);
});

test('a frame longer than a quarter second counts as a quarter second', () => {
  const { player, tick } = manual();
  player.newGeneration([{ label: 'a' }]);
  feed(player.runs[0], 50);
  tick(5000);
  assert.equal(player.epoch, Math.floor(0.25 * EPOCHS_PER_SECOND));
});

test('live jumps to the newest epoch of the longest run', () => {
  const { player, tick } = manual();
  player.newGeneration([{ label: 'a' }, { label: 'b' }]);
  player.setSpeed('live');
  feed(player.runs[0], 3);
  feed(player.runs[1], 7);
  tick(16);
  assert.equal(player.epoch, 7);
  assert.equal(player.received, 7);
});

test('seek and step stay within 0 and what arrived; play replays a finished run', () => {
  const { player, tick } = manual();
  player.newGeneration([{ label: 'a' }]);
  feed(player.runs[0], 10);
  player.runs[0].done = { status: 'completed' };
  player.seek(99);
  assert.equal(player.epoch, 10);
  player.step(-3);
  assert.equal(player.epoch, 7);
  assert.equal(player.playing, false);
  player.step(-20);
  assert.equal(player.epoch, 0);
  player.seek(10);
  player.play();
  assert.equal(player.epoch, 0, 'replays from the start');
  tick(16);
  assert.equal(player.playing, true);
});

test('render runs once per frame, only when something changed', () => {
  const { player, tick, renders } = manual();
  const before = renders.length;
  player.touch(); player.touch();
  tick(16);
  assert.equal(renders.length, before + 1);
  tick(16);
  assert.equal(renders.length, before + 1);
});

test('a new generation makes the old one stale', () => {
  const { player } = manual();
  const first = player.newGeneration([{ label: 'a' }]);
  const second = player.newGeneration([{ label: 'b' }]);
  assert.equal(player.isCurrent(first), false);
  assert.equal(player.isCurrent(second), true);
  assert.equal(player.epoch, 0);
});

test('toEnd (reduced motion): no playback, the cursor jumps to the end when the runs are done', () => {
  const { player, seconds, tick } = manual();
  player.newGeneration([{ label: 'a' }], { toEnd: true });
  assert.equal(player.playing, false);
  feed(player.runs[0], 30);
  seconds(2);
  assert.equal(player.epoch, 0, 'still at the start while the run streams');
  player.runs[0].done = { status: 'completed' };
  tick(16);
  assert.equal(player.epoch, 30);
  assert.equal(player.playing, false);
});

test('toEnd gives way to the user: play animates, a step stays where it was put', () => {
  const { player, seconds } = manual();
  player.newGeneration([{ label: 'a' }], { toEnd: true });
  feed(player.runs[0], 50);
  player.step(3);
  player.runs[0].done = { status: 'completed' };
  seconds(1);
  assert.equal(player.epoch, 3, 'no jump to the end after a step');
  player.play();
  seconds(1);
  assert.equal(player.epoch, 3 + EPOCHS_PER_SECOND);
});

test('a hold stops playback at its epoch once; play goes on from there; 0 is paused', () => {
  const { player, seconds } = manual();
  player.newGeneration([{ label: 'a' }], { holdAt: 4 });
  feed(player.runs[0], 50);
  player.runs[0].done = { status: 'completed' };
  seconds(3);
  assert.equal(player.epoch, 4);
  assert.equal(player.playing, false, 'it waits at the moment its caption talks about');
  player.play();
  seconds(1);
  assert.equal(player.epoch, 4 + EPOCHS_PER_SECOND, 'then plays on, held no more');
  player.newGeneration([{ label: 'a' }], { holdAt: 0 });
  feed(player.runs[0], 50);
  seconds(1);
  assert.equal(player.epoch, 0);
  assert.equal(player.playing, false);
});

test('without playback (less motion), a hold is where the cursor jumps', () => {
  const { player, tick } = manual();
  player.newGeneration([{ label: 'a' }], { toEnd: true, holdAt: 4 });
  feed(player.runs[0], 3);
  tick(16);
  assert.equal(player.epoch, 0);
  feed(player.runs[0], 30);
  tick(16);
  assert.equal(player.epoch, 4);
  assert.equal(player.playing, false);
});
