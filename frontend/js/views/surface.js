// 3D loss surface with each run's trajectory lifted onto it.
// A WebGL redraw costs 0.2–0.8 s without a GPU, so Plotly draws only the surface (once per surface,
// and when the camera moves); the trajectories go on a canvas stacked over the scene, projected
// with the scene's own camera — the way Plotly places its 3D annotations — and repainted after
// every WebGL render, so they follow the camera. They lie on the surface, so they are drawn on top.
// Building a surface is one of the page's costliest tasks (without a GPU, ~15 ms of JavaScript and a
// ~40 ms WebGL frame for a 60×60 grid): it happens in a task of its own, a frame after the contour's,
// and not at all when a new run brings the same surface.
import { Chart, legendName } from './chart.js';
import { ink, thick, canvasDash, drawMarker } from './theme.js';
import { pathTo, pointAt, sameSurface } from '../core/history.js';
import { strokeThrough } from './overlay.js';
import { planeAxes } from './contour.js';
import { t } from '../i18n/i18n.js';

const FIXED = 1; // trace 0: surface; then one legend entry per run

export class SurfaceChart extends Chart {
  constructor(el) {
    // the runs' legend over the scene, where it fits one row (the loss curve's names them anyway)
    super(el, { margin: { l: 0, r: 0, t: 0, b: 0 }, legend: { t: 30 } });
    this.surface = null;
    this.plot();
    this.hook();
  }

  afterPlot() {
    this.hook();
    super.afterPlot();
  }

  /** Above the WebGL scene, below Plotly's top layer (hover labels, legend); repaint after each render. */
  hook() {
    this.overlay.place();
    for (const trace of Object.values(this.scene()?.traces ?? {})) drawnAsGiven(trace);
    const glplot = this.scene()?.glplot;
    if (glplot && glplot !== this.hooked) {
      this.hooked = glplot;
      const render = glplot.onrender;
      glplot.onrender = (...args) => { render?.apply(glplot, args); this.paint(); };
    }
  }

  scene() { return this.el._fullLayout?.scene?._scene; }

  /**
   * WebGL fits the scene to the view's height: in a narrow view (code panel open, a phone) the camera
   * steps back so the sides, and the "loss" title, stay in; a view low or narrow for its font (under 240 px
   * high at 14 px; a projector at 1280×720) keeps its axis titles but not the tick labels, which would
   * crowd them or be cut off (the contour has the numbers).
   */
  fitBox() {
    const fl = this.el._fullLayout;
    const eye = fl?.scene?.camera?.eye;
    if (!eye || !fl.height) return;
    const zoom = Math.min(1.8, Math.max(1, 1.55 / (fl.width / fl.height)));
    const ticks = fl.height >= 17 * fl.font.size && fl.width >= 14 * fl.font.size;
    const was = this.zoom ?? 1;
    const update = {};
    if (Math.abs(zoom - was) > 0.05) {
      this.zoom = zoom;
      const f = zoom / was;
      update['scene.camera.eye'] = { x: eye.x * f, y: eye.y * f, z: eye.z * f };
    }
    this.ticks = ticks;
    if (fl.scene.xaxis.showticklabels !== ticks) for (const a of ['x', 'y', 'z']) update[`scene.${a}axis.showticklabels`] = ticks;
    if (Object.keys(update).length) Plotly.relayout(this.el, update);
  }

  layout() {
    const axis = (text) => ({ title: { text }, nticks: 5, // colours: the look's template
      showticklabels: this.ticks ?? true });
    const z = this.zoom ?? 1;
    return this.legendLayout({
      scene: { xaxis: axis(this.names?.[0] ?? 'w'), yaxis: axis(this.names?.[1] ?? 'b'), zaxis: axis(t('axis.loss')),
        camera: { eye: { x: -1.05 * z, y: -1.3 * z, z: 1.05 * z }, center: { x: 0, y: 0, z: -0.12 } }, aspectmode: 'manual', aspectratio: { x: 1, y: 1, z: 0.6 } },
    });
  }

