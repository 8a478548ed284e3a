// Fit by hand: w and b sliders move a line of your own over the data, with its loss, its squared
// errors and which way the gradient points, live; then "let gradient descent go on from here" runs
// from that line (the job's `init`). The line and squares are layout shapes on the fit view, the
// point and its downhill arrow shapes on the contour: the charts' own traces stay the run's.
import { statsOf, mse, gradient, leastSquares } from '../core/suffstats.js';
import { fmt } from '../core/format.js';
import { ink, thick } from '../views/theme.js';
import { t } from '../i18n/i18n.js';

const HAND_COLOR = '#009E73'; // Okabe–Ito bluish green: no run uses it
const MAX_SQUARES = 200;

/** The loss `kind` ('mse' | 'mae' | 'huber') of the line (w, b) on points, and its gradient. */
export function lossAndGradient(points, { w, b }, kind = 'mse', delta = 1) {
  if (kind === 'mse') {
    const s = statsOf(points);
    return { loss: mse(s, w, b), grad: gradient(s, w, b) };
  }
  let loss = 0;
  let gw = 0;
  let gb = 0;
  const n = points.x.length;
  for (let i = 0; i < n; i += 1) {
    const r = w * points.x[i] + b - points.y[i];
    const a = Math.abs(r);
    const huberSquare = kind === 'huber' && a <= delta;
    loss += huberSquare ? 0.5 * r * r : kind === 'huber' ? delta * (a - 0.5 * delta) : a;
    const d = huberSquare ? r : (kind === 'huber' ? delta : 1) * Math.sign(r);
    gw += d * points.x[i];
    gb += d;
  }
  return { loss: loss / n, grad: { w: gw / n, b: gb / n } };
}

export class HandFit {
  /** `root`: the panel's element; `goOn({w, b})` starts gradient descent from the line. */
  constructor(root, { fit, contour, goOn }) {
    Object.assign(this, { root, fit, contour, goOn });
    this.on = false;
    this.points = null;
    this.loss = 'mse';
    this.$ = (sel) => root.querySelector(sel);
    this.$('#hand-toggle').addEventListener('click', () => this.toggle());
    for (const id of ['hand-w', 'hand-b']) this.$(`#${id}`).addEventListener('input', () => this.update());
    this.$('#hand-go').addEventListener('click', () => {
      const line = this.line();
      this.toggle(false);
      this.goOn(line);
    });
  }

  line() { return { w: Number(this.$('#hand-w').value), b: Number(this.$('#hand-b').value) }; }

  /** The data the line is judged on and the run's loss; sets the sliders' ranges around least squares. */
  setData(points, { loss = 'mse', delta = 1, start = null } = {}) {
    this.points = points;
    this.loss = loss;
    this.delta = delta;
    const ls = points?.x.length >= 2 ? leastSquares(statsOf(points)) : null;
    if (!ls) return;
    const span = (v, d) => [v - d, v + d];
    const sw = Math.max(1, 3 * Math.abs(ls.w));
    const sb = Math.max(1, 3 * Math.abs(ls.b), 2 * Math.sqrt(ls.loss));
    for (const [id, [lo, hi], v] of [['hand-w', span(ls.w, sw), start?.w], ['hand-b', span(ls.b, sb), start?.b]]) {
      const input = this.$(`#${id}`);
      Object.assign(input, { min: String(lo), max: String(hi), step: String((hi - lo) / 400) });
      if (!this.on && v !== undefined) input.value = String(v);
    }
    if (this.on) this.update();
  }

  toggle(on = !this.on) {
    this.on = on;
    this.$('#hand-toggle').setAttribute('aria-pressed', String(on));
    this.$('#hand-box').hidden = !on;
    if (on) this.update(); else this.clear();
  }

