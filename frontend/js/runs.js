// Runs: start what the settings say (one run, or a comparison on one start point), follow a shared
// run, and fetch the loss surface the views need: over (w, b), or for a polynomial a slice through
// two coefficients (the picked ones) with the others at the epoch shown. Everything it touches is handed in, as to Explain:
// the API, the settings, the player that buffers the streams, the charts and the page's `ui` hooks.
import { runLabel } from './core/settings.js';
import { runStyle } from './views/theme.js';
import { reducedMotion } from './access/a11y.js';
import { diverged } from './views/viewwindow.js';
import { t } from './i18n/i18n.js';
import { isWB, sliceAxes, onAxes, viewSurface, onPlane, toPlane, planeSurface } from './core/models.js';

const SLICE_EVERY_MS = 1000; // while playing, a polynomial's slice follows the epoch at most this often
const PLANE_EVERY_MS = 1500; // while a network trains, its plane follows the path at most this often

export class Runs {
  /**
   * `ui`: { banner(text, kind?), diverged(text): the banner naming the diverged runs, with fixes, showErrors(err), clearErrors(), starting(), showRuns(specs, sel),
   *   meta?(run, m), changed?(run, change),
   *   created?(ids): the job ids of the runs on screen (null: not made yet), each time one is made,
   *   veiled?(on): whether the runs' outcome is veiled (see `veil`) }.
   */
  constructor({ api, settings, player, charts, ui }) {
    Object.assign(this, { api, settings, player, charts, ui });
    this.jobIds = [];            // the jobs this page created, cancelled when it starts others
    this.surfaceBusy = false;
    this.requestedWindow = '';
    this.invalid = false;        // the server refused the config: no run to show
    this.veiled = false;         // the runs' outcome kept back until the playback reaches it
    this.withheld = [];          // their `done` events meanwhile: [settle() arguments]
    this.chosenAxes = [];        // a polynomial's slice: the two coefficients picked ([]: the API's default)
    this.sliceAt = null;         // the epoch the slice shown holds the other coefficients at
    this.sliceTime = 0;
    this.plane = null;           // a network's plane shown: the API's answer (its origin, directions, path)
    this.planeTime = 0;
  }

  /** Put run's records on the plane shown (a network's): each epoch's place (w, b) and its distance. */
  planeRun(run) {
    const plane = this.plane;
    if (!plane || !run.meta) return;
    // beyond 64 parameters the server's path, for the run it was asked for (epochs without params:
    // the last one before them that had them)
    const own = !plane.directions && run.id === plane.job;
    const byEpoch = own ? (epoch) => {
      let i = 0;
      while (i + 1 < plane.path_epochs.length && plane.path_epochs[i + 1] <= epoch) i += 1;
      return plane.path[i];
    } : null;
    toPlane(Object.assign(run.meta.start, { params: run.meta.start_params, epoch: 0 }), plane, byEpoch);
    for (const e of run.epochs) toPlane(e, plane, byEpoch);
    for (const st of run.steps) toPlane(st, plane, byEpoch);
    run.path = null;
  }

  /** A network's plane: while its runs train, random directions through the start (a plane that
   *  stays put: only its extent grows with the path); once they have all ended, the PCA of its path
   *  through its final parameters (docs/api.md). */
  async loadPlane(run, gen) {
    const ended = this.player.runs.every((r) => r.done || r.error);
    const kind = ended ? 'pca' : 'random';
    const epochs = run.epochs.length;
    if (kind === 'pca' && epochs === 0) return;
    this.surfaceBusy = true;
    try {
      const answer = await this.api.getPlane(run.id, kind, ended ? 'final' : 'start');
      if (!this.player.isCurrent(gen)) return;
      this.plane = { ...answer, job: run.id, ended };
      this.planeTime = performance.now();
      for (const r of this.player.runs) this.planeRun(r);
      const s = planeSurface(this.plane);
      this.charts.contour.setSurface(s);
      this.charts.surface.setSurface(s);
      this.player.touch();
    } catch (err) {
      if (this.player.isCurrent(gen)) this.ui.banner(t('banner.surface', { error: err.message }), 'error');
    } finally {
      this.surfaceBusy = false;
    }
  }

