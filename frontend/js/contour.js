// Contour of the loss over (w, b) with each run's trajectory, the least-squares minimum and optional
// gradient arrows. Clicking the plot picks a start point.
// Plotly draws the contour only when the surface or the view changes; the parts that move every
// frame (trails, current points, arrows) go on a canvas stacked over the plot area, mapped with the
// contour's own axes, so a frame costs a canvas redraw instead of a contour recomputation.
import { axis, baseLayout, PLOT_CONFIG, ink, thick, canvasDash, markerPath } from './theme.js';
import { historyTo, pointAt, sameSurface } from './history.js';
import { fmt } from './format.js';
import { Overlay, drawArrow, strokeThrough } from './overlay.js';

const FIXED = 2; // traces 0: contour, 1: least-squares minimum; then one legend entry per run
const MARKERS_UP_TO = 300; // a dot on every epoch helps while they are few
const Y_TITLE = 'b (intercept)';

export class ContourChart {
  constructor(el, onPick) {
    this.el = el;
    this.surface = null;
    this.runs = [];
    this.arrows = false;
    this.shown = null; // [runs, k] last drawn, redrawn when Plotly moves the axes
    this.painters = []; // more to paint over the trails: fn(ctx, {px, py, scale}, runs, k)
    Plotly.newPlot(el, this.fixedTraces(), this.layout(), PLOT_CONFIG);
    this.overlay = new Overlay(el);
    this.canvas = this.overlay.canvas;
    el.on('plotly_click', (ev) => {
      const at = this.dataAt(ev.event);
      if (at) onPick(at);
    });
    // after a zoom, pan, resize or legend click (and live while panning)
    el.on('plotly_afterplot', () => { this.overlay.place(); this.paint(); this.fitTitle(); });
    el.on('plotly_relayouting', () => this.paint());
  }

  /** The long y title where it fits beside the plot (not in a short projector view), else just "b". */
  fitTitle() {
    const fl = this.el._fullLayout;
    const ya = fl?.yaxis;
    if (!ya?._length || !ya.title?.font) return;
    const ctx = this.canvas.getContext('2d');
    ctx.font = `${ya.title.font.size}px ${ya.title.font.family}`;
    const middle = ya._offset + ya._length / 2;
    const room = 2 * Math.min(middle, fl.height - middle) - 4;
    const text = ctx.measureText(Y_TITLE).width <= room ? Y_TITLE : 'b';
    if (text === (this.yTitle ?? Y_TITLE)) return;
    this.yTitle = text;
    Plotly.relayout(this.el, { 'yaxis.title.text': text });
  }

  layout(extra = {}) {
    return baseLayout({
      showlegend: this.runs.length > 1,
      margin: { l: 64, r: 16, t: this.runs.length > 1 ? 36 : 8, b: 56 },
      xaxis: axis('w (slope)'),
      yaxis: axis(this.yTitle ?? Y_TITLE),
      hovermode: 'closest',
      ...extra,
    });
  }

  fixedTraces() {
    const s = this.surface;
    const z = s ? s.loss.map((row) => row.map((v) => Math.log10(Math.max(v, 1e-12)))) : [];
    const text = s ? s.loss.map((row) => row.map((v) => fmt(v, 5))) : [];
    return [
      { type: 'contour', x: s?.w ?? [], y: s?.b ?? [], z, text, showscale: false, // colours and lines: the look's template
        ncontours: 24, contours: { coloring: 'heatmap' },
        hovertemplate: 'w=%{x:.3f}<br>b=%{y:.3f}<br>loss=%{text}<extra></extra>', name: 'loss', showlegend: false },
      this.minimumTrace(),
    ];
  }

  /** ★ where the run's own loss is lowest: the least-squares point for MSE, labelled otherwise. */
  minimumTrace() {
    const s = this.surface;
    const min = s ? s.minimum ?? s.least_squares : null;
    const name = !s || !s.minimum || s.minimum.loss_name === 'mse' ? 'least squares' : `${s.minimum.loss_name.toUpperCase()} minimum`;
    return { x: min ? [min.w] : [], y: min ? [min.b] : [], mode: name === 'least squares' ? 'markers' : 'markers+text', name,
      text: [name], textposition: 'top center', textfont: { color: ink('#000'), size: thick(14) },
      marker: { symbol: 'star', size: thick(18), color: ink('#000'), line: { color: ink('#fff'), width: thick(1.5) } }, showlegend: false,
      hovertemplate: `${name}<br>w=%{x:.4f}<br>b=%{y:.4f}<extra></extra>` };
  }

