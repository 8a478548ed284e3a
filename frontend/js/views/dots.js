// Thousands of round markers of one colour on a canvas, written into an ImageData in one pass.
// Plotly redraws 10,000 markers in 0.1–0.4 s here, even in WebGL (no GPU: a software frame), and a
// canvas path of 10,000 arcs is rasterized at the next frame just as slowly; this costs a few ms.
import { axesOf } from './overlay.js';

/** Points {x, y} (data units) as discs `size` CSS px across in `color` ('#rrggbb') at `opacity`, on
 *  `canvas` (sized to the chart, cleared), clipped to the plot area of the chart's layout `fl`. */
export function paintDots(canvas, fl, { x, y }, { color, size, opacity }) {
  const ratio = canvas.width / fl.width;
  const { px, py } = axesOf(fl);
  const [xa, ya] = [fl.xaxis, fl.yaxis];
  const left = Math.floor(xa._offset * ratio);
  const top = Math.floor(ya._offset * ratio);
  const W = Math.ceil((xa._offset + xa._length) * ratio) - left;
  const H = Math.ceil((ya._offset + ya._length) * ratio) - top;
  if (W <= 0 || H <= 0) return;
  const disc = discOf((size * ratio) / 2, opacity);
  const cover = new Float32Array(W * H); // alpha of the markers over each pixel
  for (let i = 0; i < x.length; i += 1) {
    const cx = Math.round(px(x[i]) * ratio) - left;
    const cy = Math.round(py(y[i]) * ratio) - top;
    for (let k = 0; k < disc.length; k += 3) {
      const u = cx + disc[k];
      const v = cy + disc[k + 1];
      if (u < 0 || u >= W || v < 0 || v >= H) continue;
      const j = v * W + u;
      cover[j] += disc[k + 2] * (1 - cover[j]); // one more marker over it, as a canvas would blend it
    }
  }
  const n = parseInt(color.slice(1), 16);
  const [r, g, b] = [n >> 16, (n >> 8) & 255, n & 255];
  const img = new ImageData(W, H);
  const px8 = img.data;
  for (let j = 0; j < cover.length; j += 1) {
    if (cover[j] === 0) continue;
    px8[4 * j] = r;
    px8[4 * j + 1] = g;
    px8[4 * j + 2] = b;
    px8[4 * j + 3] = Math.round(cover[j] * 255);
  }
  canvas.getContext('2d').putImageData(img, left, top);
}

let lastDisc = null;

/** The pixels of a disc of radius `radius`: [dx, dy, alpha] triples, its edge anti-aliased. */
function discOf(radius, opacity) {
  if (lastDisc?.radius === radius && lastDisc.opacity === opacity) return lastDisc.out;
  const out = [];
  const reach = Math.ceil(radius + 0.5);
  for (let dy = -reach; dy <= reach; dy += 1) {
    for (let dx = -reach; dx <= reach; dx += 1) {
      const a = Math.min(1, radius + 0.5 - Math.hypot(dx, dy));
      if (a > 0) out.push(dx, dy, a * opacity);
    }
  }
  lastDisc = { radius, opacity, out };
  return out;
}
