// Loss curve: loss per epoch for each run up to the cursor; per-step losses as a light trace.
// Plotly holds the curves (hover with exact values, PNG export) but, while a run plays, is redrawn at
// most every SYNC_MS: in between, each curve's newest part and the current points are painted on an
// overlay canvas, so a frame costs a canvas redraw instead of a Plotly redraw of thousands of points.
import { Chart, legendName } from './chart.js';
import { axis, plain, PLOT_CONFIG, LSQ_COLOR, ink, thick, canvasDash, drawMarker } from './theme.js';
import { historyTo } from '../core/history.js';
import { axesOf, strokeThrough } from './overlay.js';
import { t } from '../i18n/i18n.js';

const SYNC_MS = 500;   // Plotly catches up with a playing run this often
const RANGE_MS = 100;  // ... or this often while the curve leaves the y range Plotly chose
const LOG_SPAN = 1e3;  // a run's loss spanning more than three decades is shown on a log axis

// per run i, traces 3i: steps (light), 3i+1: epochs, 3i+2: the current point (when at rest)
export class LossChart extends Chart {
  constructor(el) {
    // the runs' legend: over the plot, or inside its corner in a narrow view
    super(el, { margin: { l: 72, r: 16, t: 8, b: 56 }, legend: { inside: true } });
    this.log = false;      // asked for (the log-scale box)
    this.logShown = false; // on screen: asked for, or a run's loss spans more than LOG_SPAN
    this.total = 1;
    this.plotted = [];     // per run, what Plotly has: {n epochs, s steps, head}
    this.lastSync = 0;
    this.timer = null;
    this.plot();
    el.on('plotly_relayouting', () => this.paint());
  }

  layout() {
    return this.legendLayout({
      xaxis: axis(t('axis.epoch'), { range: [0, this.total] }),
      yaxis: axis(t('axis.loss'), { type: this.logShown ? 'log' : 'linear', exponentformat: 'power' }),
      hovermode: 'closest',
    });
  }

  /**
   * A new generation: one trio of traces per run spec ({label, color}). When the legend stays the
   * same, the old curves stay (dimmed) until this run's first epochs replace them in one redraw.
   */
  reset(specs, total) {
    this.total = Math.max(1, total);
    this.plotted = specs.map(() => ({ n: -1, s: -1, head: false })); // -1: the last run's
    this.reference = { x: [], y: [] };
    clearTimeout(this.timer);
    this.timer = null;
    if (super.reset(specs)) {
      this.pending = { 'xaxis.range': [0, this.total], 'yaxis.autorange': true };
      return;
    }
    this.pending = null;
    this.dim(false);
    this.plotted = specs.map(() => ({ n: 0, s: 0, head: false }));
    const traces = specs.flatMap((s) => [
      { x: [], y: [], mode: 'lines', name: `${plain(s.label)} (steps)`, line: { color: ink(s.color), width: thick(1) },
        opacity: 0.3, showlegend: false, hovertemplate: `${t('trace.stepLoss')} %{y:.6g}<extra>${plain(s.label)}</extra>` },
      { x: [], y: [], mode: 'lines', name: legendName(s), line: { color: ink(s.color), width: thick(3), dash: s.dash },
        hovertemplate: `epoch %{x}<br>${t('axis.loss')} %{y:.6g}<extra>${plain(s.label)}</extra>` },
      { x: [], y: [], mode: 'markers', showlegend: false,
        marker: { color: ink(s.color), size: thick(11), symbol: s.marker, line: { color: ink('#fff'), width: thick(2) } },
        hoverinfo: 'skip' },
    ]);
    traces.push({ x: [], y: [], mode: 'lines', name: t('trace.lsqLoss'), line: { color: ink(LSQ_COLOR), width: thick(2), dash: 'dash' },
      hovertemplate: `${t('trace.lsqLoss')} %{y:.6g}<extra></extra>`, showlegend: false });
    Plotly.react(this.el, traces, { ...this.layout(), uirevision: Math.random() }, PLOT_CONFIG);
  }