  /** Legend entries only: the trails themselves are painted on the canvas. */
  legendTraces() {
    return this.runs.map((s) => ({ x: [null], y: [null], mode: 'lines+markers', name: s.label, hoverinfo: 'skip',
      line: { color: ink(s.color), width: thick(2.5), dash: s.dash },
      marker: { color: ink(s.color), size: thick(8), symbol: s.marker } }));
  }

  figure(extra = {}) {
    return [[...this.fixedTraces(), ...this.legendTraces()], this.layout(extra), PLOT_CONFIG];
  }

  /** Redrawn in the current look, zoom kept. */
  relook() {
    this.drawnKey = null;
    this.explainKey = null;
    const w = this.plotted?.window;
    Plotly.react(this.el, ...this.figure(w ? { uirevision: `${w.w_min},${w.w_max},${w.b_min},${w.b_max}`,
      xaxis: { ...this.layout().xaxis, range: [w.w_min, w.w_max] }, yaxis: { ...this.layout().yaxis, range: [w.b_min, w.b_max] } } : {}));
  }

  /** A new generation. The plot is kept (dimmed) until the next surface: often the same one. */
  reset(specs) {
    const legend = JSON.stringify(specs.map((s) => [s.label, s.color]));
    this.runs = specs;
    this.surface = null;
    this.drawnKey = null;
    this.shown = null;
    this.overlay.clear();
    this.el.classList.add('stale');
    if (legend === this.legend) return;
    this.legend = legend;
    this.plotted = null;
    Plotly.react(this.el, ...this.figure({ uirevision: Math.random() }));
  }

  setSurface(surface) {
    this.surface = surface;
    this.drawnKey = null;
    this.el.classList.remove('stale');
    if (sameSurface(surface, this.plotted)) return;
    this.plotted = surface;
    const w = surface.window;
    Plotly.react(this.el, ...this.figure({
      uirevision: `${w.w_min},${w.w_max},${w.b_min},${w.b_max}`,
      xaxis: { ...this.layout().xaxis, range: [w.w_min, w.w_max] },
      yaxis: { ...this.layout().yaxis, range: [w.b_min, w.b_max] },
    }));
  }

  setArrows(on) { this.arrows = on; this.drawnKey = null; }

  /** A class's predictions [[w, b], …] as dots under the runs (a room's point question, once
   *  revealed), and this student's own `mine` ([w, b] or null) ringed; ([]) removes them. */
  setPredictions(points, mine = null) {
    this.predictions = points;
    this.mine = mine;
    this.paint();
  }

  /** Every run up to epoch k; arrows show the −∇ direction only. */
  draw(runs, k) {
    const key = `${k}:${runs.map((r) => r.epochs.length).join(',')}:${this.arrows}`;
    if (key === this.drawnKey || !this.surface) return;
    this.drawnKey = key;
    this.shown = [runs, k];
    this.paint();
  }

  paint() {
    const fl = this.el._fullLayout;
    if (!this.shown || !this.surface || !fl?.xaxis?._length) return;
    const [runs, k] = this.shown;
    const { ctx, px, py, scale, outline } = this.overlay.begin2d(fl);
    this.paintPredictions(ctx, px, py, scale, outline);
    const trails = [];
    runs.forEach((run, i) => {
      if (!run.meta) return;
      const pts = [run.meta.start, ...historyTo(run, k)];
      const head = pointAt(run, k);
      trails.push({ label: run.label, x: pts.map((p) => p.w), y: pts.map((p) => p.b), head: [head.w, head.b],
        color: run.color, dash: run.dash, marker: run.marker });
      if (this.el.data?.[FIXED + i]?.visible === 'legendonly') return;
      ctx.strokeStyle = ink(run.color);
      ctx.fillStyle = ink(run.color);
      ctx.lineWidth = 2.5 * scale;
      ctx.setLineDash(canvasDash(run.dash, ctx.lineWidth));
      strokeThrough(ctx, pts.map((p) => [px(p.w), py(p.b)]));
      ctx.setLineDash([]);
      if (pts.length <= MARKERS_UP_TO) {
        for (const p of pts) dot(ctx, px(p.w), py(p.b), 2.5 * scale);
      }
      if (this.arrows && head.grad_w !== undefined) this.arrow(ctx, head, px, py, scale);
      ctx.fillStyle = ink(run.color);
      ctx.strokeStyle = outline;
      ctx.lineWidth = 2 * scale;
      markerPath(ctx, run.marker, px(head.w), py(head.b), 7 * scale);
      ctx.stroke();
    });
    for (const paint of this.painters) paint(ctx, { px, py, scale }, runs, k);
    ctx.restore();
    this.canvas.trails = trails; // what is drawn, for tests and tools
  }

