// Contour of the loss over (w, b) with each run's trajectory, the least-squares minimum and optional
// gradient arrows. Clicking the plot picks a start point.
// Plotly draws the contour only when the surface or the view changes; the parts that move every
// frame (trails, current points, arrows) go on a canvas stacked over the plot area, mapped with the
// contour's own axes, so a frame costs a canvas redraw instead of a contour recomputation.
import { Chart, legendName } from './chart.js';
import { axis, ink, thick, canvasDash, drawMarker } from './theme.js';
import { pathTo, pointAt, sameSurface } from '../core/history.js';
import { fmt } from '../core/format.js';
import { drawArrow, strokeThrough } from './overlay.js';
import { windowFor, edgeExit, divergedAt, toScale, DIVERGED_TEXT } from './viewwindow.js';
import { freeSpot, segmentsOf } from './labels.js';
import { t } from '../i18n/i18n.js';

const FIXED = 2; // traces 0: contour, 1: least-squares minimum; then one legend entry per run
const MARKERS_UP_TO = 300; // a dot on every epoch helps while they are few

/** A network's plane's axes: its two principal directions, or its two random ones. */
export const planeAxes = (plane) => (plane === 'pca' ? [t('axis.pc1'), t('axis.pc2')] : [t('axis.dir1'), t('axis.dir2')]);

/** A plane's path point's opacity: 1 on the plane, fading to 0.15 as its distance from it grows
 *  past `reach` (a quarter of the plane's width). */
export const offAlpha = (off, reach) => (Number.isFinite(off) && reach > 0 ? Math.max(0.15, 1 / (1 + (off / reach) ** 2)) : 1);
const ARROW_TEXT = (scale) => t('contour.arrowScale', { scale }); // the gradient arrows' stated scale
const ARROWS = ['→', '↗', '↑', '↖', '←', '↙', '↓', '↘']; // the way out, by screen angle

export class ContourChart extends Chart {
  constructor(el, onPick) {
    // the runs' legend over the plot, where it fits one row (the loss curve's names them anyway)
    super(el, { margin: { l: 64, r: 16, t: 8, b: 56 }, legend: {} });
    this.surface = null;
    this.arrows = false;
    this.aspect = null;  // the plot's shape, px wide per px high, before equal scales shrink an axis
    this.equal = false;  // w and b drawn to one scale (the window has the plot's shape)
    this.onShape = () => {}; // the plot's shape changed (a view enlarged): the window may take the new one
    this.painters = []; // more to paint over the trails: fn(ctx, {px, py, scale}, runs, k)
    this.plot();
    el.on('plotly_click', (ev) => {
      const at = this.dataAt(ev.event);
      if (at) onPick(at);
    });
    el.on('plotly_relayouting', () => this.paint()); // live while panning
  }

  /** The plot's shape followed (equal scales where the window has it); the long y title where it fits
   *  beside the plot (not in a short projector view), else just "b". */
  fitBox() {
    const fl = this.el._fullLayout;
    const size = fl?._size;
    if (size?.w > 0 && size?.h > 0 && Math.abs(size.w / size.h - (this.aspect ?? 0)) > 0.02 * (size.w / size.h)) {
      this.aspect = size.w / size.h;
      this.onShape();
    }
    const equal = toScale(this.surface?.window, this.aspect);
    if (equal !== this.equal) {
      this.equal = equal;
      Plotly.relayout(this.el, { 'yaxis.scaleanchor': equal ? 'x' : null, 'yaxis.scaleratio': 1 });
      return;
    }
    // as many w ticks as fit level (a projector's big type and 10¹⁸s would tilt them, taking the plot's height)
    const xa = fl?.xaxis;
    const label = Math.max(...(xa?.range ?? [0]).map(Math.abs)) >= 1e4 ? 6 : 3.5; // "−5×10¹⁸" or "−2", in ems
    const nticks = xa?._length ? Math.max(3, Math.floor(xa._length / (label * fl.font.size))) : 0;
    if (nticks && nticks !== this.nticks) {
      this.nticks = nticks;
      this.relook(); // the whole figure again: a relayout of the axis alone misplaced the runs' legend
      return;
    }
    const ya = fl?.yaxis;
    if (!ya?._length || !ya.title?.font) return;
    const ctx = this.canvas.getContext('2d');
    ctx.font = `${ya.title.font.size}px ${ya.title.font.family}`;
    const middle = ya._offset + ya._length / 2;
    const room = 2 * Math.min(middle, fl.height - middle) - 4;
    const long = this.axisNames()[1];
    const short = this.surface?.plane ? t(this.surface.plane === 'pca' ? 'axis.pc2Short' : 'axis.dir2Short') : 'b';
    const text = ctx.measureText(long).width <= room ? long : short;
    if (text === (this.yTitle ?? long)) return;
    this.yTitle = text;
    Plotly.relayout(this.el, { 'yaxis.title.text': text });
  }