  /** Whether a network's plane needs asking again: none yet, the runs ended since (PCA now), or the
   *  path has grown and PLANE_EVERY_MS have passed. */
  planeStale(run) {
    const p = this.plane;
    if (!p || p.job !== run.id) return run.epochs.length > 0;
    const ended = this.player.runs.every((r) => r.done || r.error);
    if (p.ended) return false;
    if (ended) return true;
    return run.epochs.length > p.epoch && performance.now() - this.planeTime >= PLANE_EVERY_MS;
  }

  /** A run's slice {axes, idx} for its meta, or null over (w, b). */
  sliceOf(meta) {
    if (!meta || isWB(meta)) return null;
    const axes = sliceAxes(meta.param_names, this.chosenAxes);
    return { axes, idx: axes.map((n) => meta.param_names.indexOf(n)) };
  }

  /** Give run's records the views' w, b from its slice's axes (a polynomial's), anew. */
  mapRun(run) {
    if (onPlane(run.meta)) { run.onPlane = true; this.planeRun(run); return; }
    run.slice = this.sliceOf(run.meta);
    if (!run.slice) return;
    onAxes(Object.assign(run.meta.start, { params: run.meta.start_params }), run.slice.idx);
    for (const e of run.epochs) onAxes(e, run.slice.idx);
    for (const st of run.steps) onAxes(st, run.slice.idx);
    run.path = null; // pathTo's cache held the old axes
  }

  /** Slice a polynomial's landscape through `axes` ([x, y] names; [] the default) from now on. */
  setAxes(axes) {
    if (axes.join() === this.chosenAxes.join()) return;
    this.chosenAxes = axes;
    const { runs, gen } = this.player;
    if (!runs[0]?.slice) return;
    for (const run of runs) if (run.meta) this.mapRun(run);
    this.requestedWindow = '';
    this.ui.slice?.(runs[0]);
    this.loadSurface(runs[0], null, gen);
  }

  /** Cancel the runs under way and start `state`'s: one run, or each compared run from the first's start.
   *  `paused`: the player waits at the start instead of playing (a lesson step's picture);
   *  `holdAt`: it plays up to that epoch and waits there; `veiled`: see `reset`. */
  async start(state, { paused = false, holdAt = null, veiled = false } = {}) {
    for (const id of this.jobIds) this.api.cancelJob(id);
    this.jobIds = [];
    const overrides = this.settings.comparedRuns(state);
    const specs = (overrides.length ? overrides : [{}]).map((over, i) => ({
      over, ...runStyle(i), label: overrides.length ? runLabel(over) : `${state.mode} · ${state.optimizer}`,
    }));
    const gen = this.reset(specs, state.epochs, { toEnd: reducedMotion(), paused, holdAt, veiled });
    this.charts.fit.setOptions({ residuals: state.resid, lsq: state.lsq });
    this.ui.showRuns(specs, Math.min(state.sel, specs.length - 1));

    const config = (over) => this.settings.jobConfig({ ...state, ...over });
    const first = this.startJob(0, config(specs[0].over), gen);
    if (specs.length === 1) return;
    // every compared run starts where the first one does, unless a start point was given
    const meta = await first;
    if (!meta || !this.player.isCurrent(gen)) return;
    // (a network starts from its seed's own init: a race of networks is a race of their starts)
    const start = onPlane(meta) ? {} : isWB(meta) ? { init: { w: meta.start.w, b: meta.start.b } } : { init_params: meta.start_params };
    specs.slice(1).forEach((s, i) => this.startJob(i + 1, { ...config(s.over), ...start }, gen));
  }

  /** Show `jobs` ([{id, config}], the server's configs: one run or a race) without ever cancelling
   *  them; `paused`, `veiled` as for `start`. */
  follow(jobs, { paused = false, veiled = false } = {}) {
    const specs = jobs.map(({ config }, i) => ({ over: {}, ...runStyle(i), label: `${config.mode} · ${config.optimizer}` }));
    const gen = this.reset(specs, Math.max(...jobs.map((j) => j.config.epochs)), { paused, veiled });
    this.ui.showRuns(specs, 0);
    jobs.forEach(({ id, config }, i) => this.startJob(i, config, gen, id));
  }