  /** Redrawn in the current look: new traces, then the curves and the reference again. */
  relook() {
    const { runs, total, reference, shown } = this;
    this.legendKey = null;
    this.reset(runs, total);
    if (reference?.x.length) this.setReference(reference.y[0], reference.x[1]);
    if (shown) this.draw(...shown);
  }

  /** The lowest loss a line can reach on this data, as a dashed reference. */
  setReference(lossMin, total) {
    this.reference = { x: [0, Math.max(total, this.total)], y: [lossMin, lossMin] };
    if (!this.pending) Plotly.restyle(this.el, { x: [this.reference.x], y: [this.reference.y] }, [this.runs.length * 3]);
  }

  setTotal(total) {
    if (total > this.total) {
      this.total = total;
      if (this.pending) this.pending['xaxis.range'] = [0, total];
      else Plotly.relayout(this.el, { 'xaxis.range': [0, total] });
    }
  }

  setLog(log) {
    this.log = log;
    this.showLog(this.shown ? spansDecades(...this.shown) : false);
  }

  /** Log axis when asked for or when `wide` (a run's loss spans more than three decades). */
  showLog(wide) {
    const log = this.log || wide;
    if (log === this.logShown) return;
    this.logShown = log;
    const change = { 'yaxis.type': log ? 'log' : 'linear', 'yaxis.autorange': true };
    if (this.pending) Object.assign(this.pending, change);
    else Plotly.relayout(this.el, change);
  }

  /** Run i's epochs' curve. */
  legendTrace(i) { return 3 * i + 1; }

  /** Every run up to epoch k. While `moving` (playing), Plotly is brought up to date only now and then. */
  draw(runs, k, moving = false) {
    if (runs.length !== this.plotted.length) return;
    this.shown = [runs, k];
    this.showLog(spansDecades(runs, k));
    const want = runs.map((run) => this.extent(run, k));
    // the last run's curves stay until there is a new one, unless this one waits at its start
    if (this.pending && want.every((w) => w.n === 0) && (moving || !runs.every((r) => r.meta))) return;
    const behind = want.some((w, i) => !same(w, this.plotted[i], !moving));
    if (behind) {
      const back = want.some((w, i) => w.n < this.plotted[i].n || w.s < this.plotted[i].s);
      const first = want.some((w, i) => w.n > 0 && this.plotted[i].n <= 0); // Plotly picks the y range
      const stale = moving && this.plotted.some((p) => p.head); // its resting point would lag behind
      if (!moving || back || stale) this.sync(!moving);
      // a playing run's first epochs: right after this frame, which has the other views' first drawing
      else if (first) this.syncSoon(0);
      else {
        const wait = this.lastSync + (this.leavesRange(runs, want) ? RANGE_MS : SYNC_MS) - performance.now();
        if (wait <= 0) this.sync(false); else this.syncSoon(wait);
      }
    }
    this.paint();
  }

  /** Plotly catches up in `ms`, in a task of its own (unless it already is to). */
  syncSoon(ms) {
    if (!this.timer) this.timer = setTimeout(() => { this.timer = null; if (this.shown) this.sync(false); }, ms);
  }

  /** What of `run` is shown at epoch k: epochs 1..n and the steps up to index s. */
  extent(run, k) {
    const n = Math.min(k, run.epochs.length);
    return { n, s: stepsUpTo(run.steps, n), head: n > 0 };
  }

  /** Plotly gets every run up to the cursor; the current points too when `rest` (nothing moves). */
  sync(rest) {
    clearTimeout(this.timer);
    this.timer = null;
    const [runs, k] = this.shown;
    const xs = [];
    const ys = [];
    const idx = [];
    runs.forEach((run, i) => {
      const w = this.extent(run, k);
      w.head = rest && w.n > 0;
      if (same(w, this.plotted[i], true)) return;
      this.plotted[i] = w;
      const h = historyTo(run, w.n);
      const spe = run.meta?.steps_per_epoch || 1;
      const steps = run.steps.slice(0, w.s);
      xs.push(steps.map((s) => s.step / spe), h.map((r) => r.epoch), w.head ? [w.n] : []);
      ys.push(steps.map((s) => s.loss), h.map((r) => r.loss), w.head ? [h[w.n - 1].loss] : []);
      idx.push(3 * i, 3 * i + 1, 3 * i + 2);
    });
    this.lastSync = performance.now();
    if (this.pending) { // the last run's curves go, this run's first part comes: one redraw
      xs.push(this.reference.x);
      ys.push(this.reference.y);
      idx.push(runs.length * 3);
      Plotly.update(this.el, { x: xs, y: ys }, this.pending, idx);
      this.pending = null;
      this.dim(false);
    } else if (idx.length) Plotly.restyle(this.el, { x: xs, y: ys }, idx); // -> afterplot -> paint
  }