  /** The axes' titles: w and b, or a polynomial's slice's two coefficients. */
  axisNames() {
    if (this.surface?.plane) return planeAxes(this.surface.plane);
    const sl = this.surface?.slice?.axes;
    return sl && sl.join() !== 'w,b' ? sl : [t('axis.wSlope'), t('axis.bIntercept')];
  }

  layout(extra = {}) {
    const [x, y] = this.axisNames();
    // equal scales: the plot's box shrinks to the window's shape (which fetches its window with it)
    const scale = this.equal ? { scaleanchor: 'x', scaleratio: 1 } : {};
    return this.legendLayout({
      xaxis: axis(x, { constrain: 'domain', ...(this.nticks ? { nticks: this.nticks } : {}) }),
      yaxis: axis(this.yTitle ?? y, { constrain: 'domain', ...scale }),
      hovermode: 'closest',
      ...extra,
    });
  }

  fixedTraces() {
    const s = this.surface;
    const z = s ? s.loss.map((row) => row.map((v) => Math.log10(Math.max(v, 1e-12)))) : [];
    const text = s ? s.loss.map((row) => row.map((v) => fmt(v, 5))) : [];
    const flat = flatLevels(z); // Plotly's own levels fail on a loss that barely changes over the grid
    return [
      { type: 'contour', x: s?.w ?? [], y: s?.b ?? [], z, text, showscale: false, // colours and lines: the look's template
        ncontours: 24, contours: { coloring: 'heatmap', ...flat }, ...(flat ? { autocontour: false } : {}),
        hovertemplate: `${s?.slice?.axes[0] ?? 'w'}=%{x:.3f}<br>${s?.slice?.axes[1] ?? 'b'}=%{y:.3f}<br>${t('axis.loss')}=%{text}<extra></extra>`, name: t('axis.loss'), showlegend: false },
      this.minimumTrace(),
    ];
  }

  /** ★ where the run's own loss is lowest: the least-squares point for MSE, labelled otherwise (a
   *  polynomial's slice: its own lowest point; separable classes: none). */
  minimumTrace() {
    const s = this.surface;
    const min = s ? s.minimum ?? s.least_squares : null;
    const mse = !s || !s.minimum || s.minimum.loss_name === 'mse';
    const name = s?.sliceLowest ? t('trace.sliceLowest')
      : mse ? t('trace.leastSquares') : t('readout.minimum', { loss: s.minimum.loss_name.toUpperCase() });
    const at = min && Number.isFinite(min.w) && Number.isFinite(min.b);
    return { x: at ? [min.w] : [], y: at ? [min.b] : [], mode: mse ? 'markers' : 'markers+text', name, visible: !this.minimumHidden,
      text: [name], textposition: 'top center', textfont: { color: ink('#000'), size: thick(14) },
      marker: { symbol: 'star', size: thick(18), color: ink('#000'), line: { color: ink('#fff'), width: thick(1.5) } }, showlegend: false,
      hovertemplate: `${name}<br>w=%{x:.4f}<br>b=%{y:.4f}<extra></extra>` };
  }

  /** Legend entries only: the trails themselves are painted on the canvas. */
  legendTraces() {
    return this.runs.map((s) => ({ x: [null], y: [null], mode: 'lines+markers', name: legendName(s), hoverinfo: 'skip',
      line: { color: ink(s.color), width: thick(2.5), dash: s.dash },
      marker: { color: ink(s.color), size: thick(8), symbol: s.marker } }));
  }

