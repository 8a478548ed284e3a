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

/**
 * The (w, b) path of a run up to epoch k, as the contour and 3D views draw it: the start, then each
 * epoch's mini-batch steps (granularity "step") and its end. Built once per arrival, cached on the run.
 */
export function pathTo(run, k) {
  if (!run.meta) return [];
  let c = run.path;
  if (!c || c.epochs !== run.epochs.length || c.steps !== run.steps.length || c.start !== run.meta.start) {
    c = { epochs: run.epochs.length, steps: run.steps.length, start: run.meta.start, points: [run.meta.start], ends: [0] };
    let s = 0;
    for (const e of run.epochs) {
      for (; s < run.steps.length && run.steps[s].epoch <= e.epoch; s += 1) c.points.push(run.steps[s]);
      const last = c.points[c.points.length - 1];
      const reported = last.step !== undefined && last.epoch === e.epoch && last.w === e.w && last.b === e.b;
      if (!reported) c.points.push(e); // the epoch's end, unless its last step was sent
      c.ends.push(c.points.length - 1);
    }
    run.path = c;
  }
  const n = Math.max(0, Math.min(k, run.epochs.length));
  return c.points.slice(0, c.ends[n] + 1);
}
