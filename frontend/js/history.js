// A run's history as the views read it: the point at an epoch, the path so far, the loss surface it has.

/** The point a run is at after `k` epochs: the start for k = 0. */
export function pointAt(run, k) {
  if (k <= 0 || run.epochs.length === 0) return run.meta ? { ...run.meta.start, loss: null } : null;
  return run.epochs[Math.min(k, run.epochs.length) - 1];
}

/** Epoch records 1..k of a run (k clamped to what arrived). */
export function historyTo(run, k) {
  return run.epochs.slice(0, Math.max(0, Math.min(k, run.epochs.length)));
}

/** Same grid and values: a new run on the same data and start point gets the surface it already has. */
export function sameSurface(a, b) {
  if (!a || !b || JSON.stringify([a.window, a.w, a.b]) !== JSON.stringify([b.window, b.w, b.b])) return false;
  return a.loss.every((row, j) => row.every((v, i) => v === b.loss[j][i]));
}
