// Data by hand, on the fit view: drag a point, click empty space to add one, shift-click a point to
// remove it, or "add an outlier". The edited set is the run's data (kind "points", in the store's
// `pts`). On the drop, the least-squares line, the MSE contour, the 3D surface and the curvature are
// recomputed in the page from the sufficient statistics (suffstats.js) and drawn before the new run
// is asked for: the 2D views at the next frame (`redrawMs`), the 3D surface a frame later (`surfaceMs`).
import { decodePoints, encodePoints, MAX, SHORT } from '../core/points.js';
import { statsOf, add, leastSquares, curvature, surfaceOf, windowAround } from '../core/suffstats.js';

const GRAB_PX = 10;  // a press this close to a point grabs it
const CLICK_PX = 4;  // a press and release closer than this is a click
const afterPaint = (fn) => requestAnimationFrame(() => setTimeout(fn, 0)); // the first task after the next frame

export class DataEditor {
  /** `onLocal({points, stats, ls, curv, surface})`: the local figures after an edit (drawn by the caller). */
  constructor({ fit, store, onLocal }) {
    Object.assign(this, { fit, store, onLocal });
    this.points = null;
    this.drag = null;
    fit.el.addEventListener('mousedown', (ev) => this.press(ev), true); // before Plotly's zoom
    window.addEventListener('mousemove', (ev) => this.move(ev), true);
    window.addEventListener('mouseup', (ev) => this.release(ev), true); // Plotly's drag cover may stop it
  }

  get active() { return this.store.get().data === 'points' && this.points !== null; }

  /** The store's points (a new link, Back, a preset): shown as they are. */
  load(state) {
    if (state.data !== 'points') { this.points = null; this.fit.setPoints(null); return; }
    const p = decodePoints(state.pts);
    this.points = { x: [...p.x], y: [...p.y] };
    this.stats = statsOf(this.points);
    this.show();
  }

  /** Start editing the data the run shows (its meta's points) as the page's own. */
  adopt(meta) {
    const p = meta?.points ?? { x: [], y: [] };
    this.points = { x: [...p.x], y: [...p.y] };
    this.commit();
  }

  /** Mouse position -> {px, py (plot px), x, y (data)}; null off the plot area. */
  at(ev) {
    const fl = this.fit.el._fullLayout;
    if (!fl?.xaxis?._length) return null;
    const r = this.fit.el.getBoundingClientRect();
    const [xa, ya] = [fl.xaxis, fl.yaxis];
    const px = ev.clientX - r.left;
    const py = ev.clientY - r.top;
    const fx = (px - xa._offset) / xa._length;
    const fy = (py - ya._offset) / ya._length;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
    return { px, py, x: xa.range[0] + fx * (xa.range[1] - xa.range[0]), y: ya.range[1] - fy * (ya.range[1] - ya.range[0]) };
  }

  /** The index of the point nearest to `pos` within GRAB_PX, or −1. */
  nearest(pos) {
    const { xaxis: xa, yaxis: ya } = this.fit.el._fullLayout;
    const sx = xa._length / (xa.range[1] - xa.range[0]);
    const sy = ya._length / (ya.range[1] - ya.range[0]);
    let best = -1;
    let bestD = GRAB_PX * GRAB_PX;
    const { x, y } = this.points;
    for (let i = 0; i < x.length; i += 1) {
      const d = ((x[i] - pos.x) * sx) ** 2 + ((y[i] - pos.y) * sy) ** 2;
      if (d <= bestD) { bestD = d; best = i; }
    }
    return best;
  }

  press(ev) {
    if (!this.active || ev.button !== 0) return;
    const pos = this.at(ev);
    if (!pos) return;
    const i = this.nearest(pos);
    if (i >= 0 && ev.shiftKey) { this.stop(ev); this.remove(i); return; }
    if (i >= 0) { this.stop(ev); this.drag = { i, moved: false }; this.fit.el.classList.add('dragging'); return; }
    this.click = pos; // Plotly may zoom; a release without moving adds a point
  }

  move(ev) {
    if (!this.drag) return;
    const pos = this.at(ev);
    if (!pos) return;
    const { i } = this.drag;
    add(this.stats, this.points.x[i], this.points.y[i], -1);
    this.points.x[i] = pos.x;
    this.points.y[i] = pos.y;
    add(this.stats, pos.x, pos.y, 1);
    this.drag.moved = true;
    this.show();
  }

  release(ev) {
    if (this.drag) {
      const { moved } = this.drag;
      this.drag = null;
      this.fit.el.classList.remove('dragging');
      if (moved) this.commit(ev.timeStamp);
      return;
    }
    const from = this.click;
    this.click = null;
    if (!from || !this.active) return;
    const pos = this.at(ev);
    if (pos && Math.hypot(pos.px - from.px, pos.py - from.py) < CLICK_PX) this.addPoint(pos.x, pos.y);
  }

  stop(ev) { ev.stopPropagation(); ev.preventDefault(); }

  addPoint(x, y) {
    if (this.points.x.length >= MAX) return;
    this.points.x.push(x);
    this.points.y.push(y);
    this.commit();
  }

  remove(i) {
    if (this.points.x.length <= 2) return; // the API needs two
    this.points.x.splice(i, 1);
    this.points.y.splice(i, 1);
    this.commit();
  }

  removeLast() { if (this.points) this.remove(this.points.x.length - 1); }

  /** A point far above the line at the right end of the data: it pulls MSE's line, barely Huber's. */
  addOutlier() {
    const ls = leastSquares(this.stats) ?? { w: 0, b: 0 };
    const x = Math.max(...this.points.x);
    const spread = Math.sqrt(Math.max(1e-12, this.stats.syy / this.stats.n - (this.stats.sy / this.stats.n) ** 2));
    this.addPoint(x, ls.w * x + ls.b + 6 * spread + 1);
  }

  /** The edited points go to the store (rounded as the URL keeps them) and a run starts on them,
   *  once the figures computed here are on screen. `t0`: when the gesture ended (the drop). */
  commit(t0 = performance.now()) {
    if (this.points.x.length <= SHORT) { // the link rounds them: show what it will hold
      const p = decodePoints(encodePoints(this.points));
      this.points = { x: [...p.x], y: [...p.y] };
    }
    const edited = { x: this.points.x.slice(), y: this.points.y.slice() }; // encoded once drawn
    this.stats = statsOf(this.points);
    const app = document.getElementById('app');
    // asked before show(), so these tasks come before the 3D surface's own (see views/surface.js)
    afterPaint(() => {
      app.dataset.redrawMs = (performance.now() - t0).toFixed(1);
      afterPaint(() => {
        app.dataset.surfaceMs = (performance.now() - t0).toFixed(1);
        this.store.set({ data: 'points', pts: encodePoints(edited) }, { run: true });
      });
    });
    this.show();
  }

  /** Least squares, curvature and the MSE surface from the sums, drawn by the caller. */
  show() {
    const ls = leastSquares(this.stats);
    const curv = this.stats.n >= 2 ? curvature(this.stats) : null;
    const surface = ls ? surfaceOf(this.stats, windowAround(this.stats, ls)) : null;
    this.fit.setPoints(this.points, ls);
    this.onLocal({ points: this.points, stats: this.stats, ls, curv, surface, dragging: Boolean(this.drag) });
  }
}
