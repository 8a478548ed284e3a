// What the contour adds for the lab: the Hessian's eigen-axes through the minimum (conditioning),
// and, for runs with the optimizer's state traced, the epoch's gradient, momentum buffer or Adam's
// m̂/√v̂ direction and the step actually taken as arrows from where the epoch started (green when
// the loss fell, red when it rose); with step granularity, each mini-batch's gradient as a fan
// around the full-batch gradient at the same point. Painted on the contour's overlay canvas.
import { ink } from '../views/theme.js';
import { drawArrow } from '../views/overlay.js';
import { freeSpot } from '../views/labels.js';
import { t } from '../i18n/i18n.js';
import { statsOf, gradient } from '../core/suffstats.js';

const COLORS = { grad: '#0072B2', buffer: '#CC79A7', fell: '#009E73', rose: '#D55E00', fan: '#56B4E9', axes: '#444444' };
export const STATE_COLORS = COLORS;

export class ContourLab {
  constructor(contour) {
    this.contour = contour;
    this.curvature = null;   // {eigenvalues, eigenvectors} and the minimum {w, b}
    this.minimum = null;
    this.points = null;      // the data, for the full-batch gradient of the fan
    contour.painters = [(ctx, axes, runs, k) => this.paint(ctx, axes, runs, k)];
  }

  setCurvature(curvature, minimum) {
    this.curvature = curvature ?? null;
    this.minimum = minimum ?? null;
    this.contour.drawnKey = null;
    this.contour.paint();
  }

  setPoints(points) { this.points = points; this.statsCache = null; }

  paint(ctx, { px, py, scale, outline, box, taken, lines }, runs, k) {
    this.contour.canvas.lab = { axes: this.paintAxes(ctx, px, py, scale, outline, box, taken, lines),
      state: this.paintState(ctx, px, py, scale, runs[0], k, { box, taken, lines }) };
  }

  /** Both eigen-axes, through the minimum, across the window, each named with its λ where a label
   *  fits inside the plot clear of the others, the paths' ends and the ★, and off the paths where it
   *  can be ("λmax" alone in a narrow plot). */
  paintAxes(ctx, px, py, scale, outline, box, taken, lines) {
    const c = this.curvature;
    const m = this.minimum;
    if (!c || !m || !Number.isFinite(m.w) || this.contour.minimumHidden) return null;
    const win = this.contour.surface?.window;
    if (!win) return null;
    const reach = 2 * Math.hypot(win.w_max - win.w_min, win.b_max - win.b_min);
    ctx.save();
    ctx.strokeStyle = ink(COLORS.axes);
    ctx.fillStyle = ink(COLORS.axes);
    ctx.lineWidth = 1.5 * scale;
    const size = Math.round(14 * scale);
    ctx.font = `${size}px "gdviz Hangul", system-ui, sans-serif`;
    const drawn = [];
    c.eigenvectors.forEach(([vw, vb], i) => {
      ctx.setLineDash(i === 0 ? [6 * scale, 4 * scale] : []);
      ctx.beginPath();
      ctx.moveTo(px(m.w - reach * vw), py(m.b - reach * vb));
      ctx.lineTo(px(m.w + reach * vw), py(m.b + reach * vb));
      ctx.stroke();
      drawn.push({ w: vw, b: vb, lambda: c.eigenvalues[i] });
    });
    ctx.setLineDash([]);
    ctx.lineWidth = 4 * scale;
    ctx.strokeStyle = outline;
    drawn.forEach(({ w: vw, b: vb, lambda }, i) => {
      const name = `λ${i ? 'max' : 'min'}`;
      const full = `${name} = ${lambda.toPrecision(3)}`; // in half the plot's width at most: it would crowd the paths
      const texts = ctx.measureText(full).width <= (box.r - box.l) / 2 ? [full, name] : [name];
      const span = Math.min(win.w_max - win.w_min, win.b_max - win.b_min);
      // along the axis, on either side of the minimum, nearer and nearer it, and on either side of the axis
      const points = [0.3, -0.3, 0.15, -0.15, 0.45, -0.45].map((t) => [px(m.w + t * span * vw), py(m.b + t * span * vb)]);
      for (const text of texts) {
        const width = ctx.measureText(text).width;
        const along = points.flatMap(([x, y]) => [[x + 6, y - 6], [x - 6 - width, y + size + 6]]);
        const spot = freeSpot(along, width, size, box, taken, lines);
        if (!spot) continue;
        ctx.strokeText(text, spot.l, spot.b);
        ctx.fillText(text, spot.l, spot.b);
        taken.push(spot);
        Object.assign(drawn[i], { label: text, box: spot });
        break;
      }
    });
    ctx.restore();
    return drawn;
  }

