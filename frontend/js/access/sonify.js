// The loss curve as sound (off by default): each epoch the cursor passes plays a short tone whose
// pitch follows log(loss), from the run's first loss (high) down to the lowest a line reaches (low).
import { pointAt } from '../core/history.js';

const LOW_HZ = 220;
const OCTAVES = 2;       // the first loss sounds two octaves above the lowest
const TONE_S = 0.09;
const GAP_MS = 70;       // at most one tone this often; epochs passed in between are skipped

/** The pitch for `loss` between `lowest` (LOW_HZ) and `first` (OCTAVES higher), on a log scale. */
export function pitch(loss, first, lowest) {
  const [lo, hi, v] = [lowest, first, loss].map((x) => Math.log(Math.max(x, 1e-12)));
  const t = hi > lo ? Math.max(0, Math.min(1.25, (v - lo) / (hi - lo))) : 0.5;
  return LOW_HZ * 2 ** (OCTAVES * t);
}

export class Sonifier {
  constructor(button) {
    this.button = button;
    this.on = false;
    this.ctx = null;
    this.last = 0;
    this.epoch = null;
    button.addEventListener('click', () => this.toggle());
  }

  toggle() {
    this.on = !this.on;
    this.button.setAttribute('aria-pressed', String(this.on));
    if (this.on) {
      this.ctx ??= new AudioContext();
      this.ctx.resume();
    } else this.ctx?.suspend();
  }

  /** Called by every render with the shown run and epoch. */
  follow(run, k) {
    if (!this.on || !run?.epochs.length || k === this.epoch) return;
    this.epoch = k;
    const now = performance.now();
    const pt = pointAt(run, k);
    if (now - this.last < GAP_MS || pt?.loss === null || pt?.loss === undefined) return;
    this.last = now;
    const lowest = run.meta?.least_squares?.loss ?? Math.min(...run.epochs.map((e) => e.loss ?? Infinity));
    this.tone(pitch(pt.loss, run.epochs[0].loss, lowest));
  }

  tone(hz) {
    const ctx = this.ctx;
    const t = ctx.currentTime;
    const osc = new OscillatorNode(ctx, { type: 'sine', frequency: hz });
    const gain = new GainNode(ctx, { gain: 0 });
    gain.gain.linearRampToValueAtTime(0.15, t + 0.01);
    gain.gain.linearRampToValueAtTime(0, t + TONE_S);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + TONE_S + 0.02);
    this.button.dataset.pitch = hz.toFixed(1); // the last tone, for tests
  }
}
