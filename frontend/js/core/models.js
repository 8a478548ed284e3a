// What the page needs to know of a run's model (docs/api.md, `model`): the line ŷ = w·x + b, logistic
// regression ŷ = σ(w·x + b), a polynomial ŷ = b0 + b1·x + … + b_d·x^d, or a small network (its curve,
// and its path projected on a plane through its parameters). Its curve from the
// parameters, logistic regression's decision boundary, the two parameters a polynomial's contour
// and 3D views slice through, and the record and surface fields those views read (w, b) taken from
// that slice's axes. No DOM: the tests call these in node.

const CURVE_POINTS = 200; // a curve drawn through this many x

/** A run's model kind, from its meta: line, logistic or poly. */
export const modelKind = (meta) => meta?.config?.model?.kind ?? 'line';

/** Whether the run's parameters are (w, b): the contour and 3D views are then the whole landscape. */
export const isWB = (meta) => !meta?.param_names || meta.param_names.join() === 'w,b';

export const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/** A network's shape from its meta: {widths [1, h…, 1], act, prob (bce: the output is a logit)}; null
 *  for the other models. */
export function netSpec(meta) {
  const m = meta?.config?.model;
  if (m?.kind !== 'mlp') return null;
  return { widths: [1, ...m.hidden, 1], act: m.activation, prob: meta.config.loss === 'bce' };
}

/** How many parameters a network of `widths` has. */
export const netSize = (widths) => widths.slice(1).reduce((n, o, i) => n + o * (widths[i] + 1), 0);

/** The network at x, from its parameters in param_names order (each layer's weight row-major, then
 *  its bias); NaN without a full parameter vector. */
export function network(net, params, x) {
  if (!net || !params || params.length !== netSize(net.widths)) return NaN;
  let h = [x];
  let at = 0;
  const last = net.widths.length - 2;
  for (let l = 0; l <= last; l += 1) {
    const [k, o] = [net.widths[l], net.widths[l + 1]];
    const out = new Array(o);
    for (let r = 0; r < o; r += 1) {
      let z = params[at + o * k + r];
      for (let c = 0; c < k; c += 1) z += params[at + r * k + c] * h[c];
      out[r] = l === last ? z : net.act === 'relu' ? Math.max(0, z) : Math.tanh(z);
    }
    at += o * k + o;
    h = out;
  }
  return net.prob ? sigmoid(h[0]) : h[0];
}

/** ŷ at x for parameters `params` (in param_names order); `net`: a network's netSpec. */
export function predict(kind, params, x, net = null) {
  if (kind === 'mlp') return network(net, params, x);
  if (kind === 'poly') {
    let y = 0;
    for (let i = params.length - 1; i >= 0; i -= 1) y = y * x + params[i]; // Horner
    return y;
  }
  const z = params[0] * x + params[1];
  return kind === 'logistic' ? sigmoid(z) : z;
}

/** The model's curve over [x0, x1]: {x, y}; the line's two ends, else CURVE_POINTS points. */
export function curve(kind, params, [x0, x1], n = CURVE_POINTS, net = null) {
  if (!params || params.some((v) => !Number.isFinite(v))) return { x: [], y: [] };
  if (kind === 'mlp' && (!net || params.length !== netSize(net.widths))) return { x: [], y: [] };
  const xs = kind === 'line' ? [x0, x1] : Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
  return { x: xs, y: xs.map((x) => predict(kind, params, x, net)) };
}

/** Whether the contour and 3D views show a plane through the run's parameters (a network), not
 *  (w, b) or a slice of two coefficients. */
export const onPlane = (meta) => modelKind(meta) === 'mlp';

/** A point θ on a plane answer {origin, directions}: its coordinates (a, b) by least squares over the
 *  two directions, and its distance from the plane. */
export function project(params, plane) {
  const [d1, d2] = plane.directions;
  const o = plane.origin;
  let g11 = 0, g12 = 0, g22 = 0, r1 = 0, r2 = 0;
  for (let i = 0; i < o.length; i += 1) {
    const v = params[i] - o[i];
    g11 += d1[i] * d1[i]; g12 += d1[i] * d2[i]; g22 += d2[i] * d2[i];
    r1 += d1[i] * v; r2 += d2[i] * v;
  }
  const det = g11 * g22 - g12 * g12;
  const a = det ? (g22 * r1 - g12 * r2) / det : 0;
  const b = det ? (g11 * r2 - g12 * r1) / det : 0;
  let off = 0;
  for (let i = 0; i < o.length; i += 1) {
    const v = params[i] - o[i] - a * d1[i] - b * d2[i];
    off += v * v;
  }
  return { a, b, off: Math.sqrt(off) };
}

