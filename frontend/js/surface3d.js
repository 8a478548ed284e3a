// 3D loss surface with each run's trajectory lifted onto it. WebGL redraws are costly, so updates
// are throttled (the last frame is always drawn).
import { baseLayout, PLOT_CONFIG, SURFACE_SCALE, historyTo, pointAt } from './theme.js';

const MIN_INTERVAL_MS = 120;
const FIXED = 1; // trace 0: surface; then per run: path, head

export class SurfaceChart {
  constructor(el) {
    this.el = el;
    this.surface = null;
    this.runs = [];
    this.lastDraw = 0;
    this.pending = null;
    Plotly.newPlot(el, [this.surfaceTrace()], this.layout(), PLOT_CONFIG);
  }

  layout() {
    const axis = (text) => ({ title: { text }, backgroundcolor: '#fff', gridcolor: '#ddd', zerolinecolor: '#bbb', nticks: 5 });
    return baseLayout({
      showlegend: this.runs.length > 1,
      margin: { l: 0, r: 0, t: this.runs.length > 1 ? 30 : 0, b: 0 },
      scene: { xaxis: axis('w'), yaxis: axis('b'), zaxis: axis('loss'),
        camera: { eye: { x: -1.05, y: -1.3, z: 1.05 }, center: { x: 0, y: 0, z: -0.12 } }, aspectmode: 'manual', aspectratio: { x: 1, y: 1, z: 0.6 } },
    });
  }

  surfaceTrace() {
    const s = this.surface;
    return { type: 'surface', x: s?.w ?? [], y: s?.b ?? [], z: s?.loss ?? [], colorscale: SURFACE_SCALE,
      showscale: false, showlegend: false, opacity: 0.95, name: 'loss', hovertemplate: 'w=%{x:.3f}<br>b=%{y:.3f}<br>loss=%{z:.4g}<extra></extra>',
      contours: { z: { show: true, usecolormap: false, color: 'rgba(80,80,80,0.35)', project: { z: false } } },
      lighting: { ambient: 0.85, diffuse: 0.4, specular: 0.05 } };
  }

  runTraces() {
    return this.runs.flatMap((s) => [
      { type: 'scatter3d', x: [], y: [], z: [], mode: 'lines', name: s.label, line: { color: s.color, width: 7 },
        hovertemplate: `w=%{x:.3f}<br>b=%{y:.3f}<br>loss=%{z:.4g}<extra>${s.label}</extra>` },
      { type: 'scatter3d', x: [], y: [], z: [], mode: 'markers', showlegend: false, hoverinfo: 'skip',
        marker: { color: s.color, size: 6, line: { color: '#fff', width: 1 } } },
    ]);
  }

  reset(specs) {
    this.runs = specs;
    this.surface = null;
    this.drawnKey = null;
    Plotly.react(this.el, [this.surfaceTrace(), ...this.runTraces()], this.layout(), PLOT_CONFIG);
  }

  setSurface(surface) {
    this.surface = surface;
    const all = surface.loss.flat();
    this.zLift = (all.reduce((a, v) => Math.max(a, v), -Infinity) - all.reduce((a, v) => Math.min(a, v), Infinity)) * 0.015; // keep the path visibly above the surface
    this.drawnKey = null;
    Plotly.restyle(this.el, { x: [surface.w], y: [surface.b], z: [surface.loss] }, [0]);
  }

  /** Loss on the drawn grid at (w, b), bilinear; clamped to the window's edge. */
  lift(w, b) {
    const { w: ws, b: bs, loss } = this.surface;
    const locate = (arr, v) => {
      const t = (v - arr[0]) / (arr[arr.length - 1] - arr[0]) * (arr.length - 1);
      const c = Math.max(0, Math.min(arr.length - 1.000001, t));
      return [Math.floor(c), c - Math.floor(c)];
    };
    const [i, fx] = locate(ws, w);
    const [j, fy] = locate(bs, b);
    const z00 = loss[j][i]; const z01 = loss[j][i + 1] ?? z00;
    const z10 = loss[j + 1]?.[i] ?? z00; const z11 = loss[j + 1]?.[i + 1] ?? z00;
    return (z00 * (1 - fx) + z01 * fx) * (1 - fy) + (z10 * (1 - fx) + z11 * fx) * fy;
  }

  draw(runs, k, force = false) {
    if (!this.surface) return;
    const key = `${k}:${runs.map((r) => r.epochs.length).join(',')}:${this.surface.window.w_min}`;
    if (key === this.drawnKey) return;
    const now = performance.now();
    clearTimeout(this.pending);
    if (!force && now - this.lastDraw < MIN_INTERVAL_MS) {
      this.pending = setTimeout(() => this.draw(runs, k, true), MIN_INTERVAL_MS);
      return;
    }
    this.lastDraw = now;
    this.drawnKey = key;
    const x = [];
    const y = [];
    const z = [];
    const idx = [];
    runs.forEach((run, i) => {
      if (!run.meta) return;
      const pts = [run.meta.start, ...historyTo(run, k)];
      const head = pointAt(run, k);
      x.push(pts.map((p) => p.w), [head.w]);
      y.push(pts.map((p) => p.b), [head.b]);
      z.push(pts.map((p) => this.lift(p.w, p.b) + this.zLift), [this.lift(head.w, head.b) + this.zLift]);
      idx.push(FIXED + 2 * i, FIXED + 2 * i + 1);
    });
    if (idx.length) Plotly.restyle(this.el, { x, y, z }, idx);
  }
}
