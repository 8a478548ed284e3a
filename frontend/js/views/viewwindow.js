// The (w, b) window of the contour and 3D views. It fits the least-squares point and the paths up to
// the epoch shown: it zooms out only as a path leaves it, and back in when the cursor goes back, so a
// diverging run scrubbed to epoch 5 shows epochs 0–5 at their own scale. Runs that diverged do not
// stretch it while others stay finite (a race): they are drawn to the edge and marked there.
import { pathTo } from '../core/history.js';
import { t } from '../i18n/i18n.js';

export const DIVERGED_TEXT = (epoch) => t('say.diverged', { epoch }); // edge marker and legend
const LIMIT = 1e30;   // the server's bound on a surface window
const TOO_WIDE = 4;   // a window this many times wider than the path needs (either axis) is refitted

export const diverged = (run) => run.done?.status === 'diverged';

/** The epoch a diverged run's loss stopped being finite. */
export const divergedAt = (run) => run.done?.diverged_at ?? run.epochs.length + 1;

/** The runs the window fits: those that stay finite, or every run when none does. */
export function fittedRuns(runs) {
  const started = runs.filter((r) => r.meta);
  const finite = started.filter((r) => !diverged(r));
  return finite.length ? finite : started;
}

/** The server's default margin around [lo, hi], so epoch 0 asks for the window it already has. */
function around(lo, hi) {
  const margin = 0.35 * (hi - lo) + 0.5 * Math.max(1, 0.5 * Math.max(Math.abs(lo), Math.abs(hi)));
  return [Math.max(-LIMIT, lo - margin), Math.min(LIMIT, hi + margin)];
}

/** The window the views need at epoch k, or null when `win` (the one shown) still fits. */
export function windowFor(win, runs, k, lsq) {
  const box = { w0: Infinity, w1: -Infinity, b0: Infinity, b1: -Infinity };
  const take = (p) => {
    box.w0 = Math.min(box.w0, p.w); box.w1 = Math.max(box.w1, p.w);
    box.b0 = Math.min(box.b0, p.b); box.b1 = Math.max(box.b1, p.b);
  };
  for (const run of fittedRuns(runs)) for (const p of pathTo(run, k)) take(p);
  if (lsq && Number.isFinite(lsq.w) && Number.isFinite(lsq.b)) take(lsq);
  if (!(box.w0 <= box.w1 && box.b0 <= box.b1)) return null;
  const [w_min, w_max] = around(box.w0, box.w1);
  const [b_min, b_max] = around(box.b0, box.b1);
  const want = { w_min, w_max, b_min, b_max };
  if (!win) return want;
  const inside = box.w0 >= win.w_min && box.w1 <= win.w_max && box.b0 >= win.b_min && box.b1 <= win.b_max;
  const wide = win.w_max - win.w_min > TOO_WIDE * (w_max - w_min) || win.b_max - win.b_min > TOO_WIDE * (b_max - b_min);
  return inside && !wide ? null : want;
}

/**
 * Where a diverged run's path meets the window's edge, for its marker: the first segment that
 * leaves the window, or, when every point shown is inside, the ray from the minimum through the
 * last one. Null when there is nothing to mark: the run has not diverged, or it stays inside and
 * the cursor is not at its end. Answers {w, b, dw, db, cut}: the point, the way out, and the index
 * of the first point outside (the path is drawn up to the edge; null when every point is inside).
 */
export function edgeExit(run, pts, win, lsq, atEnd) {
  if (!diverged(run) || pts.length === 0) return null;
  const inside = (p) => p.w >= win.w_min && p.w <= win.w_max && p.b >= win.b_min && p.b <= win.b_max;
  let from = null;
  let to = null;
  let cut = null;
  for (let i = 1; i < pts.length; i += 1) {
    if (inside(pts[i - 1]) && !inside(pts[i])) { [from, to, cut] = [pts[i - 1], pts[i], i]; break; }
  }
  if (!from) {
    if (!atEnd || !inside(pts[pts.length - 1])) return null;
    to = pts[pts.length - 1];
    from = lsq && (lsq.w !== to.w || lsq.b !== to.b) ? lsq : pts[Math.max(0, pts.length - 2)];
  }
  const dw = to.w - from.w;
  const db = to.b - from.b;
  // the largest t with from + t·(dw, db) inside: where it crosses the edge
  let t = Infinity;
  if (dw > 0) t = Math.min(t, (win.w_max - from.w) / dw);
  if (dw < 0) t = Math.min(t, (win.w_min - from.w) / dw);
  if (db > 0) t = Math.min(t, (win.b_max - from.b) / db);
  if (db < 0) t = Math.min(t, (win.b_min - from.b) / db);
  if (!Number.isFinite(t)) return null;
  return { w: from.w + t * dw, b: from.b + t * db, dw, db, cut };
}
