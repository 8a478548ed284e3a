// Contour of the loss over (w, b): each run's trajectory as a trail (newest point marked), the
// least-squares minimum, optional gradient arrows. Clicking the plot picks a start point.
import { axis, baseLayout, PLOT_CONFIG, SURFACE_SCALE, historyTo, pointAt, fmt } from './theme.js';

const FIXED = 2; // traces 0: contour, 1: least-squares minimum; then per run: trail, head

export class ContourChart {
  constructor(el, onPick) {
    this.el = el;
    this.surface = null;
    this.runs = [];
    this.arrows = false;
    Plotly.newPlot(el, this.fixedTraces(), this.layout(), PLOT_CONFIG);
    el.on('plotly_click', (ev) => {
      const at = this.dataAt(ev.event);
      if (at) onPick(at);
    });
  }

  layout(extra = {}) {
    return baseLayout({
      showlegend: this.runs.length > 1,
      margin: { l: 64, r: 16, t: this.runs.length > 1 ? 36 : 8, b: 56 },
      xaxis: axis('w (slope)'),
      yaxis: axis('b (intercept)'),
      hovermode: 'closest',
      ...extra,
    });
  }

  fixedTraces() {
    const s = this.surface;
    const z = s ? s.loss.map((row) => row.map((v) => Math.log10(Math.max(v, 1e-12)))) : [];
    const text = s ? s.loss.map((row) => row.map((v) => fmt(v, 5))) : [];
    return [
      { type: 'contour', x: s?.w ?? [], y: s?.b ?? [], z, text, colorscale: SURFACE_SCALE, showscale: false,
        ncontours: 24, contours: { coloring: 'heatmap' }, line: { color: 'rgba(80,80,80,0.35)', width: 1 },
        hovertemplate: 'w=%{x:.3f}<br>b=%{y:.3f}<br>loss=%{text}<extra></extra>', name: 'loss', showlegend: false },
      { x: s ? [s.least_squares.w] : [], y: s ? [s.least_squares.b] : [], mode: 'markers', name: 'least squares',
        marker: { symbol: 'star', size: 18, color: '#000', line: { color: '#fff', width: 1.5 } }, showlegend: false,
        hovertemplate: 'least squares<br>w=%{x:.4f}<br>b=%{y:.4f}<extra></extra>' },
    ];
  }

  runTraces() {
    return this.runs.flatMap((s) => [
      { x: [], y: [], mode: 'lines+markers', name: s.label, line: { color: s.color, width: 2.5 },
        marker: { color: s.color, size: 5 }, hovertemplate: `w=%{x:.4f}<br>b=%{y:.4f}<extra>${s.label}</extra>` },
      { x: [], y: [], mode: 'markers', showlegend: false, hoverinfo: 'skip',
        marker: { color: s.color, size: 14, line: { color: '#fff', width: 2 } } },
    ]);
  }

  reset(specs) {
    this.runs = specs;
    this.surface = null;
    this.drawnKey = null;
    Plotly.react(this.el, [...this.fixedTraces(), ...this.runTraces()], this.layout({ uirevision: Math.random() }), PLOT_CONFIG);
  }

  setSurface(surface) {
    this.surface = surface;
    this.drawnKey = null;
    const w = surface.window;
    const data = [...this.fixedTraces(), ...this.runTraces()];
    // keep the trails already drawn
    this.el.data?.slice(FIXED).forEach((t, i) => { if (data[FIXED + i]) Object.assign(data[FIXED + i], { x: t.x, y: t.y }); });
    Plotly.react(this.el, data, this.layout({
      uirevision: `${w.w_min},${w.w_max},${w.b_min},${w.b_max}`,
      xaxis: { ...this.layout().xaxis, range: [w.w_min, w.w_max] },
      yaxis: { ...this.layout().yaxis, range: [w.b_min, w.b_max] },
    }), PLOT_CONFIG);
  }

  setArrows(on) { this.arrows = on; this.drawnKey = null; }

  /** Draw every run up to epoch k; `lr` per run scales nothing, arrows show −∇ direction only. */
  draw(runs, k) {
    const key = `${k}:${runs.map((r) => r.epochs.length).join(',')}:${this.arrows}`;
    if (key === this.drawnKey || !this.surface) return;
    this.drawnKey = key;
    const xs = [];
    const ys = [];
    const idx = [];
    const arrows = [];
    runs.forEach((run, i) => {
      if (!run.meta) return;
      const h = historyTo(run, k);
      const head = pointAt(run, k);
      xs.push([run.meta.start.w, ...h.map((r) => r.w)], [head.w]);
      ys.push([run.meta.start.b, ...h.map((r) => r.b)], [head.b]);
      idx.push(FIXED + 2 * i, FIXED + 2 * i + 1);
      if (this.arrows && head.grad_w !== undefined) arrows.push(this.arrow(head, run.color));
    });
    // markers on every epoch help while they are few; thousands of SVG markers only cost time
    const modes = xs.map((x, j) => (j % 2 ? 'markers' : x.length > 300 ? 'lines' : 'lines+markers'));
    if (idx.length) Plotly.restyle(this.el, { x: xs, y: ys, mode: modes }, idx);
    if (this.arrows || this.hadArrows) Plotly.relayout(this.el, { annotations: arrows });
    this.hadArrows = arrows.length > 0;
  }

  /** An arrow from the current point along −∇loss, a fixed fraction of the window long. */
  arrow(p, color) {
    const win = this.surface.window;
    const sw = win.w_max - win.w_min;
    const sb = win.b_max - win.b_min;
    const gw = -p.grad_w / sw;
    const gb = -p.grad_b / sb;
    const norm = Math.hypot(gw, gb) || 1;
    const len = 0.18;
    return { x: p.w + (gw / norm) * len * sw, y: p.b + (gb / norm) * len * sb, ax: p.w, ay: p.b,
      xref: 'x', yref: 'y', axref: 'x', ayref: 'y', showarrow: true, arrowhead: 2, arrowsize: 1.2,
      arrowwidth: 2.5, arrowcolor: color, text: '' };
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
}
