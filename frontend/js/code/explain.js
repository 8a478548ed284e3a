// Explain one update: the player's epoch k walked through forward, loss, backward, step and zero_grad,
// with the numbers the run produced, overlays on the fit and contour views, and the phase's lines
// marked in the code panel. While active, → / ← move through the phases (and on to the next update).
import { onKey } from '../core/keys.js';
import { toggleCodePanel, markLines, currentCode } from './codepanel.js';
import { fmt } from '../core/format.js';
import { HIGHLIGHT, ink, thick } from '../views/theme.js';
import { MINIBATCH_MODES } from '../core/settings.js';
import { t } from '../i18n/i18n.js';

export const PHASES = ['forward', 'loss', 'backward', 'step', 'zero_grad'];
const STEP = PHASES.indexOf('step');
const LOSS_TEXT = { mse: 'explain.lossMse', mae: 'explain.lossMae', huber: 'explain.lossHuber' };
const OPTIMIZER_STATE = { momentum: 'explain.stateMomentum', nesterov: 'explain.stateNesterov', adam: 'explain.stateAdam',
  rmsprop: 'explain.stateRmsprop', adagrad: 'explain.stateAdagrad' };
const STATE_NAME = { momentum: 'explain.velocity', nesterov: 'explain.velocity', adam: 'explain.adamMeans',
  rmsprop: 'explain.rmsMean', adagrad: 'explain.adagradSum' };

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
      li.dataset.i18n = `explain.phase.${name}`;
      li.textContent = t(li.dataset.i18n);
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

  /** The walk-through narrates the line's update (ŷ = w·x + b, its loss and gradient); for any
   *  other model its button goes, rather than tell a wrong story. */
  setModel(kind) {
    $('explain').hidden = kind !== 'line';
    if (kind !== 'line' && this.active) this.stop();
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
      $('explain-title').textContent = t('explain.title');
      this.show(t(k === 0 ? 'explain.atStart' : 'explain.waiting'), '', '');
      markLines(currentCode()?.phases?.[phase] ?? []);
      this.fit.setExplain([]);
      this.contour.setExplain([]);
      return;
    }
    $('explain-title').textContent = u.source === 'step' ? t('explain.titleStep', { step: u.step, k })
      : t(u.minibatch ? 'explain.titleEpochBatches' : 'explain.titleEpoch', { k, before: k - 1 });
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
    return t(u.source === 'step' ? 'explain.noteStep' : 'explain.noteEpoch', { updates: u.perEpoch, bs, step: u.step });
  }

  forward(u) {
    const who = u.minibatch ? t('explain.whoBatch', { bs: u.config.batch_size }) : t('explain.whoAll', { n: u.n });
    return [t('explain.forward', { who }),
      `ŷ = ${num(u.before.w)}·x ${plus(u.before.b)}`];
  }

  loss(u) {
    const what = t(LOSS_TEXT[u.config.loss] ?? 'explain.lossOther');
    const scope = !u.minibatch ? '' : t(u.source === 'step' ? 'explain.scopeBatch' : 'explain.scopeEpoch');
    return [t('explain.loss', { what, scope }), `L = ${num(u.loss)}`];
  }

  backward(u) {
    return [t('explain.backward'),
      `∂L/∂w = ${num(u.grad.w)}\n∂L/∂b = ${num(u.grad.b)}`];
  }

  step(u) {
    const c = u.config;
    const dw = u.after.w - u.before.w;
    const db = u.after.b - u.before.b;
    const moved = `Δw = ${num(dw)}, Δb = ${num(db)}: w = ${num(u.after.w)}, b = ${num(u.after.b)}`;
    if (u.minibatch && u.source === 'epoch') {
      return [t('explain.stepSum', { updates: u.perEpoch }), moved];
    }
    const state = c.mode === 'manual' ? null : OPTIMIZER_STATE[c.optimizer];
    if (state) {
      const how = t(state, { momentum: c.momentum, beta1: c.beta1, beta2: c.beta2, alpha: c.alpha });
      return [t('explain.stepOptimizer', { how }), `${moved}\n${t('explain.plainWould', { dw: num(-c.lr * u.grad.w), db: num(-c.lr * u.grad.b) })}`];
    }
    return [t('explain.stepPlain', { lr: c.lr }),
      `w = ${num(u.before.w)} − ${c.lr}·${signed(u.grad.w)} = ${num(u.after.w)}\nb = ${num(u.before.b)} − ${c.lr}·${signed(u.grad.b)} = ${num(u.after.b)}`];
  }

  zero_grad(u) {
    const c = u.config;
    const how = c.mode === 'manual' ? 'w.grad = None, b.grad = None' : 'my_optimizer.zero_grad()';
    const kept = c.mode !== 'manual' && STATE_NAME[c.optimizer];
    return [t('explain.zeroGrad', { how }), kept ? t('explain.kept', { what: t(kept) }) : t('explain.nothingKept')];
  }

  fitTraces(u, phase, color) {
    const pts = this.fit.meta?.points;
    if (!pts) return [];
    const { w, b } = u.before;
    const [x0, x1] = this.fit.xRange;
    const line = { x: [x0, x1], y: [w * x0 + b, w * x1 + b], mode: 'lines', name: t('explain.lineBefore'), hoverinfo: 'skip',
      line: { color: ink(HIGHLIGHT), width: thick(3), dash: phase === 'step' || phase === 'zero_grad' ? 'dash' : 'solid' } };
    if (phase === 'forward') {
      return [line, { x: pts.x, y: pts.x.map((x) => w * x + b), mode: 'markers', name: 'ŷ', hovertemplate: 'ŷ=%{y:.4g}<extra></extra>',
        marker: { color: ink(HIGHLIGHT), size: thick(9), symbol: 'diamond', line: { color: ink('#fff'), width: thick(1) } } }];
    }
    if (phase === 'loss') {
      if (u.config.loss === 'mse') {
        const sq = this.fit.squares([w, b]);
        return [line, { ...sq, mode: 'lines', fill: 'toself', name: t('trace.squaredErrors'), hoverinfo: 'skip',
          line: { color: ink(color), width: thick(1.5) }, fillcolor: 'rgba(0,114,178,0.18)' }];
      }
      const xs = pts.x.flatMap((x) => [x, x, null]);
      const ys = pts.x.flatMap((x, i) => [pts.y[i], w * x + b, null]);
      return [line, { x: xs, y: ys, mode: 'lines', name: t('trace.errors'), hoverinfo: 'skip', line: { color: ink(color), width: thick(2.5) } }];
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
