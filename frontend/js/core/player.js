// Buffers what the streams deliver and decides what is drawn: one shared epoch cursor for all views.
// Streaming and playback are decoupled: events only fill buffers; the animation frame loop moves
// the cursor (by speed, or to the newest epoch when "live") and calls render at most once a frame.

export const EPOCHS_PER_SECOND = 10; // at 1×

export class Player {
  /** `nextFrame(fn)` schedules fn(time in ms) for the next frame: the browser's by default. */
  constructor(render, nextFrame = (fn) => requestAnimationFrame(fn)) {
    this.render = render;      // render(player), called inside requestAnimationFrame
    this.nextFrame = nextFrame;
    this.gen = 0;              // generation: bumped for each new run; stale streams check it
    this.runs = [];
    this.cursor = 0;           // epoch shown; 0 is the start point, before any update
    this.speed = '1';
    this.playing = false;
    this.dirty = true;
    this.last = null;
    this.nextFrame((t) => this.frame(t));
  }

  /** Start a new generation of `specs` runs ({label, color}); returns its id. `toEnd`: no playback,
   *  the cursor jumps to the end when the runs are done (unless the user plays or steps first).
   *  `paused`: no playback either; the cursor waits at epoch 0, the start, until the user plays.
   *  `holdAt`: playback stops at that epoch (a lesson step's key moment); 0 is `paused`. */
  newGeneration(specs, { toEnd = false, paused = false, holdAt = null } = {}) {
    this.gen += 1;
    this.runs = specs.map((s) => ({ ...s, id: null, meta: null, epochs: [], steps: [], changes: [], done: null, error: null }));
    this.cursor = 0;
    const still = paused || holdAt === 0;
    this.holdAt = still ? null : holdAt;
    this.toEnd = toEnd && !still; // to the hold, if there is one
    this.playing = !toEnd && !still;
    this.dirty = true;
    return this.gen;
  }

  isCurrent(gen) { return gen === this.gen; }

  /** Epochs available to show: the longest buffer. */
  get received() { return Math.max(0, ...this.runs.map((r) => r.epochs.length)); }
  get total() { return Math.max(0, ...this.runs.map((r) => r.meta?.total_epochs ?? 0)); }
  get finished() { return this.runs.length > 0 && this.runs.every((r) => r.done || r.error); }
  get epoch() { return Math.floor(this.cursor); }

  touch() { this.dirty = true; }

  play() {
    this.toEnd = false;
    this.holdAt = null;
    if (this.epoch >= this.received && this.finished) this.cursor = 0; // replay a finished run
    this.playing = true;
    this.dirty = true;
  }
  pause() { this.playing = false; this.toEnd = false; this.holdAt = null; this.dirty = true; }
  toggle() { if (this.playing) this.pause(); else this.play(); }
  seek(epoch) {
    this.cursor = Math.max(0, Math.min(this.received, Math.round(epoch)));
    this.dirty = true;
  }
  step(delta) { this.pause(); this.seek(this.epoch + delta); }
  reset() { this.pause(); this.seek(0); }
  toEndNow() { this.pause(); this.seek(this.received); } // the last epoch received: "Jump to end"
  setSpeed(speed) { this.speed = speed; this.dirty = true; }

  frame(now) {
    const dt = this.last === null ? 0 : Math.min(0.25, (now - this.last) / 1000);
    this.last = now;
    if (this.toEnd && (this.finished || (this.holdAt !== null && this.received >= this.holdAt))) {
      this.toEnd = false;
      this.seek(this.holdAt ?? this.received);
      this.holdAt = null;
    }
    if (this.playing) {
      const before = this.epoch;
      const max = this.received;
      if (this.speed === 'live') this.cursor = max;
      else this.cursor = Math.min(max, this.cursor + dt * EPOCHS_PER_SECOND * Number(this.speed));
      if (this.holdAt !== null && this.cursor >= this.holdAt && this.received >= this.holdAt) {
        this.cursor = this.holdAt; // the moment a lesson step is about: it waits there
        this.pause();
      }
      if (this.epoch !== before) this.dirty = true;
      if (this.cursor >= max && this.finished) { this.playing = false; this.dirty = true; }
    }
    if (this.dirty) {
      this.dirty = false;
      try { this.render(this); } catch (err) { console.error(err); }
    }
    this.nextFrame((t) => this.frame(t));
  }
}