  traces() { return [...this.fixedTraces(), ...this.legendTraces()]; }

  /** The figure over the (w, b) window `w` of the surface plotted (none before the first). */
  windowed(w = this.plotted?.window) {
    return this.figure(w ? { uirevision: `${w.w_min},${w.w_max},${w.b_min},${w.b_max}`,
      xaxis: { ...this.layout().xaxis, range: [w.w_min, w.w_max] }, yaxis: { ...this.layout().yaxis, range: [w.b_min, w.b_max] } } : {});
  }

  /** In the current language: the y title measured anew. */
  relabel() { this.yTitle = null; super.relabel(); }

  relook() {
    this.drawnKey = null;
    this.explainKey = null;
    Plotly.react(this.el, ...this.windowed());
  }

  /** A new generation. The plot is kept (dimmed) until the next surface: often the same one. */
  reset(specs) {
    this.surface = null;
    if (super.reset(specs)) return;
    this.plotted = null;
    Plotly.react(this.el, ...this.figure({ uirevision: Math.random() }));
  }

  setSurface(surface) {
    if (String(surface.slice?.axes) !== String(this.surface?.slice?.axes ?? this.plotted?.slice?.axes) || surface.plane !== this.surface?.plane) this.yTitle = null; // new axes: measured anew
    this.surface = surface;
    this.drawnKey = null;
    this.dim(false);
    if (sameSurface(surface, this.plotted)) return;
    this.plotted = surface;
    this.equal = toScale(surface.window, this.aspect);
    Plotly.react(this.el, ...this.windowed());
  }

  setArrows(on) { this.arrows = on; this.drawnKey = null; }

  legendTrace(i) { return FIXED + i; }

  /** A class's predictions [[w, b], …] as dots under the runs (a room's point question, once
   *  revealed), and this student's own `mine` ([w, b] or null) ringed; ([]) removes them. */
  setPredictions(points, mine = null) {
    this.predictions = points;
    this.mine = mine;
    this.paint();
  }

  /** While a class predicts a point (the bowl's bottom, where a run ends) the minimum's ★ and the
   *  lab's axes through it are not drawn: they would be the answer. */
  hideMinimum(on) {
    if (on === Boolean(this.minimumHidden)) return;
    this.minimumHidden = on;
    Plotly.restyle(this.el, { visible: !on }, [1]);
    this.drawnKey = null;
    this.paint();
  }

