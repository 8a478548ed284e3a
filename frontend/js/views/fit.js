// Fit view: the data, the run's current fit — the line y = w·x + b, logistic regression's S-curve
// σ(w·x + b) with its 0.5 decision boundary, a polynomial or a network's curve (its probability on bce) (core/models.js) — optional squared
// residuals, and the least-squares fit (logistic regression: the loss's minimum).
// While a run plays, the line and squares move every frame: they are painted on an overlay canvas
// (Plotly's own are emptied) and handed back to Plotly when the player rests (hover, PNG export).
// A data set of the page's own above PAINTED_FROM points is painted on a canvas of its own (dots.js).
import { Chart } from './chart.js';
import { axis, baseLayout, plain, DATA_COLOR, LSQ_COLOR, RUN_COLORS, ink, thick, canvasDash } from './theme.js';
import { pointAt } from '../core/history.js';
import { modelKind, netSpec, curve, boundary, predict, paramsOf } from '../core/models.js';
import { Overlay, axesOf } from './overlay.js';
import { paintDots } from './dots.js';
import { t, has } from '../i18n/i18n.js';

const MAX_SQUARES = 300; // residual squares drawn for at most this many points
const PAINTED_FROM = 2000; // more points than this (the page's own data) are painted by dots.js, not Plotly
// traces: 0 data, 1 least squares, 2 residual squares, 3 current fit, 4 decision boundary (logistic)
const OVERLAY_FROM = 5; // the overlay's traces come after the chart's own five

/** A data set's axis title: a built-in set's in the catalogue (dataset.<name>.x), an upload's
 *  column name (the user's: as text). */
function dataLabel(ds, axisName) {
  const key = `dataset.${ds?.name}.${axisName}`;
  return ds?.name && has(key) ? t(key) : plain(ds?.[`${axisName}_label`] || axisName);
}

export class FitChart extends Chart {
  constructor(el) {
    super(el);
    this.meta = null;
    this.showResiduals = false;
    this.showLsq = true;
    this.shown = null;   // {pt, color, moving} last drawn
    this.inPlotly = false; // Plotly's traces 2 and 3 hold the shown line
    this.plot();
    this.dots = new Overlay(el, { className: 'dots', under: this.overlay }); // a large data set, below the moving line
    el.on('plotly_relayout', () => { this.lastKey = null; });
    el.on('plotly_relayouting', () => this.paintDots());
  }

  afterPlot() {
    this.dots.place();
    this.paintDots();
    super.afterPlot();
  }

  /** The data shown, and whether dots.js paints it (Plotly's data trace then stays empty). */
  data() {
    const p = this.ownPoints ?? this.meta?.points ?? { x: [], y: [] };
    return { p, painted: p.x.length > PAINTED_FROM };
  }

  traces() {
    const { p, painted } = this.data();
    const best = this.bestCurve();
    return [
      { x: painted ? [] : p.x, y: painted ? [] : p.y, mode: 'markers', type: 'scatter', name: t('trace.data'), marker: { color: ink(DATA_COLOR), size: thick(8), opacity: 0.8 },
        hovertemplate: `x=%{x:.3g}<br>y=%{y:.3g}<extra>${t('trace.data')}</extra>` },
      { x: best.x, y: best.y, mode: 'lines', name: t(this.kind === 'logistic' ? 'trace.minimum' : 'trace.leastSquares'),
        line: { color: ink(LSQ_COLOR), width: thick(2), dash: 'dash' }, visible: this.showLsq, hoverinfo: 'skip' },
      { x: [], y: [], mode: 'lines', fill: 'toself', name: t('trace.squaredErrors'), line: { color: RUN_COLORS[0], width: thick(1) },
        fillcolor: 'rgba(213,94,0,0.15)', hoverinfo: 'skip', visible: this.showResiduals },
      { x: [], y: [], mode: 'lines', name: t('trace.fit'), line: { color: RUN_COLORS[0], width: thick(4) },
        hovertemplate: 'ŷ=%{y:.3g}<extra></extra>' },
      { x: [], y: [], mode: 'lines', name: t('trace.boundary'), line: { color: RUN_COLORS[0], width: thick(2), dash: 'dot' },
        hovertemplate: `${t('trace.boundary')}: x=%{x:.3g}<extra></extra>` },
    ];
  }

  /** The least-squares fit (the page's own points' line, while they are edited), or logistic
   *  regression's minimum; {x: [], y: []} when there is none (separable classes). */
  bestCurve() {
    const range = this.xRange ?? [0, 1];
    if (this.ownPoints) return curve('line', this.ownLsq ? [this.ownLsq.w, this.ownLsq.b] : null, range);
    const best = this.kind === 'logistic' ? this.meta?.minimum : this.meta?.least_squares;
    return curve(this.kind, best?.params ?? (best ? [best.w, best.b] : null), range);
  }