  /** The optimizer's view of epoch k (trace_state events): arrows from where the epoch started, all
   *  magnified alike when they are short (×10ⁿ, said in the plot's corner), any that still leaves the
   *  plot cut at its edge (and said so). */
  paintState(ctx, px, py, scale, run, k, { box, taken, lines }) {
    const e = run?.epochs?.[k - 1];
    if (!e || e.step_w === undefined) return null;
    const lr = e.lr ?? run.meta?.config?.lr ?? 1;
    const from = { w: e.w - e.step_w, b: e.b - e.step_b };
    const buffer = e.m_hat_w !== undefined
      ? { w: -lr * e.m_hat_w / (e.v_hat_sqrt_w + 1e-8), b: -lr * e.m_hat_b / (e.v_hat_sqrt_b + 1e-8), name: '−lr·m̂/√v̂' }
      : e.momentum_w !== undefined ? { w: -lr * e.momentum_w, b: -lr * e.momentum_b, name: '−lr·momentum buffer' } : null;
    const next = run.epochs[k];
    const prev = run.epochs[k - 2];
    const fell = next ? next.loss < e.loss : prev ? e.loss < prev.loss : true;
    const arrows = [
      { name: '−lr·∇', color: COLORS.grad, w: -lr * e.grad_w, b: -lr * e.grad_b },
      ...(buffer ? [{ ...buffer, color: COLORS.buffer }] : []),
      { name: 'step', color: fell ? COLORS.fell : COLORS.rose, w: e.step_w, b: e.step_b, fell },
    ];
    const fan = this.fan(run, k, from, lr);
    // one magnification for every arrow, so they compare; said in the legend
    const win = this.contour.surface.window;
    const [sw, sb] = [win.w_max - win.w_min, win.b_max - win.b_min];
    const longest = Math.max(...arrows.map((a) => Math.hypot(a.w / sw, a.b / sb)), 1e-300);
    const zoom = longest < 0.05 ? 10 ** Math.floor(Math.log10(0.3 / longest)) : 1; // the longest a tenth to a third of the view
    ctx.save();
    ctx.setLineDash([]);
    const draw = (d, color, width) => arrow(ctx, px, py, from, d, zoom, color, width, box);
    let cut = false;
    if (fan) {
      ctx.globalAlpha = 0.55;
      for (const g of fan.batches) cut = draw(g, ink(COLORS.fan), 1.5 * scale) || cut;
      ctx.globalAlpha = 1;
      if (fan.full) cut = draw(fan.full, ink(COLORS.axes), 2 * scale) || cut; // the full batch's, for comparison
    }
    for (const a of arrows) {
      a.cut = draw(a, ink(a.color), 3 * scale);
      cut = a.cut || cut;
    }
    const said = cut ? (zoom > 1 ? 'lab.arrowsZoomCut' : 'lab.arrowsCut') : zoom > 1 ? 'lab.arrowsZoom' : null;
    const note = said ? this.note(ctx, t(said, { zoom }), scale, box, taken, lines) : null;
    ctx.restore();
    return { epoch: k, from, zoom, arrows, fan, cut, note };
  }

  /** A note in a free corner of the plot (the arrows' magnification), in the page's ink. */
  note(ctx, text, scale, box, taken, lines) {
    const size = Math.round(13 * scale);
    ctx.font = `${size}px "gdviz Hangul", system-ui, sans-serif`;
    const width = ctx.measureText(text).width;
    const pad = 6 * scale;
    const spot = freeSpot([[box.r - pad - width, box.t + pad + size], [box.l + pad, box.t + pad + size], [box.r - pad - width, box.b - pad]],
      width, size, box, taken, lines);
    if (!spot) return null;
    ctx.lineWidth = 4 * scale;
    ctx.strokeStyle = getComputedStyle(this.contour.el).getPropertyValue('--marker-outline').trim() || '#fff';
    ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--ink').trim() || '#222';
    ctx.strokeText(text, spot.l, spot.b);
    ctx.fillText(text, spot.l, spot.b);
    taken.push(spot);
    return { text, ...spot };
  }

  /** The batches' −lr·g of epoch k, drawn from the epoch's start, and the full-batch −lr·∇ there. */
  fan(run, k, from, lr) {
    const steps = run.steps?.filter((s) => s.epoch === k);
    if (!steps?.length || steps.length < 2) return null;
    const batches = steps.map((s) => ({ w: -lr * s.grad_w, b: -lr * s.grad_b }));
    let full = null;
    if (this.points && run.meta?.config?.loss === 'mse') {
      this.statsCache ??= statsOf(this.points);
      const g = gradient(this.statsCache, from.w, from.b);
      full = { w: -lr * g.w, b: -lr * g.b };
    }
    return { batches, full };
  }
}

/** −zoom·d from `from`, its head inside `box`; one that would leave it is cut at the edge, with a bar
 *  across its end instead of a head. Answers whether it was cut. */
function arrow(ctx, px, py, from, d, zoom, color, width, box) {
  const [ax, ay] = [px(from.w), py(from.b)];
  let [bx, by] = [px(from.w + zoom * d.w), py(from.b + zoom * d.b)];
  if (!Number.isFinite(ax + ay) || Math.hypot(bx - ax, by - ay) < 1) return false;
  const inside = (x, y) => x >= box.l && x <= box.r && y >= box.t && y <= box.b;
  if (!inside(ax, ay)) return false; // the epoch started out of view: nothing to point from
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  if (Number.isFinite(bx + by) && inside(bx, by)) {
    drawArrow(ctx, ax, ay, bx, by, 4 * width);
    return false;
  }
  // where the ray from (ax, ay) leaves the box, a few px in
  const angle = Math.atan2(by - ay, bx - ax);
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const reach = Math.min(dx > 0 ? (box.r - ax) / dx : dx < 0 ? (box.l - ax) / dx : Infinity,
    dy > 0 ? (box.b - ay) / dy : dy < 0 ? (box.t - ay) / dy : Infinity) - 2 * width;
  if (!(reach > 4 * width)) return true;
  [bx, by] = [ax + dx * reach, ay + dy * reach];
  ctx.beginPath();
  ctx.moveTo(ax, ay);
  ctx.lineTo(bx, by);
  ctx.moveTo(bx - dy * 3 * width, by + dx * 3 * width); // the cut: a bar across the end
  ctx.lineTo(bx + dy * 3 * width, by - dx * 3 * width);
  ctx.stroke();
  return true;
}
