// Explain one update: the player's epoch k walked through forward, loss, backward, step and zero_grad,
// with the numbers the run produced, overlays on the fit and contour views, and the phase's lines
// marked in the code panel. While active, → / ← move through the phases (and on to the next update).
import { onKey } from './keys.js';
import { toggleCodePanel, markLines, currentCode } from './codepanel.js';
import { fmt } from './format.js';
import { HIGHLIGHT, ink, thick } from './theme.js';
import { MINIBATCH_MODES } from './state.js';

export const PHASES = ['forward', 'loss', 'backward', 'step', 'zero_grad'];
const STEP = PHASES.indexOf('step');
const LOSS_TEXT = {
  mse: 'the mean of the squared errors — the squares’ mean area',
  mae: 'the mean of the absolute errors |ŷ − y|',
  huber: 'the Huber loss: squared for small errors, linear for large ones',
};
const OPTIMIZER_STATE = {
  momentum: (c) => `momentum ${c.momentum} keeps a velocity v ← ${c.momentum}·v + ∇L and steps −lr·v, so past gradients move the point too`,
  nesterov: (c) => `Nesterov momentum ${c.momentum} keeps a velocity v ← μ·v + ∇L and steps −lr·(∇L + μ·v)`,
  adam: (c) => `Adam keeps running means m of ∇L (β1 = ${c.beta1}) and v of ∇L² (β2 = ${c.beta2}) and steps −lr·m̂/(√v̂ + ε)`,
  rmsprop: (c) => `RMSprop divides ∇L by a running root-mean-square of past gradients (α = ${c.alpha})`,
  adagrad: () => 'Adagrad divides ∇L by the root of the sum of all past squared gradients',
};
const STATE_NAME = { momentum: 'velocity', nesterov: 'velocity', adam: 'running means m and v', rmsprop: 'running mean of ∇L²', adagrad: 'sum of squared gradients' };

const $ = (id) => document.getElementById(id);
const num = (v) => fmt(v, 5).replace('-', '−');
const signed = (v) => (v < 0 ? `(${num(v)})` : num(v));
const plus = (v) => (v < 0 ? `− ${num(-v)}` : `+ ${num(v)}`);

/** The update at epoch k of `run` with the numbers its stream delivered; null before epoch 1. */
export function updateAt(run, k) {
  if (!run?.meta || k < 1 || k > run.epochs.length) return null;
  const meta = run.meta;
  const c = meta.config;
  const e = run.epochs[k - 1];
  const u = {
    k, config: c, perEpoch: meta.steps_per_epoch, n: meta.n,
    minibatch: MINIBATCH_MODES.includes(c.mode), source: 'epoch', loss: e.loss,
    before: k === 1 ? meta.start : run.epochs[k - 2], after: e, grad: { w: e.grad_w, b: e.grad_b },
  };
  if (u.perEpoch > 1) {
    // granularity=step: the epoch's last update exactly, when the step before it was sent too
    let i = run.steps.length - 1;
    while (i >= 0 && run.steps[i].epoch > k) i -= 1;
    const s = run.steps[i];
    const prev = run.steps[i - 1];
    if (s?.epoch === k && (s.step === 1 || prev?.step === s.step - 1)) {
      Object.assign(u, { source: 'step', step: s.step, loss: s.loss, before: s.step === 1 ? meta.start : prev,
        after: s, grad: { w: s.grad_w, b: s.grad_b } });
    }
  }
  return u;
}

export class Explain {
  constructor({ player, fit, contour }) {
    Object.assign(this, { player, fit, contour });
    this.active = false;
    this.phase = 0;
    this.unkey = null;
    this.box = $('explain-box');
    this.pills = PHASES.map((name, i) => {
      const li = document.createElement('li');
      li.textContent = name;
      li.addEventListener('click', () => this.go(i));
      return li;
    });
    $('explain-phases').replaceChildren(...this.pills);
    $('explain').addEventListener('click', () => (this.active ? this.stop() : this.start()));
    $('explain-exit').addEventListener('click', () => this.stop());
    $('explain-prev').addEventListener('click', () => this.move(-1));
    $('explain-next').addEventListener('click', () => this.move(1));
    $('code-panel').addEventListener('code-loaded', () => this.player.touch()); // its phases' lines
    $('code-panel').addEventListener('code-toggled', () => { if (this.active && $('code-panel').hidden) this.stop(); });
  }