  /** Every run up to epoch k; arrows show the −∇ direction only. */
  draw(runs, k) {
    const key = `${k}:${runs.map((r) => `${r.epochs.length}.${r.steps.length}.${r.done?.status}`).join(',')}:${this.arrows}`;
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
    const box = { l: fl.xaxis._offset, t: fl.yaxis._offset, r: fl.xaxis._offset + fl.xaxis._length, b: fl.yaxis._offset + fl.yaxis._length };
    this.paintPredictions(ctx, px, py, scale, outline);
    const win = this.surface.window;
    const scale1 = this.arrows ? this.arrowScale(runs, win) : null;
    // each shown run's path up to the cursor (a diverged one's up to the edge), its end and its exit
    const shown = runs.flatMap((run, i) => {
      if (!run.meta) return [];
      const all = pathTo(run, k);
      const exit = edgeExit(run, all, win, this.surface.least_squares, k >= run.epochs.length);
      const pts = exit?.cut ? [...all.slice(0, exit.cut), exit] : all;
      return [{ run, i, pts, exit, head: pointAt(run, k) }];
    });
    // what labels must leave clear: each path's end marker and the ★; and, where they can, the paths
    const taken = shown.filter((s) => !this.hidden(s.i)).map(({ head }) => around(px(head.w), py(head.b), 9 * scale));
    const min = this.surface.minimum ?? this.surface.least_squares;
    if (min) taken.push(around(px(min.w), py(min.b), thick(11)));
    const lines = segmentsOf(shown.filter((s) => !this.hidden(s.i)).map((s) => s.pts.map((p) => [px(p.w), py(p.b)])));
    const trails = [];
    const edges = [];
    const gradients = [];
    for (const { run, i, pts, exit, head } of shown) {
      trails.push({ label: run.label, x: pts.map((p) => p.w), y: pts.map((p) => p.b), head: [head.w, head.b],
        color: run.color, dash: run.dash, marker: run.marker, ...(run.onPlane ? { off: pts.map((p) => p.off) } : {}) });
      if (this.hidden(i)) continue;
      ctx.strokeStyle = ink(run.color);
      ctx.fillStyle = ink(run.color);
      ctx.lineWidth = 2.5 * scale;
      ctx.setLineDash(canvasDash(run.dash, ctx.lineWidth));
      strokeThrough(ctx, pts.map((p) => [px(p.w), py(p.b)]));
      ctx.setLineDash([]);
      if (run.onPlane) { // a network's path on a plane: each point fades with its distance from it
        const reach = Math.max(win.w_max - win.w_min, win.b_max - win.b_min) / 4;
        for (const p of pts) {
          ctx.globalAlpha = offAlpha(p.off, reach);
          dot(ctx, px(p.w), py(p.b), 3 * scale);
        }
        ctx.globalAlpha = 1;
      } else if (pts.length <= MARKERS_UP_TO) {
        for (const p of pts) dot(ctx, px(p.w), py(p.b), 2.5 * scale);
      }
      const g = scale1 && gradientAt(run, pts);
      if (g) {
        gradients.push({ label: run.label, ...g });
        this.arrow(ctx, g, scale1, px, py, scale);
      }
    }
    for (const { run, i, exit } of shown) {
      if (exit && !this.hidden(i)) edges.push({ label: run.label, epoch: divergedAt(run), ...exit, ...this.edgeMarker(ctx, run, exit, px, py, scale, { box, taken, lines }) });
    }
    for (const { run, i, head } of shown) {
      if (!this.hidden(i)) drawMarker(ctx, run.marker, px(head.w), py(head.b), 7 * scale, { fill: ink(run.color), outline, width: 2 * scale });
    }
    const legend = scale1 ? this.arrowLegend(ctx, fl, scale1, scale) : null;
    if (legend) taken.push(legend);
    const note = this.equal ? null : this.scaleNote(ctx, scale, { box, taken, lines });
    for (const paint of this.painters) paint(ctx, { px, py, scale, outline, box, taken, lines }, runs, k);
    ctx.restore();
    // what is drawn, for tests and tools
    Object.assign(this.canvas, { trails, edges, gradients: scale1 ? { scale: scale1, arrows: gradients, box: legend } : null,
      marks: taken.slice(0, shown.filter((s) => !this.hidden(s.i)).length + (min ? 1 : 0)), scales: { equal: this.equal, note } });
  }

  /** "axes not to scale" ("not to scale" in a narrow plot) in a free corner of a plot whose w and b
   *  have different scales. */
  scaleNote(ctx, scale, { box, taken, lines }) {
    const size = Math.round(13 * scale);
    ctx.font = `${size}px "gdviz Hangul", system-ui, sans-serif`; // Hangul: the shipped font
    const pad = 6 * scale;
    let text = null;
    let spot = null;
    for (const said of [t('contour.notToScale'), t('contour.notToScaleShort')]) {
      const width = ctx.measureText(said).width;
      const corners = [[box.l + pad, box.t + pad + size], [box.r - pad - width, box.t + pad + size], [box.r - pad - width, box.b - pad]];
      spot = freeSpot(corners, width, size, box, taken, lines);
      text = said;
      if (spot) break;
    }
    if (!spot) return null;
    ctx.lineWidth = 4 * scale;
    ctx.strokeStyle = getComputedStyle(this.el).getPropertyValue('--marker-outline').trim() || '#fff';
    ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--ink').trim() || '#222';
    ctx.strokeText(text, spot.l, spot.b);
    ctx.fillText(text, spot.l, spot.b);
    taken.push(spot);
    return { text, ...spot };
  }