  /**
   * A new generation of `specs` on cleared charts; answers its id. `toEnd`, `paused`, `holdAt`: see
   * Player. `veiled`: the runs' outcome is kept back until the playback first reaches their end (a
   * lesson step in a class, asked before it is run): until then their `done` is withheld, so no
   * view, banner or legend can say that a run diverged, or where; the views show only the epochs
   * the cursor has passed.
   */
  reset(specs, epochs, { toEnd = false, paused = false, holdAt = null, veiled = false } = {}) {
    const gen = this.player.newGeneration(specs, { toEnd, paused, holdAt });
    const { fit, loss, contour, surface } = this.charts;
    this.plane = null;
    this.requestedWindow = '';
    this.invalid = false;
    this.withheld = [];
    if (veiled !== this.veiled) { this.veiled = veiled; this.ui.veiled?.(veiled); }
    this.ui.starting();
    this.ui.clearErrors();
    this.ui.banner('');
    fit.unpin();
    loss.reset(specs, epochs);
    contour.reset(specs);
    surface.reset(specs);
    return gen;
  }

  /** Create run i's job (or follow `followId`) and its stream; resolves to its meta (null on failure). */
  async startJob(i, config, gen, followId = null) {
    const { player, ui } = this;
    const run = player.runs[i];
    const current = () => player.isCurrent(gen);
    let job;
    try {
      job = followId ? { id: followId } : await this.api.createJob(config);
    } catch (err) {
      if (!current()) return null;
      run.error = err.message;
      this.invalid = true;
      ui.showErrors(err);
      player.touch();
      return null;
    }
    if (!current()) { this.api.cancelJob(job.id); return null; }
    run.id = job.id;
    if (!followId) {
      this.jobIds.push(job.id); // a follower never cancels the run it follows
      ui.created?.(player.runs.map((r) => r.id)); // a class's teacher shows them once none is null
    }
    const place = (rec) => (run.slice ? onAxes(rec, run.slice.idx) : run.onPlane ? toPlane(rec, this.plane ?? {}, null) : rec);
    return new Promise((resolve) => {
      this.api.openStream(job.id, current, {
        meta: (m) => {
          run.meta = m;
          this.mapRun(run);
          if (i === 0) this.showMeta(run, m, gen);
          player.touch();
          resolve(m);
        },
        epoch(e) { run.epochs.push(place(e)); player.touch(); },
        step(s) { run.steps.push(place(s)); player.touch(); },
        change(c) { run.changes.push(c); ui.changed?.(run, c); player.touch(); },
        done: (d) => {
          if (this.veiled && d.status !== 'failed') this.withheld.push([run, i, d]);
          else this.settle(run, i, d);
          player.touch();
          resolve(null);
        },
        error(msg) { run.error = msg; ui.banner(msg, 'error'); player.touch(); resolve(null); },
      });
    });
  }

  /** Run i's end: the run is done, and a divergence or failure says so. */
  settle(run, i, d) {
    const { contour, surface, loss } = this.charts;
    run.done = d;
    if (d.status === 'diverged') {
      if (d.diverged_at) for (const chart of [contour, surface, loss]) chart.markDiverged(i, d.diverged_at);
      this.ui.diverged(divergedBanner(this.player.runs));
    } else if (d.status === 'failed') this.ui.banner(t('banner.failed', { run: run.label, reason: d.reason ?? '' }), 'error');
  }

  /** Every frame (`p`: the player): a veiled generation's outcome shows once the cursor has reached
   *  the end of runs that have all ended. */
  follows(p) {
    if (!this.veiled || !p.runs.length || p.received === 0 || p.epoch < p.received) return;
    if (p.runs.every((r) => r.done || r.error || this.withheld.some(([w]) => w === r))) this.unveil();
  }

  /** The outcome shown now: the withheld ends settled, the page told. */
  unveil() {
    if (!this.veiled) return;
    this.veiled = false;
    for (const args of this.withheld) this.settle(...args);
    this.withheld = [];
    this.ui.veiled?.(false);
    this.player.touch();
  }

