// A canvas stacked over a Plotly chart, for the parts that move every frame: Plotly redraws a whole
// chart per call (tens of ms here), a canvas redraw of a few thousand points costs about one.

export class Overlay {
  /** `under`: another overlay of the chart this one stays below. */
  constructor(el, { className = 'trails', under = null } = {}) {
    this.el = el;
    this.under = under;
    this.canvas = Object.assign(document.createElement('canvas'), { className });
    this.canvas.trails = [];
    Object.assign(this.canvas.style, { position: 'absolute', left: '0', top: '0', pointerEvents: 'none' });
    this.place();
  }

  /** Between the plot and Plotly's top layer (hover labels, legend), which stay above the canvas. */
  place() {
    const box = this.el.querySelector('.svg-container');
    if (!box) return;
    const top = this.under?.canvas.parentNode === box ? this.under.canvas : box.querySelectorAll(':scope > svg.main-svg')[1];
    if (this.canvas.parentNode !== box || this.canvas.nextSibling !== (top ?? null)) box.insertBefore(this.canvas, top ?? null);
  }

  /** The canvas sized to the chart at device resolution; returns its cleared 2D context, in CSS px. */
  context(fl) {
    const ratio = window.devicePixelRatio || 1;
    const c = this.canvas;
    const w = Math.round(fl.width * ratio);
    const h = Math.round(fl.height * ratio);
    if (c.width !== w || c.height !== h) {
      Object.assign(c, { width: w, height: h });
      Object.assign(c.style, { width: `${fl.width}px`, height: `${fl.height}px` });
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, fl.width, fl.height);
    return ctx;
  }

  /** Ready to draw lines over a 2D chart: the cleared context (saved, clipped to the plot area,
   *  round joins; call ctx.restore() after), the axes' pixel mappings and the overlay style. */
  begin2d(fl) {
    const ctx = this.context(fl);
    const { px, py, clip } = axesOf(fl);
    ctx.save();
    clip(ctx);
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    return { ctx, px, py, ...this.style() };
  }

  clear() {
    this.canvas.getContext('2d').clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.canvas.trails = [];
  }

  /** The look the page's CSS asks of overlays: line scale and marker outline (read once per look). */
  style() {
    const look = document.body.className;
    if (this.look !== look) {
      const css = getComputedStyle(this.el);
      this.look = look;
      this.css = { scale: Number(css.getPropertyValue('--line-scale')) || 1,
        outline: css.getPropertyValue('--marker-outline').trim() || '#fff' };
    }
    return this.css;
  }
}

/**
 * Stroke a line through `points` ([x, y] in px, or null for a gap), leaving out each point less
 * than half a pixel from the last one drawn: the same picture, but a run of thousands of epochs
 * crowding near its minimum costs a few hundred segments instead of thousands, every frame.
 */
export function strokeThrough(ctx, points) {
  ctx.beginPath();
  let last = null;
  for (const p of points) {
    if (!p) { last = null; continue; }
    if (!last) ctx.moveTo(p[0], p[1]);
    else if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < 0.5) continue;
    else ctx.lineTo(p[0], p[1]);
    last = p;
  }
  ctx.stroke();
}

/** Pixel mappings of a 2D chart's axes (linear or log), and a clip to its plot area. */
/** An arrow from (ax, ay) to (bx, by) in pixels, its head `head` px long, in the current style. */
export function drawArrow(ctx, ax, ay, bx, by, head) {
  const angle = Math.atan2(by - ay, bx - ax);
  ctx.beginPath();
  ctx.moveTo(ax, ay);
  ctx.lineTo(bx - Math.cos(angle) * head * 0.6, by - Math.sin(angle) * head * 0.6);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(bx, by);
  ctx.lineTo(bx - head * Math.cos(angle - 0.45), by - head * Math.sin(angle - 0.45));
  ctx.lineTo(bx - head * Math.cos(angle + 0.45), by - head * Math.sin(angle + 0.45));
  ctx.closePath();
  ctx.fill();
}

export function axesOf(fl) {
  const xa = fl.xaxis;
  const ya = fl.yaxis;
  const lin = (ax) => (ax.type === 'log' ? (v) => (v > 0 ? Math.log10(v) : -Infinity) : (v) => v);
  const [fx, fy] = [lin(xa), lin(ya)];
  const [x0, x1] = xa.range;
  const [y0, y1] = ya.range;
  return {
    px: (v) => xa._offset + ((fx(v) - x0) / (x1 - x0)) * xa._length,
    py: (v) => ya._offset + (1 - (fy(v) - y0) / (y1 - y0)) * ya._length,
    inY: (v) => { const t = fy(v); return t >= Math.min(y0, y1) && t <= Math.max(y0, y1); },
    clip(ctx) {
      ctx.beginPath();
      ctx.rect(xa._offset, ya._offset, xa._length, ya._length);
      ctx.clip();
    },
  };
}