  update() {
    if (!this.on || !this.points) return;
    const line = this.line();
    const { loss, grad } = lossAndGradient(this.points, line, this.loss, this.delta);
    this.$('#hand-w-out').textContent = fmt(line.w);
    this.$('#hand-b-out').textContent = fmt(line.b);
    const way = (g, up, down) => t(Math.abs(g) < 1e-9 ? 'hand.flat' : g > 0 ? down : up);
    this.$('#hand-loss').textContent = t('hand.loss', { loss: fmt(loss), kind: this.loss });
    this.$('#hand-grad').textContent = t('hand.grad', { gw: fmt(grad.w, 3), wayW: way(grad.w, 'hand.raiseW', 'hand.lowerW'),
      gb: fmt(grad.b, 3), wayB: way(grad.b, 'hand.raiseB', 'hand.lowerB') });
    Object.assign(document.getElementById('app').dataset, { handW: String(line.w), handB: String(line.b), handLoss: String(loss) });
    this.draw(line, grad);
  }

  /** The line and its squared errors on the fit view; the point and −∇ on the contour. */
  draw({ w, b }, grad) {
    const fl = this.fit.el._fullLayout;
    if (!fl?.xaxis) return;
    const [x0, x1] = fl.xaxis.range;
    const c = ink(HAND_COLOR);
    const shapes = [{ type: 'line', name: 'hand', x0, x1, y0: w * x0 + b, y1: w * x1 + b, line: { color: c, width: thick(3), dash: 'dot' } }];
    const { x, y } = this.points;
    const stride = Math.max(1, Math.ceil(x.length / MAX_SQUARES));
    const xPerY = ((x1 - x0) / fl.xaxis._length) * (fl.yaxis._length / (fl.yaxis.range[1] - fl.yaxis.range[0]));
    const mid = (x0 + x1) / 2;
    for (let i = 0; i < x.length; i += stride) {
      const r = y[i] - (w * x[i] + b);
      const side = Math.abs(r) * xPerY * (x[i] > mid ? -1 : 1);
      shapes.push({ type: 'rect', name: 'hand', x0: x[i], x1: x[i] + side, y0: y[i] - r, y1: y[i],
        line: { color: c, width: 1 }, fillcolor: 'rgba(0,158,115,0.12)' });
    }
    keepShapes(this.fit.el, shapes);
    const cf = this.contour.el._fullLayout;
    if (!cf?.xaxis) return;
    const sw = cf.xaxis.range[1] - cf.xaxis.range[0];
    const sb = cf.yaxis.range[1] - cf.yaxis.range[0];
    const norm = Math.hypot(grad.w / sw, grad.b / sb) || 1;
    const to = { w: w - (0.15 * grad.w) / norm, b: b - (0.15 * grad.b) / norm };
    const r = 0.012;
    keepShapes(this.contour.el, [
      { type: 'circle', name: 'hand', x0: w - r * sw, x1: w + r * sw, y0: b - r * sb, y1: b + r * sb, fillcolor: c, line: { color: ink('#fff'), width: 1.5 } },
    ]);
    keepNotes(this.contour.el, [{ name: 'hand', x: to.w, y: to.b, ax: w, ay: b, xref: 'x', yref: 'y', axref: 'x', ayref: 'y',
      showarrow: true, arrowhead: 2, arrowwidth: thick(2.5), arrowcolor: c, text: '' }]);
  }

  clear() {
    keepShapes(this.fit.el, []);
    keepShapes(this.contour.el, []);
    keepNotes(this.contour.el, []);
  }
}

/** Replace the chart's shapes named 'hand' by `shapes`, keeping any others. */
function keepShapes(el, shapes) {
  const others = (el.layout?.shapes ?? []).filter((s) => s.name !== 'hand');
  if (!shapes.length && others.length === (el.layout?.shapes ?? []).length) return;
  Plotly.relayout(el, { shapes: [...others, ...shapes] });
}

function keepNotes(el, notes) {
  const others = (el.layout?.annotations ?? []).filter((a) => a.name !== 'hand');
  if (!notes.length && others.length === (el.layout?.annotations ?? []).length) return;
  Plotly.relayout(el, { annotations: [...others, ...notes] });
}