  /** The first run's meta sets up the charts: the data, the epochs to come, the least-squares loss. */
  showMeta(run, m, gen) {
    const { fit, loss } = this.charts;
    fit.setMeta(m);
    loss.setTotal(m.total_epochs);
    if (m.least_squares?.loss !== undefined && m.config?.loss === 'mse') loss.setReference(m.least_squares.loss, m.total_epochs);
    this.ui.meta?.(run, m);
    this.ui.slice?.(run);
    this.sliceAt = null;
    // over (w, b), in the contour's shape (equal scales at once); a slice or a model without a
    // least-squares point: the server's window, around its start and minimum
    const win = run.slice || !m.least_squares ? null : this.charts.contour.firstWindow(run);
    this.requestedWindow = win ? JSON.stringify(win) : '';
    this.loadSurface(run, win, gen);
  }

  /** The surface over (w, b), or run's slice with the other coefficients at the epoch shown. */
  async loadSurface(run, window, gen) {
    if (run.meta?.n === 0) return; // a watched loop that sent no data: it has no landscape
    if (run.onPlane) { this.loadPlane(run, gen); return; }
    this.surfaceBusy = true;
    const at = Math.min(this.player.epoch ?? 0, run.epochs.length);
    const slice = run.slice ? { axes: run.slice.axes, at_epoch: at } : null;
    try {
      const s = viewSurface(await this.api.getSurface(run.id, window, slice));
      if (!this.player.isCurrent(gen)) return;
      if (slice) { this.sliceAt = at; this.sliceTime = performance.now(); }
      this.charts.contour.setSurface(s);
      this.charts.surface.setSurface(s);
      this.player.touch();
    } catch (err) {
      if (this.player.isCurrent(gen)) this.ui.banner(t('banner.surface', { error: err.message }), 'error');
    } finally {
      this.surfaceBusy = false;
    }
  }

  /** At epoch k, fetch the surface window the paths up to k need, when it is not the one shown; a
   *  polynomial's slice also when the epoch it holds the other coefficients at is not k (while
   *  `playing`, at most every SLICE_EVERY_MS). */
  fitSurface(k, playing = false) {
    const { runs, gen } = this.player;
    if (this.surfaceBusy || !runs[0]?.id) return;
    if (runs[0].onPlane) {
      if (this.planeStale(runs[0])) this.loadPlane(runs[0], gen);
      return;
    }
    const win = this.charts.contour.neededWindow(runs, k);
    const key = win && JSON.stringify(win);
    if (win && key !== this.requestedWindow) {
      this.requestedWindow = key;
      this.loadSurface(runs[0], win, gen);
      return;
    }
    const run = runs[0];
    const at = Math.min(k, run.epochs.length);
    const shown = this.charts.contour.surface;
    if (run.slice && shown && this.sliceAt !== null && at !== this.sliceAt && !(playing && performance.now() - this.sliceTime < SLICE_EVERY_MS)) {
      this.loadSurface(run, shown.window, gen);
    }
  }

  /** What the runs add up to: idle, invalid, error, running, diverged, failed or completed. */
  status() {
    const runs = this.player.runs;
    if (!runs.length) return 'idle';
    if (this.invalid) return 'invalid';
    if (runs.some((r) => r.error)) return 'error';
    if (!this.player.finished) return 'running';
    if (runs.some((r) => r.done?.status === 'diverged')) return 'diverged';
    if (runs.some((r) => r.done?.status === 'failed')) return 'failed';
    return 'completed';
  }
}

/** Every diverged run, not only the last one to report, and where it diverged. */
function divergedBanner(runs) {
  const gone = runs.filter(diverged);
  const why = (r) => t('banner.divergedWhy', { epoch: r.done.diverged_at ?? r.done.epochs + 1,
    what: t(/nan/i.test(r.done.reason ?? '') ? 'banner.becameNan' : 'banner.becameInfinite') });
  return runs.length > 1 ? gone.map((r) => `${r.label}: ${why(r)}`).join('; ') : why(gone[0]);
}