  start() {
    this.active = true;
    this.phase = 0;
    this.player.pause();
    if (this.player.epoch === 0 && this.player.received > 0) this.player.seek(1);
    toggleCodePanel(true);
    this.box.hidden = false;
    $('explain').setAttribute('aria-pressed', 'true');
    document.getElementById('app').classList.add('explaining');
    this.unkey ??= onKey((ev) => {
      if (ev.key === 'ArrowRight') { this.move(1); return true; }
      if (ev.key === 'ArrowLeft') { this.move(-1); return true; }
      if (ev.key === 'Escape') { this.stop(); return true; }
      return false;
    });
    this.player.touch();
  }

  stop() {
    this.active = false;
    this.unkey?.();
    this.unkey = null;
    this.box.hidden = true;
    $('explain').setAttribute('aria-pressed', 'false');
    document.getElementById('app').classList.remove('explaining');
    markLines([]);
    this.fit.setExplain([]);
    this.contour.setExplain([]);
    this.player.touch();
  }

  go(phase) { this.phase = phase; this.player.touch(); }

  /** One phase on; past zero_grad to the next update's forward, before forward to the previous zero_grad. */
  move(delta) {
    const p = this.phase + delta;
    const k = this.player.epoch;
    this.player.pause();
    if (p > PHASES.length - 1) {
      if (k < this.player.received) { this.player.seek(k + 1); this.phase = 0; }
    } else if (p < 0) {
      if (k > 1) { this.player.seek(k - 1); this.phase = PHASES.length - 1; }
    } else this.phase = p;
    this.player.touch();
  }

  /** The epoch the views show at cursor k: before the update until its step, after it from then on. */
  viewEpoch(k) {
    return this.active && k >= 1 && this.phase < STEP ? k - 1 : k;
  }

  /** Called by every render: caption, marked code lines, overlays. */
  draw(run, k) {
    if (!this.active) return;
    const phase = PHASES[this.phase];
    this.pills.forEach((li, i) => li.classList.toggle('on', i === this.phase));
    this.box.dataset.phase = phase;
    const u = updateAt(run, k);
    Object.assign(this.box.dataset, u ? {
      epoch: String(k), source: u.source, wBefore: u.before.w, bBefore: u.before.b, wAfter: u.after.w,
      bAfter: u.after.b, gradW: u.grad.w, gradB: u.grad.b,
    } : { epoch: String(k), source: '' });
    if (!u) {
      $('explain-title').textContent = 'Explain one update';
      this.show(k === 0 ? 'epoch 0 is the start point: step to epoch 1 or later (→) to see an update' : 'waiting for this epoch', '', '');
      markLines(currentCode()?.phases?.[phase] ?? []);
      this.fit.setExplain([]);
      this.contour.setExplain([]);
      return;
    }
    $('explain-title').textContent = u.source === 'step'
      ? `Update ${u.step} · the last of epoch ${k}`
      : `Update ${u.minibatch ? `in epoch ${k}` : `${k}`} · (w, b) of epoch ${k - 1} → ${k}`;
    const [caption, math] = this[phase](u);
    this.show(caption, math, this.note(u));
    markLines(currentCode()?.phases?.[phase] ?? []); // after the captions: they set the code's height
    this.fit.setExplain(this.fitTraces(u, phase, run.color));
    this.contour.setExplain(this.arrows(u, phase));
  }

  show(caption, math, note) {
    $('explain-caption').textContent = caption;
    $('explain-math').textContent = math;
    $('explain-note').textContent = note;
    $('explain-note').hidden = !note;
  }

  note(u) {
    if (!u.minibatch) return '';
    const bs = u.config.batch_size;
    if (u.source === 'step') return `One epoch = ${u.perEpoch} updates on mini-batches of ${bs}; this is update ${u.step}, its batch among the points shown.`;
    return `One epoch = ${u.perEpoch} updates on mini-batches of ${bs}; showing the epoch's last update's gradient and the epoch's net move (granularity "step" shows single updates).`;
  }

  forward(u) {
    const who = u.minibatch ? `the ${u.config.batch_size} points of a mini-batch` : `all ${u.n} points`;
    return [`forward — predict ŷ = w·x + b for ${who} with the current w and b`,
      `ŷ = ${num(u.before.w)}·x ${plus(u.before.b)}`];
  }

  loss(u) {
    const what = LOSS_TEXT[u.config.loss] ?? 'the loss';
    const scope = !u.minibatch ? '' : u.source === 'step' ? ' on this mini-batch' : ', averaged over the epoch’s batches';
    return [`loss — how far ŷ is from y: ${what}${scope}`, `L = ${num(u.loss)}`];
  }

