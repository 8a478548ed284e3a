// What the contour adds for the lab: the Hessian's eigen-axes through the minimum (conditioning),
// and, for runs with the optimizer's state traced, the epoch's gradient, momentum buffer or Adam's
// m̂/√v̂ direction and the step actually taken as arrows from where the epoch started (green when
// the loss fell, red when it rose); with step granularity, each mini-batch's gradient as a fan
// around the full-batch gradient at the same point. Painted on the contour's overlay canvas.
import { ink } from '../views/theme.js';
import { drawArrow } from '../views/overlay.js';
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

  paint(ctx, { px, py, scale, outline, box, taken }, runs, k) {
    this.contour.canvas.lab = { axes: this.paintAxes(ctx, px, py, scale, outline, box, taken),
      state: this.paintState(ctx, px, py, scale, runs[0], k) };
  }

  /** Both eigen-axes, through the minimum, across the window, each named with its λ where a label
   *  fits inside the plot clear of the others ("λmax" alone in a narrow plot). */
  paintAxes(ctx, px, py, scale, outline, box, taken) {
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
      // along the axis, on either side of the minimum, nearer and nearer it
      const along = [0.3, -0.3, 0.15, -0.15, 0.45, -0.45].map((t) => [px(m.w + t * span * vw) + 6, py(m.b + t * span * vb) - 6]);
      for (const text of texts) {
        const spot = freeSpot(along, ctx.measureText(text).width, size, box, taken);
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

  /** The optimizer's view of epoch k (trace_state events): arrows from where the epoch started. */
  paintState(ctx, px, py, scale, run, k) {
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
    const zoom = longest < 0.05 ? 10 ** Math.ceil(Math.log10(0.15 / longest)) : 1;
    ctx.save();
    ctx.setLineDash([]);
    if (fan) {
      ctx.globalAlpha = 0.55;
      for (const g of fan.batches) arrow(ctx, px, py, from, g, zoom, ink(COLORS.fan), 1.5 * scale);
      ctx.globalAlpha = 1;
      if (fan.full) arrow(ctx, px, py, from, fan.full, zoom, ink(COLORS.axes), 2 * scale); // the full batch's, for comparison
    }
    for (const a of arrows) arrow(ctx, px, py, from, a, zoom, ink(a.color), 3 * scale);
    ctx.restore();
    return { epoch: k, from, zoom, arrows, fan };
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

/** The first of the `spots` [x, y] (a label's left end, on its baseline) where a label `width`×`size`
 *  px, moved inside `box` if need be, overlaps none of the boxes `taken`; null if none. */
function freeSpot(spots, width, size, box, taken) {
  const pad = 4;
  if (width + 2 * pad > box.r - box.l || size + 2 * pad > box.b - box.t) return null;
  for (const [x, y] of spots) {
    const l = Math.min(Math.max(x, box.l + pad), box.r - pad - width);
    const b = Math.min(Math.max(y, box.t + pad + size), box.b - pad);
    const spot = { l, r: l + width, t: b - size, b };
    if (!taken.some((o) => spot.l < o.r + pad && o.l < spot.r + pad && spot.t < o.b + pad && o.t < spot.b + pad)) return spot;
  }
  return null;
}

function arrow(ctx, px, py, from, d, zoom, color, width) {
  const [ax, ay] = [px(from.w), py(from.b)];
  const [bx, by] = [px(from.w + zoom * d.w), py(from.b + zoom * d.b)];
  if (!Number.isFinite(bx + by) || Math.hypot(bx - ax, by - ay) < 1) return;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  drawArrow(ctx, ax, ay, bx, by, 4 * width);
}