  surfaceTrace() {
    const s = this.surface;
    return { type: 'surface', x: s?.w ?? [], y: s?.b ?? [], z: s?.loss ?? [], // colours: the look's template
      showscale: false, showlegend: false, opacity: 1, // below 1, WebGL draws it in extra passes
      name: t('axis.loss'), hovertemplate: `w=%{x:.3f}<br>b=%{y:.3f}<br>${t('axis.loss')}=%{z:.4g}<extra></extra>`,
      contours: { z: { show: true, usecolormap: false, project: { z: false } } }, // opaque: WebGL ignores alpha here
      lighting: { ambient: 0.85, diffuse: 0.4, specular: 0.05 } };
  }

  /** The surface, then legend entries only: the paths are painted on the canvas. */
  traces() {
    return [this.surfaceTrace(), ...this.runs.map((s) => ({ type: 'scatter3d', x: [null], y: [null], z: [null], mode: 'lines',
      name: legendName(s), line: { color: ink(s.color), width: thick(4), dash: s.dash }, hoverinfo: 'skip' }))];
  }

  legendTrace(i) { return FIXED + i; }

  /** Redrawn in the current look, camera kept. */
  relook() {
    this.drawnKey = null;
    super.relook();
  }

  /** A new generation. The scene is kept (dimmed) until the next surface: often the same one. */
  reset(specs) {
    this.surface = null;
    this.pending = null;
    if (super.reset(specs)) return;
    this.plotted = null;
    Plotly.react(this.el, ...this.figure());
  }

  setSurface(surface) {
    this.pending = surface;
    // a polynomial's slice: its two coefficients; a network's plane: its two directions
    const names = surface.plane ? planeAxes(surface.plane) : surface.slice?.axes ?? ['w', 'b'];
    if (names.join() !== (this.names ?? ['w', 'b']).join()) {
      this.names = names;
      Plotly.relayout(this.el, { 'scene.xaxis.title.text': names[0], 'scene.yaxis.title.text': names[1] });
    }
    if (sameSurface(surface, this.plotted)) { this.show(surface); return; }
    requestAnimationFrame(() => setTimeout(() => {
      if (this.pending !== surface) return; // a newer surface or run came first
      this.plotted = surface;
      this.show(surface);
      Plotly.restyle(this.el, { x: [surface.w], y: [surface.b], z: [surface.loss] }, [0]);
    }));
  }