  /** The shown fit's curve and, for logistic regression, its boundary x (null: none in view). */
  fitOf(pt) {
    const params = paramsOf(pt, this.meta);
    const cut = this.kind === 'logistic' && params ? boundary(params) : null;
    return { params, line: curve(this.kind, params, this.xRange, undefined, this.net), cut: cut !== null && cut >= this.xRange[0] && cut <= this.xRange[1] ? cut : null };
  }

  layout(extra = {}) {
    const ds = this.meta?.dataset;
    return baseLayout({
      xaxis: axis(dataLabel(ds, 'x'), { range: this.xRange }),
      yaxis: axis(dataLabel(ds, 'y'), { range: this.yRange }),
      ...extra,
    });
  }

  relook() {
    this.inPlotly = false;
    this.lastKey = null;
    this.explainKey = null;
    super.relook();
  }

  /** New data (a new run's meta); `color` is the shown run's colour. */
  setMeta(meta) {
    const key = JSON.stringify([meta.points, meta.least_squares, meta.minimum, meta.dataset, meta.config?.model]);
    const same = key === this.metaKey;
    this.metaKey = key;
    this.meta = meta;
    this.kind = modelKind(meta);
    this.net = netSpec(meta);
    this.lastKey = null;
    if (same) return; // a new run on the same data: the chart already shows it
    const pad = (lo, hi) => { const d = (hi - lo || 1) * 0.08; return [lo - d, hi + d]; };
    const xs = meta.points.x;
    const ys = meta.points.y;
    this.xRange = pad(Math.min(...xs), Math.max(...xs));
    this.yRange = pad(Math.min(...ys), Math.max(...ys));
    this.inPlotly = false;
    Plotly.react(this.el, ...this.figure({ uirevision: Math.random() }));
  }

  /** The page's own points (data edited by hand, all of them, not the meta's sample) and their
   *  least-squares line, drawn at once; null: the run's meta shows the data again. */
  setPoints(points, ls) {
    const wasPainted = this.data().painted;
    this.ownPoints = points;
    this.ownLsq = ls;
    if (!this.xRange) return;
    const { painted } = this.data();
    this.dotsKey = null; // repainted after Plotly's redraw below
    if (!points) {
      if (wasPainted) Plotly.react(this.el, ...this.figure());
      return;
    }
    const [x0, x1] = this.xRange;
    const line = { x: ls ? [x0, x1] : [], y: ls ? [ls.w * x0 + ls.b, ls.w * x1 + ls.b] : [] };
    if (painted && !this.el.data[0].x.length) {
      if (this.drawsLine(line)) { this.paintDots(); return; } // a drop where the drag last drew it
      Plotly.restyle(this.el, { x: [line.x], y: [line.y] }, [1]);
    } else Plotly.restyle(this.el, { x: [painted ? [] : points.x, line.x], y: [painted ? [] : points.y, line.y] }, [0, 1]);
  }

  /** Whether Plotly's least-squares trace already draws `line`, to well under a pixel. */
  drawsLine(line) {
    const { x, y } = this.el.data[1];
    const tol = 1e-6 * (this.yRange[1] - this.yRange[0]);
    return x.length === line.x.length && line.x.every((v, i) => v === x[i]) && line.y.every((v, i) => Math.abs(v - y[i]) < tol);
  }

  /** A large data set on its canvas (cleared when Plotly draws the data); again only when the
   *  points, the axes or the look changed. */
  paintDots() {
    const fl = this.el._fullLayout;
    const { p, painted } = this.data();
    const canvas = this.dots.canvas;
    if (!painted || !fl?.xaxis?._length) {
      if (canvas.points) { this.dots.clear(); canvas.points = null; this.dotsKey = null; }
      return;
    }
    const style = { color: ink(DATA_COLOR), size: thick(8), opacity: 0.8 };
    const key = JSON.stringify([fl.width, fl.height, fl.xaxis.range, fl.yaxis.range, window.devicePixelRatio, style]);
    if (key === this.dotsKey && canvas.points === p) return;
    this.dotsKey = key;
    this.dots.context(fl);
    paintDots(canvas, fl, p, style);
    canvas.points = p; // what is drawn, for tests and tools
  }

  setOptions({ residuals, lsq }) {
    if (residuals === this.showResiduals && lsq === this.showLsq) return;
    this.showResiduals = residuals;
    this.showLsq = lsq;
    Plotly.restyle(this.el, { visible: [lsq, residuals] }, [1, 2]);
    this.lastKey = null;
  }

  /** The line is about to move: Plotly's resting line goes (a redraw, so best done as a run starts,
   *  not in the frame that shows its first epochs along with the loss chart's redraw). */
  unpin() {
    if (!this.inPlotly) return;
    Plotly.restyle(this.el, { x: [[], [], []], y: [[], [], []] }, [2, 3, 4]);
    this.inPlotly = false;
    this.lastKey = null;
  }

