// What the page needs to know of a run's model (docs/api.md, `model`): the line ŷ = w·x + b, logistic
// regression ŷ = σ(w·x + b), or a polynomial ŷ = b0 + b1·x + … + b_d·x^d. Its curve from the
// parameters, logistic regression's decision boundary, the two parameters a polynomial's contour
// and 3D views slice through, and the record and surface fields those views read (w, b) taken from
// that slice's axes. No DOM: the tests call these in node.

const CURVE_POINTS = 200; // a curve drawn through this many x

/** A run's model kind, from its meta: line, logistic or poly. */
export const modelKind = (meta) => meta?.config?.model?.kind ?? 'line';

/** Whether the run's parameters are (w, b): the contour and 3D views are then the whole landscape. */
export const isWB = (meta) => !meta?.param_names || meta.param_names.join() === 'w,b';

export const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/** ŷ at x for parameters `params` (in param_names order). */
export function predict(kind, params, x) {
  if (kind === 'poly') {
    let y = 0;
    for (let i = params.length - 1; i >= 0; i -= 1) y = y * x + params[i]; // Horner
    return y;
  }
  const z = params[0] * x + params[1];
  return kind === 'logistic' ? sigmoid(z) : z;
}

/** The model's curve over [x0, x1]: {x, y}; the line's two ends, else CURVE_POINTS points. */
export function curve(kind, params, [x0, x1], n = CURVE_POINTS) {
  if (!params || params.some((v) => !Number.isFinite(v))) return { x: [], y: [] };
  const xs = kind === 'line' ? [x0, x1] : Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
  return { x: xs, y: xs.map((x) => predict(kind, params, x)) };
}

/** Logistic regression's decision boundary: the x where σ(w·x + b) = 0.5, x = −b/w (null when w = 0). */
export function boundary([w, b]) {
  return w !== 0 && Number.isFinite(w) && Number.isFinite(b) ? -b / w : null;
}

/** A point's parameters: an epoch's or step's `params`, else its (w, b); the start's from the meta. */
export function paramsOf(pt, meta) {
  if (pt?.params) return pt.params;
  if (pt && pt.w !== undefined) return [pt.w, pt.b];
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