  /** A diverged run's mark where its path leaves the view: an arrowhead on the edge, "→ diverged at epoch N". */
  edgeMarker(ctx, run, exit, px, py, scale, { box, taken, lines }) {
    const fl = this.el._fullLayout;
    const [x, y] = [px(exit.w), py(exit.b)];
    const { xaxis: xa, yaxis: ya } = fl;
    const perW = xa._length / (xa.range[1] - xa.range[0]); // px per unit
    const perB = -ya._length / (ya.range[1] - ya.range[0]);
    const norm = Math.max(Math.abs(exit.dw * perW), Math.abs(exit.db * perB)) || 1;
    const angle = Math.atan2((exit.db * perB) / norm, (exit.dw * perW) / norm);
    const sign = ARROWS[((Math.round(-angle / (Math.PI / 4)) % 8) + 8) % 8];
    const text = `${sign} ${DIVERGED_TEXT(divergedAt(run))}`;
    const head = 14 * scale;
    ctx.fillStyle = ink(run.color);
    ctx.strokeStyle = ink(run.color);
    ctx.lineWidth = 2.5 * scale;
    drawArrow(ctx, x - Math.cos(angle) * head * 1.6, y - Math.sin(angle) * head * 1.6, x, y, head);
    ctx.font = `bold ${Math.round(14 * scale)}px "gdviz Hangul", system-ui, sans-serif`; // Hangul: the shipped font
    const width = ctx.measureText(text).width;
    // beside the arrow, inside the plot: under (or over) a sideways one, level with an upright one;
    // failing that, further in along the path, or across it — clear of every path's end and the ★
    const size = Math.round(14 * scale);
    const sideways = Math.abs(Math.cos(angle)) >= Math.abs(Math.sin(angle));
    const inward = y > ya._offset + ya._length / 2 ? -1 : 1;
    const spots = [];
    for (const far of [1, 2.5, 4]) {
      const cx = sideways ? x - Math.cos(angle) * (head * 2 * far + width / 2) : x + (Math.cos(angle) >= 0 ? -1 : 1) * (head * far + width / 2);
      const cy = sideways ? y + inward * 22 * scale * far : y - Math.sin(angle) * head * 2.5 * far;
      spots.push([cx - width / 2, cy + 5 * scale]);
      if (sideways) spots.push([cx - width / 2, y - inward * 22 * scale * far + 5 * scale]);
    }
    const spot = freeSpot(spots, width, size, box, taken, lines) ?? freeSpot(spots.slice(0, 1), width, size, box, []);
    ctx.lineWidth = 4 * scale;
    ctx.strokeStyle = getComputedStyle(this.el).getPropertyValue('--marker-outline').trim() || '#fff';
    if (spot) {
      ctx.strokeText(text, spot.l, spot.b);
      ctx.fillText(text, spot.l, spot.b);
      taken.push(spot);
    }
    return { text, x, y, box: spot };
  }

  /** The class's predictions: white discs ringed in dark ink, big enough to count from the back of
   *  a room on a projector (8 px across times the look's line scale); this student's own, orange. */
  paintPredictions(ctx, px, py, scale, outline) {
    const points = this.predictions ?? [];
    const r = 8 * scale;
    ctx.fillStyle = ink('rgba(255, 255, 255, 0.9)');
    ctx.strokeStyle = ink('#222');
    ctx.lineWidth = 2.5 * scale;
    for (const [w, b] of points) { dot(ctx, px(w), py(b), r); ctx.stroke(); }
    if (this.mine) {
      ctx.strokeStyle = outline;
      ctx.lineWidth = 3 * scale;
      dot(ctx, px(this.mine[0]), py(this.mine[1]), r + 3 * scale);
      ctx.fillStyle = ink('#E69F00');
      dot(ctx, px(this.mine[0]), py(this.mine[1]), r);
    }
    Object.assign(this.canvas, { predictions: points.length, predictionSize: 2 * r }); // what is drawn, for tests
  }

  /**
   * The arrows' one scale for this window: the power of ten that draws the first run's first
   * gradient (its largest, as a run converges) at most a third of the window long. Lengths then
   * compare across epochs and runs; the scale is written in the plot's corner.
   */
  arrowScale(runs, win) {
    const first = runs.find((r) => r.meta && gradientAt(r, pathTo(r, 1)));
    const g = first && gradientAt(first, pathTo(first, 1));
    if (!g) return null;
    const size = Math.hypot(g.grad_w / (win.w_max - win.w_min), g.grad_b / (win.b_max - win.b_min));
    return size > 0 ? 10 ** Math.floor(Math.log10(0.34 / size)) : null;
  }