  /** Draw `run` after `k` epochs; `moving`: the player plays, the overlay draws. */
  draw(run, k, color, moving = false) {
    if (!this.meta || !run?.meta) return;
    const pt = pointAt(run, k);
    const dash = run.dash ?? 'solid';
    this.shown = { pt, color, dash, moving };
    if (moving) {
      this.unpin();
      this.paint();
      return;
    }
    const fitted = this.fitOf(pt);
    const key = `${fitted.params},${color},${dash},${this.showResiduals}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.inPlotly = true;
    this.overlay.clear();
    const sq = this.showResiduals ? this.squares(fitted.params) : { x: [], y: [] };
    const cut = fitted.cut === null ? { x: [], y: [] } : { x: [fitted.cut, fitted.cut], y: this.yRange };
    Plotly.restyle(this.el, {
      x: [sq.x, fitted.line.x, cut.x], y: [sq.y, fitted.line.y, cut.y],
      'line.color': [ink(color), ink(color), ink(color)], 'line.dash': ['solid', dash, 'dot'], fillcolor: [hexAlpha(ink(color), 0.15), null, null],
    }, [2, 3, 4]);
  }

  /** The moving line and squares, on the overlay. */
  paint() {
    const fl = this.el._fullLayout;
    if (!this.shown?.moving || !this.meta || !fl?.xaxis?._length) return;
    const { pt, color, dash } = this.shown;
    const ctx = this.overlay.context(fl);
    const { px, py, clip } = axesOf(fl);
    const { scale } = this.overlay.style();
    const c = ink(color);
    ctx.save();
    clip(ctx);
    const fitted = this.fitOf(pt);
    if (this.showResiduals) {
      const sq = this.squares(fitted.params);
      ctx.beginPath();
      for (let i = 0; i < sq.x.length; i += 6) {
        ctx.moveTo(px(sq.x[i]), py(sq.y[i]));
        for (let j = 1; j < 5; j += 1) ctx.lineTo(px(sq.x[i + j]), py(sq.y[i + j]));
      }
      ctx.fillStyle = hexAlpha(c, 0.15);
      ctx.fill();
      ctx.strokeStyle = c;
      ctx.lineWidth = scale;
      ctx.stroke();
    }
    ctx.strokeStyle = c;
    ctx.lineWidth = 4 * scale;
    ctx.setLineDash(canvasDash(dash, ctx.lineWidth));
    ctx.lineCap = 'round';
    ctx.beginPath();
    fitted.line.x.forEach((x, i) => ctx[i ? 'lineTo' : 'moveTo'](px(x), py(fitted.line.y[i])));
    ctx.stroke();
    if (fitted.cut !== null) { // the decision boundary, σ = 0.5
      ctx.lineWidth = 2 * scale;
      ctx.setLineDash(canvasDash('dot', ctx.lineWidth));
      ctx.beginPath();
      ctx.moveTo(px(fitted.cut), py(this.yRange[0]));
      ctx.lineTo(px(fitted.cut), py(this.yRange[1]));
      ctx.stroke();
    }
    ctx.restore();
    this.overlay.canvas.trails = [{ w: pt.w, b: pt.b, params: fitted.params, boundary: fitted.cut }]; // what is drawn, for tests and tools
  }

  /** One closed square per point, side = |residual|, drawn square on screen (not in data units). */
  squares(params) {
    const xa = this.el._fullLayout?.xaxis;
    const ya = this.el._fullLayout?.yaxis;
    const xr = xa ? xa.range : this.xRange;
    const yr = ya ? ya.range : this.yRange;
    const xPerPx = (xr[1] - xr[0]) / (xa?._length || 400);
    const yPerPx = (yr[1] - yr[0]) / (ya?._length || 300);
    const { x: px, y: py } = this.meta.points;
    const stride = Math.max(1, Math.ceil(px.length / MAX_SQUARES));
    const xs = [];
    const ys = [];
    const mid = (xr[0] + xr[1]) / 2;
    for (let i = 0; i < px.length; i += stride) {
      const x = px[i];
      const y = py[i];
      const yhat = predict(this.kind, params, x, this.net);
      const side = Math.abs(y - yhat) / yPerPx * xPerPx * (x > mid ? -1 : 1); // grow towards the middle
      // every square wound the same way round: where two overlap, the nonzero fill rule fills both
      if (side * (yhat - y) >= 0) { xs.push(x, x + side, x + side, x, x, null); ys.push(y, y, yhat, yhat, y, null); }
      else { xs.push(x, x, x + side, x + side, x, null); ys.push(y, yhat, yhat, y, y, null); }
    }
    return { x: xs, y: ys };
  }

  /** Extra traces drawn over the view (explain mode's ŷ and errors); [] removes them. */
  setExplain(traces) {
    const el = this.el;
    const have = Math.max(0, (el.data?.length ?? OVERLAY_FROM) - OVERLAY_FROM);
    const key = JSON.stringify(traces);
    if (have === traces.length && key === this.explainKey) return;
    if (have) Plotly.deleteTraces(el, Array.from({ length: have }, (_, i) => OVERLAY_FROM + i));
    if (traces.length) Plotly.addTraces(el, traces);
    this.explainKey = key;
  }
}

function hexAlpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${a})`;
}