  backward(u) {
    return ['backward — loss.backward() fills w.grad and b.grad; the arrow points downhill, along −∇L',
      `∂L/∂w = ${num(u.grad.w)}\n∂L/∂b = ${num(u.grad.b)}`];
  }

  step(u) {
    const c = u.config;
    const dw = u.after.w - u.before.w;
    const db = u.after.b - u.before.b;
    const moved = `Δw = ${num(dw)}, Δb = ${num(db)}: w = ${num(u.after.w)}, b = ${num(u.after.b)}`;
    if (u.minibatch && u.source === 'epoch') {
      return [`step — ${u.perEpoch} steps this epoch moved (w, b) by their sum`, moved];
    }
    const state = c.mode === 'manual' ? null : OPTIMIZER_STATE[c.optimizer];
    if (state) return [`step — ${state(c)}`, `${moved}\n(−lr·∇L alone would move them by ${num(-c.lr * u.grad.w)}, ${num(-c.lr * u.grad.b)})`];
    return [`step — w ← w − lr·∂L/∂w and b ← b − lr·∂L/∂b, with lr = ${c.lr}`,
      `w = ${num(u.before.w)} − ${c.lr}·${signed(u.grad.w)} = ${num(u.after.w)}\nb = ${num(u.before.b)} − ${c.lr}·${signed(u.grad.b)} = ${num(u.after.b)}`];
  }

  zero_grad(u) {
    const c = u.config;
    const how = c.mode === 'manual' ? 'w.grad = None and b.grad = None' : 'my_optimizer.zero_grad()';
    const kept = c.mode !== 'manual' && STATE_NAME[c.optimizer];
    return [`zero_grad — ${how} clears the gradients, or the next backward() would add to them`,
      kept ? `The optimizer's ${kept} is kept: it carries into the next update.` : 'Nothing else is remembered: the next update starts from (w, b) alone.'];
  }

  fitTraces(u, phase, color) {
    const pts = this.fit.meta?.points;
    if (!pts) return [];
    const { w, b } = u.before;
    const [x0, x1] = this.fit.xRange;
    const line = { x: [x0, x1], y: [w * x0 + b, w * x1 + b], mode: 'lines', name: 'ŷ before the step', hoverinfo: 'skip',
      line: { color: ink(HIGHLIGHT), width: thick(3), dash: phase === 'step' || phase === 'zero_grad' ? 'dash' : 'solid' } };
    if (phase === 'forward') {
      return [line, { x: pts.x, y: pts.x.map((x) => w * x + b), mode: 'markers', name: 'ŷ', hovertemplate: 'ŷ=%{y:.4g}<extra></extra>',
        marker: { color: ink(HIGHLIGHT), size: thick(9), symbol: 'diamond', line: { color: ink('#fff'), width: thick(1) } } }];
    }
    if (phase === 'loss') {
      if (u.config.loss === 'mse') {
        const sq = this.fit.squares({ w, b });
        return [line, { ...sq, mode: 'lines', fill: 'toself', name: 'squared errors', hoverinfo: 'skip',
          line: { color: ink(color), width: thick(1.5) }, fillcolor: 'rgba(0,114,178,0.18)' }];
      }
      const xs = pts.x.flatMap((x) => [x, x, null]);
      const ys = pts.x.flatMap((x, i) => [pts.y[i], w * x + b, null]);
      return [line, { x: xs, y: ys, mode: 'lines', name: 'errors', hoverinfo: 'skip', line: { color: ink(color), width: thick(2.5) } }];
    }
    return [line];
  }

  arrows(u, phase) {
    const p = { w: u.before.w, b: u.before.b, grad_w: u.grad.w, grad_b: u.grad.b };
    const win = this.contour.surface?.window;
    if (phase === 'backward' && win) {
      // along −∇L, a fixed fraction of the window long (the gradient's size is in the caption)
      const [sw, sb] = [win.w_max - win.w_min, win.b_max - win.b_min];
      const [gw, gb] = [-p.grad_w / sw, -p.grad_b / sb];
      const norm = Math.hypot(gw, gb) || 1;
      return [{ from: p, to: { w: p.w + (gw / norm) * 0.2 * sw, b: p.b + (gb / norm) * 0.2 * sb }, color: HIGHLIGHT }];
    }
    const ink = getComputedStyle(document.body).getPropertyValue('--ink').trim() || '#222'; // dark theme: light
    if (phase === 'step' || phase === 'zero_grad') return [{ from: u.before, to: u.after, color: ink }];
    return [];
  }
}