  /** −scale·∇loss from where the gradient was taken. */
  arrow(ctx, g, scale1, px, py, scale) {
    const [ax, ay] = [px(g.w), py(g.b)];
    const [bx, by] = [px(g.w - scale1 * g.grad_w), py(g.b - scale1 * g.grad_b)];
    if (!Number.isFinite(bx + by) || Math.hypot(bx - ax, by - ay) < 1) return;
    ctx.save();
    ctx.strokeStyle = ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--ink').trim() || '#222'; // over the path, which it may follow
    ctx.lineWidth = 2.5 * scale;
    drawArrow(ctx, ax, ay, bx, by, 11 * scale);
    ctx.restore();
  }

  /** The arrows' scale in the plot's bottom-left corner ("−∇loss × 0.1" alone in a narrow plot);
   *  returns the box it takes, or null if even that does not fit. */
  arrowLegend(ctx, fl, scale1, scale) {
    const { xaxis: xa, yaxis: ya } = fl;
    const size = 13 * scale;
    ctx.font = `${Math.round(size)}px "gdviz Hangul", system-ui, sans-serif`; // Hangul: the shipped font
    const factor = scale1 >= 1e-3 && scale1 <= 1e4 ? String(Number(scale1.toPrecision(1))) : scale1.toExponential(0);
    const pad = 6 * scale;
    const text = [ARROW_TEXT(factor), `−∇loss × ${factor}`].find((s) => ctx.measureText(s).width <= xa._length - 2 * pad);
    if (!text) return null;
    const x = xa._offset + pad;
    const y = ya._offset + ya._length - pad;
    ctx.lineWidth = 4 * scale;
    ctx.strokeStyle = getComputedStyle(this.el).getPropertyValue('--marker-outline').trim() || '#fff';
    ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--ink').trim() || '#222';
    ctx.strokeText(text, x, y);
    ctx.fillText(text, x, y);
    return { l: x, r: x + ctx.measureText(text).width, t: y - size, b: y + 0.3 * size };
  }

  /** The window the path up to epoch k needs, or null while the one shown fits (see viewwindow.js). */
  neededWindow(runs, k) {
    const s = this.surface;
    return s ? windowFor(s.window, runs, k, s.least_squares ?? s.minimum, this.aspect) : null; // logistic: its minimum
  }

  /** The first window of `run` (its meta just came): its start and minimum, in the plot's shape. */
  firstWindow(run) {
    return windowFor(null, [run], 0, run.meta.least_squares, this.aspect);
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

/**
 * The gradient shown with `pts` (a path up to the cursor): the last update's, drawn where it was
 * taken — the point before it (w_{k−1}); at epoch 0, the first update's, taken at the start. Null
 * when the path's points do not carry gradients taken at the point before (mini-batch epochs
 * without their steps: the epoch's last gradient was taken mid-epoch).
 */
function gradientAt(run, pts) {
  const steps = run.meta.steps_per_epoch ?? 1;
  if (steps > 1 && !run.steps.length) return null;
  let i = pts.length - 1;
  if (i === 0) {
    const next = pathTo(run, 1)[1];
    if (!next) return null;
    return { w: pts[0].w, b: pts[0].b, grad_w: next.grad_w, grad_b: next.grad_b };
  }
  if (pts[i].grad_w === undefined) i -= 1;
  if (i < 1) return null;
  return { w: pts[i - 1].w, b: pts[i - 1].b, grad_w: pts[i].grad_w, grad_b: pts[i].grad_b };
}

/** A square box `r` px around (x, y): a marker labels keep clear of. */
const around = (x, y, r) => ({ l: x - r, r: x + r, t: y - r, b: y + r });

function dot(ctx, x, y, r) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
}

/** Fixed levels for a grid whose log-loss spans (almost) nothing, or null: Plotly's automatic
 *  levels break there (a TypeError at 100.25 ± 1e-14). */
function flatLevels(z) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z) for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(hi >= lo) || hi - lo > 1e-9 * (1 + Math.abs(hi))) return null;
  return { start: lo - 0.5, end: lo + 0.5, size: 0.25 };
}