  show(surface) {
    this.surface = surface;
    const all = surface.loss.flat();
    this.zLift = (all.reduce((a, v) => Math.max(a, v), -Infinity) - all.reduce((a, v) => Math.min(a, v), Infinity)) * 0.015; // keep the path visibly above the surface
    this.drawnKey = null;
    this.dim(false);
    if (this.shown) this.draw(...this.shown);
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

  draw(runs, k) {
    this.shown = [runs, k];
    if (!this.surface) return;
    const key = `${k}:${runs.map((r) => `${r.epochs.length}.${r.steps.length}`).join(',')}:${this.surface.window.w_min}`;
    if (key === this.drawnKey) return;
    this.drawnKey = key;
    this.paint();
  }

  paint() {
    const scene = this.scene();
    const camera = scene?.glplot?.cameraParams;
    const fl = this.el._fullLayout;
    if (!this.shown || !this.surface || !camera?.projection || !fl) return;
    const [runs, k] = this.shown;
    const ctx = this.overlay.context(fl);
    const dom = fl.scene.domain;
    const size = fl._size;
    const left = size.l + dom.x[0] * size.w;
    const top = size.t + (1 - dom.y[1]) * size.h;
    const width = (dom.x[1] - dom.x[0]) * size.w;
    const height = (dom.y[1] - dom.y[0]) * size.h;
    const [sx, sy, sz] = scene.dataScale;
    const { xaxis, yaxis } = fl.scene;
    const m = times(camera.projection, times(camera.view, camera.model));
    const project = (w, b, z) => {
      const [x, y, zz] = [w * sx, b * sy, z * sz];
      const v3 = m[3] * x + m[7] * y + m[11] * zz + m[15];
      return [left + ((m[0] * x + m[4] * y + m[8] * zz + m[12]) / v3 + 1) / 2 * width,
        top + (1 - (m[1] * x + m[5] * y + m[9] * zz + m[13]) / v3) / 2 * height];
    };
    const inside = (ax, v) => v >= Math.min(...ax.range) && v <= Math.max(...ax.range);
    const { scale, outline } = this.overlay.style();
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    const trails = [];
    runs.forEach((run, i) => {
      if (!run.meta) return;
      const pts = pathTo(run, k).map((p) => [p.w, p.b, this.lift(p.w, p.b) + this.zLift]);
      const h = pointAt(run, k);
      const head = [h.w, h.b, this.lift(h.w, h.b) + this.zLift];
      trails.push({ label: run.label, x: pts.map((p) => p[0]), y: pts.map((p) => p[1]), z: pts.map((p) => p[2]), head,
        color: run.color, dash: run.dash, marker: run.marker });
      if (this.hidden(i)) return;
      ctx.strokeStyle = ink(run.color);
      ctx.lineWidth = 3.5 * scale;
      ctx.setLineDash(canvasDash(run.dash, ctx.lineWidth));
      // the scene clips to its axes' ranges; so does the path
      strokeThrough(ctx, pts.map(([w, b, z]) => (inside(xaxis, w) && inside(yaxis, b) ? project(w, b, z) : null)));
      ctx.setLineDash([]);
      if (inside(xaxis, head[0]) && inside(yaxis, head[1])) {
        const [x, y] = project(...head);
        drawMarker(ctx, run.marker, x, y, 6 * scale, { fill: ink(run.color), outline, width: 1.5 * scale });
      }
    });
    this.canvas.trails = trails; // what is drawn, for tests and tools
    this.paintMinimum(ctx, project, inside, xaxis, yaxis, scale);
  }

  /** ★ where the run's loss is lowest (the surface answer's `minimum`), on top of the paths. */
  paintMinimum(ctx, project, inside, xaxis, yaxis, scale) {
    const min = this.surface.minimum ?? this.surface.least_squares;
    this.canvas.minimum = null;
    if (!min || !Number.isFinite(min.w) || !Number.isFinite(min.b) || !inside(xaxis, min.w) || !inside(yaxis, min.b)) return;
    const [x, y] = project(min.w, min.b, this.lift(min.w, min.b) + this.zLift);
    drawMarker(ctx, 'star', x, y, 8 * scale, { fill: ink('#000'), outline: ink('#fff'), width: 1.5 * scale });
    this.canvas.minimum = { w: min.w, b: min.b, x, y };
  }
}

/**
 * Plotly interpolates a surface of fewer than ~120 rows up to that many: four times the mesh to build,
 * and to draw at every frame, for nothing on a grid as fine as ours (WebGL without a GPU took 60 ms a
 * frame instead of 30). It leaves larger grids as given; so is ours, its trace built once more. Its
 * hover then reads the grid point one row and one column before the one picked: shifted back here.
 */
function drawnAsGiven(trace) {
  if (trace.refineData === false) return;
  trace.refineData = false;
  trace.dataScaleX = trace.dataScaleY = 1;
  const handlePick = trace.handlePick;
  trace.handlePick = function (selection) {
    const data = selection.object === this.surface ? selection.data : null;
    const picked = data?.index;
    if (picked) data.index = [picked[0] + 1, picked[1] + 1];
    try { return handlePick.call(this, selection); } finally { if (picked) data.index = picked; }
  };
  trace.update(trace.data);
}

/** The product of two column-major 4×4 matrices (gl-matrix's layout). */
function times(a, b) {
  const out = new Array(16);
  for (let c = 0; c < 4; c += 1) {
    for (let r = 0; r < 4; r += 1) {
      out[4 * c + r] = a[r] * b[4 * c] + a[4 + r] * b[4 * c + 1] + a[8 + r] * b[4 * c + 2] + a[12 + r] * b[4 * c + 3];
    }
  }
  return out;
}