/** Give a record the views' w, b (its place on the plane) and `off` (its distance from it): projected
 *  from its params, or, for a network beyond 64 parameters, from the server's path by epoch (an epoch
 *  without params takes the last one before it that had them). */
export function toPlane(rec, plane, byEpoch = null) {
  if (!rec) return rec;
  if (plane.directions && rec.params) {
    const { a, b, off } = project(rec.params, plane);
    Object.assign(rec, { w: a, b, off });
  } else if (byEpoch) {
    const p = byEpoch(rec.epoch ?? 0);
    if (p) Object.assign(rec, { w: p[0], b: p[1], off: p[2] });
  }
  return rec;
}

/** A plane answer in the fields the views read: w = a, b = b, loss = z, its window; no minimum. */
export function planeSurface(s) {
  const window = { w_min: s.a[0], w_max: s.a[s.a.length - 1], b_min: s.b[0], b_max: s.b[s.b.length - 1] };
  return { ...s, w: s.a, b: s.b, loss: s.z, window: { ...window, x_min: window.w_min, x_max: window.w_max, y_min: window.b_min, y_max: window.b_max },
    least_squares: null, minimum: null, slice: null };
}

/** Logistic regression's decision boundary: the x where σ(w·x + b) = 0.5, x = −b/w (null when w = 0). */
export function boundary([w, b]) {
  return w !== 0 && Number.isFinite(w) && Number.isFinite(b) ? -b / w : null;
}

/** A point's parameters: an epoch's or step's `params`, else its (w, b); the start's from the meta. */
export function paramsOf(pt, meta) {
  if (pt?.params) return pt.params;
  if (pt && pt.w !== undefined && !onPlane(meta)) return [pt.w, pt.b]; // a network's w, b: its plane's
  return meta?.start_params ?? null;
}

/** The slice's axes [x name, y name]: `chosen` where both are the model's and differ, else the API's
 *  default (a polynomial's highest power against its intercept; w, b otherwise). */
export function sliceAxes(names, chosen = []) {
  const [x, y] = chosen;
  if (names.includes(x) && names.includes(y) && x !== y) return [x, y];
  return names.length > 2 ? [names[names.length - 1], names[0]] : [names[0], names[1]];
}

/** Give a record the views' w, b (and grad_w, grad_b) from the slice's axes `idx` [i, j]. */
export function onAxes(rec, [i, j]) {
  if (!rec?.params) return rec;
  rec.w = rec.params[i];
  rec.b = rec.params[j];
  if (rec.grads) { rec.grad_w = rec.grads[i]; rec.grad_b = rec.grads[j]; }
  return rec;
}

/** A surface answer over a slice that is not (w, b) in the fields the views read: w, b the axes'
 *  values, the window's w_min … b_max, and ★ the slice's own lowest point. (w, b) answers as they are. */
export function viewSurface(s) {
  if (s.w) return s;
  const { x_min, x_max, y_min, y_max } = s.window;
  const low = s.slice?.lowest;
  return { ...s, w: s.x, b: s.y, window: { ...s.window, w_min: x_min, w_max: x_max, b_min: y_min, b_max: y_max },
    least_squares: low ? { w: low.x, b: low.y, loss: low.loss } : null, minimum: null, sliceLowest: Boolean(low) };
}

/** The catalogue's words for why logistic regression has no minimum, from the server's `reason`
 *  ("every y is 1: …", "the classes are separated at x = 0.15: …"): [key, params]. */
export function noMinimumWhy(reason = '') {
  const one = /every y is ([01])/.exec(reason);
  if (one) return ['why.oneClass', { y: one[1], sign: one[1] === '1' ? '+' : '−' }];
  const cut = /separated at x = (\S+?):/.exec(reason);
  if (cut) return ['why.separable', { x: cut[1] }];
  return ['why.noMinimum', {}];
}