  paintPredictions(ctx, px, py, scale, outline) {
    const points = this.predictions ?? [];
    ctx.fillStyle = ink('rgba(255, 255, 255, 0.85)');
    ctx.strokeStyle = ink('#333');
    ctx.lineWidth = 1.5 * scale;
    for (const [w, b] of points) { dot(ctx, px(w), py(b), 5 * scale); ctx.stroke(); }
    if (this.mine) {
      ctx.strokeStyle = outline;
      ctx.lineWidth = 3 * scale;
      dot(ctx, px(this.mine[0]), py(this.mine[1]), 9 * scale);
      ctx.fillStyle = ink('#E69F00');
      dot(ctx, px(this.mine[0]), py(this.mine[1]), 7 * scale);
    }
    this.canvas.predictions = points.length; // what is drawn, for tests
  }

  /** An arrow from the current point along −∇loss, a fixed fraction of the window long. */
  arrow(ctx, p, px, py, scale) {
    const win = this.surface.window;
    const sw = win.w_max - win.w_min;
    const sb = win.b_max - win.b_min;
    const gw = -p.grad_w / sw;
    const gb = -p.grad_b / sb;
    const norm = Math.hypot(gw, gb) || 1;
    const len = 0.18;
    const [ax, ay] = [px(p.w), py(p.b)];
    const [bx, by] = [px(p.w + (gw / norm) * len * sw), py(p.b + (gb / norm) * len * sb)];
    ctx.lineWidth = 2.5 * scale;
    drawArrow(ctx, ax, ay, bx, by, 11 * scale);
  }

  /** Points outside the window -> a bigger window covering them (with margin), else null. */
  biggerWindow(runs, k) {
    const win = this.surface?.window;
    if (!win) return null;
    const pts = runs.filter((r) => r.meta).flatMap((r) => [r.meta.start, ...historyTo(r, k)]);
    const ws = pts.map((p) => p.w);
    const bs = pts.map((p) => p.b);
    const lo = { w: Math.min(win.w_min, ...ws), b: Math.min(win.b_min, ...bs) };
    const hi = { w: Math.max(win.w_max, ...ws), b: Math.max(win.b_max, ...bs) };
    if (lo.w >= win.w_min && hi.w <= win.w_max && lo.b >= win.b_min && hi.b <= win.b_max) return null;
    const mw = (hi.w - lo.w) * 0.15;
    const mb = (hi.b - lo.b) * 0.15;
    const cap = (v) => Math.max(-1e6, Math.min(1e6, v));
    return { w_min: cap(lo.w - mw), w_max: cap(hi.w + mw), b_min: cap(lo.b - mb), b_max: cap(hi.b + mb) };
  }

  /** Data coordinates of a mouse event over the plot area. */
  dataAt(event) {
    const fl = this.el._fullLayout;
    const area = this.el.querySelector('.nsewdrag');
    if (!fl || !area || !event) return null;
    const r = area.getBoundingClientRect();
    const fx = (event.clientX - r.left) / r.width;
    const fy = (event.clientY - r.top) / r.height;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
    const [w0, w1] = fl.xaxis.range;
    const [b0, b1] = fl.yaxis.range;
    return { w: w0 + fx * (w1 - w0), b: b1 - fy * (b1 - b0) };
  }

  /** Arrows {from: {w, b}, to: {w, b}, color} drawn over the view (explain mode); [] removes them. */
  setExplain(arrows) {
    const el = this.el;
    const notes = arrows.map(({ from, to, color }) => ({
      name: 'explain', x: to.w, y: to.b, ax: from.w, ay: from.b, xref: 'x', yref: 'y', axref: 'x', ayref: 'y',
      showarrow: true, arrowhead: 2, arrowsize: 1.2, arrowwidth: thick(3.5), arrowcolor: ink(color), standoff: 8, text: '' }));
    const key = JSON.stringify(notes);
    const now = el.layout?.annotations ?? [];
    // Plotly.react (a new surface) drops them: count what is really there
    if (key === this.explainKey && now.filter((a) => a.name === 'explain').length === notes.length) return;
    this.explainKey = key;
    Plotly.relayout(el, { annotations: [...now.filter((a) => a.name !== 'explain'), ...notes] });
  }
}

function dot(ctx, x, y, r) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
}