  /** Does a curve's part beyond what Plotly has leave the y range Plotly chose? */
  leavesRange(runs, want) {
    const fl = this.el._fullLayout;
    if (!fl?.yaxis?.range) return true;
    const { inY } = axesOf(fl);
    return runs.some((run, i) => {
      for (let j = Math.max(0, this.plotted[i].n); j < want[i].n; j += 1) {
        const v = run.epochs[j].loss;
        if (v !== null && !inY(v)) return true;
      }
      return false;
    });
  }

  /** The overlay: each curve from Plotly's last point to the cursor, and the current points. */
  paint() {
    const fl = this.el._fullLayout;
    if (!this.shown || !fl?.xaxis?._length) return;
    const [runs, k] = this.shown;
    const { ctx, px, py, scale, outline } = this.overlay.begin2d(fl);
    const heads = [];
    runs.forEach((run, i) => {
      const done = this.plotted[i];
      const w = this.extent(run, k);
      if (!done || w.n === 0 || this.hidden(i)) return;
      const color = ink(run.color);
      const spe = run.meta?.steps_per_epoch || 1;
      if (w.s > done.s && this.el.data?.[3 * i]?.visible !== false) {
        ctx.globalAlpha = 0.3;
        ctx.strokeStyle = color;
        ctx.lineWidth = 1 * scale;
        polyline(ctx, run.steps, Math.max(0, done.s - 1), w.s, (s) => px(s.step / spe), (s) => py(s.loss));
        ctx.globalAlpha = 1;
      }
      if (w.n > done.n) {
        ctx.strokeStyle = color;
        ctx.lineWidth = 3 * scale;
        ctx.setLineDash(canvasDash(run.dash, ctx.lineWidth));
        polyline(ctx, run.epochs, Math.max(0, done.n - 1), w.n, (e) => px(e.epoch), (e) => py(e.loss));
        ctx.setLineDash([]);
      }
      const last = run.epochs[w.n - 1];
      heads.push({ label: run.label, epoch: last.epoch, loss: last.loss, color: run.color, dash: run.dash, marker: run.marker });
      if (done.head && done.n === w.n) return; // Plotly draws it
      drawMarker(ctx, run.marker, px(last.epoch), py(last.loss), 5.5 * scale, { fill: color, outline, width: 2 * scale });
    });
    ctx.restore();
    this.overlay.canvas.trails = heads; // the current points, for tests and tools
  }
}

/** Does a run's loss over epochs 1..k span more than LOG_SPAN? */
function spansDecades(runs, k) {
  return runs.some((run) => {
    let lo = Infinity;
    let hi = 0;
    for (const e of historyTo(run, k)) {
      if (e.loss > 0) { lo = Math.min(lo, e.loss); hi = Math.max(hi, e.loss); }
    }
    return hi > LOG_SPAN * lo;
  });
}

/** Same extent; the head counts only when `withHead`. */
function same(a, b, withHead) {
  return a.n === b.n && a.s === b.s && (!withHead || a.head === b.head);
}

/** How many of the (epoch-ordered) steps belong to epochs 1..n. */
function stepsUpTo(steps, n) {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid].epoch <= n) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** A line through items[from..to) (with a gap at null values), mapped by fx, fy. */
function polyline(ctx, items, from, to, fx, fy) {
  const points = [];
  for (let j = from; j < to; j += 1) {
    const y = items[j].loss;
    points.push(y === null || y === undefined ? null : [fx(items[j]), fy(items[j])]);
  }
  strokeThrough(ctx, points);
}
