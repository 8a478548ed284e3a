// The lab: data by hand, fit by hand, a learning-rate scheduler, the lr changed during a run, the
// optimizer's state, conditioning, an lr sweep and the lab's presets. Builds its panel (a group of
// the settings form) and wires the lab's modules: datadrag.js, handfit.js, contourlab.js,
// lrcurve.js, sweepchart.js, form/locks.js. main.js calls `render(p, sel)` every frame and `meta(run, m)`
// when a run's meta arrives.
import { DataEditor } from './datadrag.js';
import { HandFit } from './handfit.js';
import { ContourLab } from './contourlab.js';
import { LrCurve } from './lrcurve.js';
import { SweepChart, logSpaced } from './sweepchart.js';
import { applyLocks } from '../form/locks.js';
import { schedulerConfig, schedulerField } from '../core/settings.js';
import { encodePoints } from '../core/points.js';
import { surfaceOf } from '../core/suffstats.js';
import { inSight } from './sight.js';
import { fmt } from '../core/format.js';
import { modelKind } from '../core/models.js';
import { serverSays } from '../form/checks.js';
import { t, tr, translate, onLang } from '../i18n/i18n.js';

export const SCHEDULERS = ['StepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR', 'OneCycleLR', 'ReduceLROnPlateau'];
// a starting value for each required argument, from the run's settings
const SUGGEST = {
  step_size: (s) => Math.max(1, Math.round(s.epochs / 4)),
  gamma: (s, name) => (name === 'ExponentialLR' ? 0.97 : 0.5),
  T_max: (s) => s.epochs,
  max_lr: (s) => Number((s.lr * 5).toPrecision(2)),
};
const SWEEP_RATES = 20;
// The 3D view's grid on a drop: the sums' MSE is a paraboloid, which 30×30 draws as smoothly as the
// run's 60×60, in a quarter of the mesh a software-WebGL frame has to draw (the run then brings its own).
const DROP_GRID_3D = 30;

/** 20 points near y = 2x − 1 and one far above: MSE's line tilts towards it, Huber's and MAE's barely. */
function outlierPoints() {
  const x = Array.from({ length: 20 }, (_, i) => -3 + 0.3 * i);
  const y = x.map((v, i) => 2 * v - 1 + 0.6 * Math.sin(3.7 * i));
  return { x: [...x, 2.7], y: [...y, 24] };
}

// the lesson's model, so that a preset after a polynomial or logistic regression fits the line
const LINE = { model: 'line', curve: 'line', labels: false, loss: 'mse', axes: '' };
// the lesson's synthetic data (x from −3 to 3 in steps of 0.3, y = 2x − 1 + noise)
const LESSON_DATA = { data: 'synthetic', x_start: -3, x_stop: 3, x_step: 0.3, n: null, true_w: 2, true_b: -1, noise: 1,
  mode: 'sgd', optimizer: 'sgd', scheduler: '', cmp: '', sel: 0 };
// degree 9 through a sine: on raw x the x⁹ direction is ~10⁸ times stiffer than the intercept's
// (2/λmax ≈ 3.6e-8: lr just under it zig-zags along b9 while b0 barely moves); standardized, 2/λmax ≈ 9e-4
const POLY9 = { ...LESSON_DATA, ...LINE, model: 'poly', degree: 9, curve: 'sine', noise: 0.3, epochs: 300, init_w: null, init_b: null };

export const LAB_PRESETS = {
  outlier: { label: 'lab.presetOutlier',
    state: () => ({ ...LINE, data: 'points', pts: encodePoints(outlierPoints()), mode: 'sgd', optimizer: 'sgd', lr: 0.1, epochs: 300,
      scheduler: '', standardize: false, cmp: 'loss:mse,loss:huber,loss:mae', sel: 0, init_w: 0, init_b: 0 }) },
  scaled: { label: 'lab.presetScaled',
    state: () => ({ ...LINE, data: 'synthetic', x_start: 10, x_stop: 20, x_step: 0.5, n: null, true_w: 2, true_b: -1, noise: 1, mode: 'sgd', optimizer: 'sgd',
      lr: 0.0042, epochs: 200, scheduler: '', standardize: false, cmp: '', init_w: 0, init_b: 0 }) },
  standardized: { label: 'lab.presetStandardized',
    state: () => ({ ...LINE, data: 'synthetic', x_start: 10, x_stop: 20, x_step: 0.5, n: null, true_w: 2, true_b: -1, noise: 1, mode: 'sgd', optimizer: 'sgd',
      lr: 0.4, epochs: 200, scheduler: '', standardize: true, cmp: '', init_w: 0, init_b: 0 }) },
  polyRaw: { label: 'lab.presetPolyRaw', state: () => ({ ...POLY9, standardize: false, lr: 3e-8 }) },
  polyStandardized: { label: 'lab.presetPolyStd', state: () => ({ ...POLY9, standardize: true, lr: 0.0008 }) },
  logistic: { label: 'lab.presetLogistic',
    state: () => ({ ...LESSON_DATA, ...LINE, model: 'logistic', loss: 'bce', labels: true, standardize: false, lr: 2, epochs: 150, init_w: 0, init_b: 0 }) },
  // the same minimum, a loss n = 20 times larger: 2/λmax 0.33 for MSE, 0.017 for SSE, so lr 0.1 diverges
  mse: { label: 'lab.presetMse', state: () => ({ ...LESSON_DATA, ...LINE, standardize: false, lr: 0.1, epochs: 100, init_w: 0, init_b: 0 }) },
  sse: { label: 'lab.presetSse', state: () => ({ ...LESSON_DATA, ...LINE, loss: 'sse', standardize: false, lr: 0.1, epochs: 100, init_w: 0, init_b: 0 }) },
};

const PANEL = `
<legend data-i18n="lab.legend"></legend>
<p id="lock-note" class="note" role="note" hidden></p>
<div class="lab-part" data-lock="presets">
  <label for="lab-preset" data-i18n="lab.preset"></label>
  <select id="lab-preset"><option value="" data-i18n="lab.choose"></option></select>
</div>
<div class="lab-part" data-lock="data">
  <h2 data-i18n="lab.dataByHand"></h2>
  <div class="lab-buttons">
    <button type="button" id="data-edit" data-i18n="lab.editData"></button>
    <button type="button" id="data-outlier" data-i18n="lab.addOutlier"></button>
    <button type="button" id="data-remove" data-i18n="lab.removeLast"></button>
  </div>
  <p class="note" id="data-note" data-i18n="lab.dataNote"></p>
</div>
<div class="lab-part" data-lock="handfit">
  <h2 data-i18n="lab.fitByHand"></h2>
  <button type="button" id="hand-toggle" aria-pressed="false" data-i18n="lab.fitByHand"></button>
  <p class="note" id="hand-line-only" hidden data-i18n="lab.handLineOnly"></p>
  <div id="hand-box" hidden>
    <div class="row"><label for="hand-w" data-i18n="lab.yourW"></label><span class="slider"><input type="range" id="hand-w"><output id="hand-w-out" for="hand-w"></output></span></div>
    <div class="row"><label for="hand-b" data-i18n="lab.yourB"></label><span class="slider"><input type="range" id="hand-b"><output id="hand-b-out" for="hand-b"></output></span></div>
    <p id="hand-loss" class="lab-out" aria-live="polite"></p>
    <p id="hand-grad" class="note"></p>
    <button type="button" id="hand-go" class="primary" data-i18n="lab.goOn"></button>
  </div>
</div>
<div class="lab-part" data-lock="scheduler">
  <h2 data-i18n="lab.lrOverTime"></h2>
  <div class="row"><label for="sched-name" data-i18n="lab.scheduler"></label><select id="sched-name"><option value="" data-i18n="lab.noScheduler"></option></select></div>
  <div id="sched-args"></div>
  <p id="lr-live" class="note" role="status"></p>
  <p id="lr-stable" class="note"></p>
</div>
<div class="lab-part" data-lock="trace">
  <label><input type="checkbox" id="trace-state"> <span data-i18n="lab.traceState"></span></label>
  <p id="state-note" class="note"></p>
</div>
<div class="lab-part" data-lock="sweep">
  <button type="button" id="sweep-open" data-i18n="lab.sweepOpen"></button>
</div>`;

const SWEEP_DIALOG = `
<h2 id="sweep-title" data-i18n="sweep.title"></h2>
<p class="note" id="sweep-status" role="status"></p>
<div id="chart-sweep" class="chart" role="img" data-i18n-aria-label="sweep.chartLabel"></div>
<p class="sr-only" id="desc-sweep"></p>
<div class="lab-buttons"><button type="button" id="sweep-run" class="primary" data-i18n="sweep.again"></button><button type="button" id="sweep-close" data-i18n="common.close"></button></div>`;

/** `submit(changes)`: run what the form shows with `changes`, as ▶ Run does (main.js); false when
 *  it refused them. `allowed(changes)`: whether a teacher's locked link lets them through. */
export function installLab({ api, store, settings, schema, player, runs, charts, form, submit, allowed = () => true }) {
  const $ = (id) => document.getElementById(id);
  const panel = Object.assign(document.createElement('fieldset'), { id: 'lab', innerHTML: PANEL });
  form.append(panel);
  translate(panel);
  const dialog = Object.assign(document.createElement('dialog'), { id: 'sweep', innerHTML: SWEEP_DIALOG });
  dialog.setAttribute('aria-labelledby', 'sweep-title');
  document.body.append(dialog);
  translate(dialog);

  const app = $('app');
  const contourLab = new ContourLab(charts.contour);
  const lrCurve = new LrCurve(charts.loss.el);
  let sweepChart = null;
  let local = null; // the figures computed in the page for edited data

  // ---- data by hand
  const editor = new DataEditor({ fit: charts.fit, store, onLocal: (f) => showLocal(f) });
  function showLocal(f) {
    local = f;
    hand.setData(f.points, handOptions());
    contourLab.setPoints(f.points);
    if (f.dragging || !f.surface) return;
    const win = charts.contour.surface?.window;
    // no window: a run has just started and its own surface is on its way; the sums give MSE's only
    if (win && store.get().loss === 'mse') {
      const inside = f.ls.w > win.w_min && f.ls.w < win.w_max && f.ls.b > win.b_min && f.ls.b < win.b_max;
      const surface = inside ? surfaceOf(f.stats, win) : f.surface;
      // a view out of sight is left to the run that starts next: it brings every view its surface
      if (inSight(charts.contour.el)) charts.contour.setSurface(surface);
      if (inSight(charts.surface.el)) charts.surface.setSurface(surfaceOf(f.stats, surface.window, DROP_GRID_3D)); // in a task of its own, after the others
    }
    contourLab.setCurvature(f.curv, f.ls);
    showStable(f.curv);
    app.dataset.lsq = `${f.ls.w},${f.ls.b}`;
  }
  $('data-edit').addEventListener('click', () => editor.adopt(player.runs[0]?.meta));
  $('data-outlier').addEventListener('click', () => { if (!editor.active) editor.adopt(player.runs[0]?.meta); editor.addOutlier(); });
  $('data-remove').addEventListener('click', () => editor.removeLast());
  // choosing "points" in the form starts from the data on screen
  $('data').addEventListener('change', (ev) => { if (ev.target.value === 'points' && !store.get().pts) editor.adopt(player.runs[0]?.meta); });

  // ---- fit by hand
  const hand = new HandFit(panel, { fit: charts.fit, contour: charts.contour,
    goOn: ({ w, b }) => {
      const round = (v) => Number(v.toPrecision(4));
      const next = { init_w: round(w), init_b: round(b), cmp: '' };
      if (allowed(next)) store.set(next, { run: true });
    } });
  const handOptions = () => {
    const s = store.get();
    return { loss: s.loss, delta: s.huber_delta, start: player.runs[0]?.meta?.start };
  };

  // ---- scheduler
  const defs = schema.job.$defs ?? {};
  const select = $('sched-name');
  for (const name of SCHEDULERS) if (defs[name]) select.append(new Option(name, name));
  function showSchedArgs(field) {
    const cfg = schedulerConfig(field);
    select.value = cfg?.name ?? '';
    const box = $('sched-args');
    box.replaceChildren();
    if (!cfg) return;
    const state = store.get();
    for (const [k, p] of Object.entries(defs[cfg.name].properties)) {
      if (k === 'name') continue;
      const id = `sched-${k}`;
      const v = cfg[k] ?? p.default ?? SUGGEST[k]?.(state, cfg.name) ?? '';
      let input;
      if (p.type === 'boolean') input = Object.assign(document.createElement('input'), { type: 'checkbox', id, checked: Boolean(v) });
      else if (p.enum) { input = document.createElement('select'); input.id = id; p.enum.forEach((o) => input.append(new Option(o, o))); input.value = String(v); }
      else input = Object.assign(document.createElement('input'), { type: 'text', id, inputMode: 'decimal', size: 7, value: String(v) });
      if (p.description) input.title = p.description;
      input.dataset.arg = k;
      const row = document.createElement('div');
      row.className = 'row';
      row.append(Object.assign(document.createElement('label'), { htmlFor: id, textContent: k }), input);
      box.append(row);
    }
  }
  function readSched() {
    if (!select.value) return '';
    const cfg = { name: select.value };
    for (const input of $('sched-args').querySelectorAll('[data-arg]')) cfg[input.dataset.arg] = input.type === 'checkbox' ? input.checked : input.value;
    return schedulerField(cfg);
  }
  select.addEventListener('change', () => { showSchedArgs(schedulerField(select.value ? { name: select.value } : null)); store.set({ scheduler: readSched() }); });
  $('sched-args').addEventListener('change', () => store.set({ scheduler: readSched() }));

  // ---- the lr during a run: PATCH /api/jobs/{id}
  let liveOff = null; // the server's reason once it refused (409): live changes off until the next run
  let liveAsked = null; // the lr last sent to this run: Enter, then Tab, sends it once
  app.dataset.live = 'on';
  /** The run a new lr would change: the one run on screen, still training. */
  const liveRun = () => {
    const run = player.runs[0];
    return player.runs.length === 1 && run?.id && !run.done && runs.status() === 'running' ? run : null;
  };
  async function changeLive(lr) {
    const run = liveRun();
    if (!(lr > 0) || !run || lr === liveAsked) return;
    if (liveOff) { $('lr-live').textContent = t('lab.liveOff', { why: liveOff }); return; }
    liveAsked = lr;
    const asked = player.received;
    try {
      const ans = await api.changeJob(run.id, { lr });
      $('lr-live').textContent = t('lab.liveChanged', { lr: fmt(ans.lr), epoch: ans.epoch, asked: asked + 1 });
    } catch (err) {
      liveAsked = null;
      if (err.status === 409) {
        liveOff = typeof err.detail === 'string' ? err.detail : err.message;
        $('lr-live').textContent = t('lab.liveOff', { why: liveOff });
        app.dataset.live = 'off';
      } else $('lr-live').textContent = Array.isArray(err.detail) ? err.detail.map((d) => serverSays(d)).join('; ') : err.message;
    }
  }
  for (const id of ['lr-slider', 'lr']) $(id).addEventListener('change', () => changeLive(Number($('lr').value)));
  // Enter in the lr box during a run changes that run, as Tab and the slider do: it starts no new one
  // (a value that makes no number still goes to the form, which refuses it at the field)
  $('lr').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || !liveRun() || !(Number($('lr').value) > 0)) return;
    ev.preventDefault();
    changeLive(Number($('lr').value));
  });

  let stableFor = null; // the curvature shown, to say it again in another language
  onLang(() => showStable(stableFor));
  function showStable(curv) {
    stableFor = curv;
    const mark = $('lr-stable');
    const lim = curv?.max_stable_lr;
    app.dataset.maxStableLr = lim ? String(lim) : '';
    if (!lim) { mark.textContent = ''; placeMark(null); return; }
    const kappa = curv.condition_number;
    mark.textContent = t('lab.stable', { lim: fmt(lim, 3) }) + (kappa ? t('lab.condition', { kappa: fmt(kappa, 3) }) : '');
    placeMark(lim);
  }
  /** A tick on the lr slider at 2/λ_max. */
  function placeMark(lim) {
    const slider = $('lr-slider');
    let tick = $('lr-tick');
    if (!tick) {
      tick = tr(Object.assign(document.createElement('span'), { id: 'lr-tick' }), null, { title: 'lab.tickTitle' });
      tick.setAttribute('aria-hidden', 'true');
      slider.parentElement.style.position = 'relative';
      slider.parentElement.append(tick);
    }
    const [lo, hi] = [Number(slider.min), Number(slider.max)];
    const f = lim ? (Math.log10(lim) - lo) / (hi - lo) : -1;
    tick.hidden = !(f >= 0 && f <= 1);
    tick.style.left = `calc((100% - 70px) * ${f.toFixed(4)})`;
  }

  // ---- optimizer state
  // run what the form shows with it (the optimizer chosen there, run or not yet), as ▶ Run would
  $('trace-state').addEventListener('change', (ev) => {
    if (!submit({ trace_state: ev.target.checked })) ev.target.checked = Boolean(store.get().trace_state);
  });

  // ---- presets
  for (const [key, p] of Object.entries(LAB_PRESETS)) $('lab-preset').append(tr(new Option('', key), p.label));
  $('lab-preset').addEventListener('change', (ev) => {
    const p = LAB_PRESETS[ev.target.value];
    if (p && allowed(p.state())) store.set(p.state(), { run: true });
  });

  // ---- sweep
  async function sweep() {
    if (!sweepChart) sweepChart = new SweepChart($('chart-sweep'));
    const state = store.get();
    const config = settings.jobConfig({ ...state, scheduler: '' });
    const curv = player.runs[0]?.meta?.curvature ?? local?.curv ?? null;
    const lim = curv?.max_stable_lr ?? null;
    const hi = lim ? 4 * lim : Math.min(100, state.lr * 30);
    const lrs = logSpaced(hi / 1e4, hi, SWEEP_RATES);
    $('sweep-status').textContent = t('sweep.running', { n: lrs.length, epochs: config.epochs });
    app.dataset.sweep = 'running';
    try {
      const { results } = await api.sweep(config, lrs);
      sweepChart.draw(results, lim);
      const diverged = results.filter((r) => r.status === 'diverged').length;
      const best = results.filter((r) => r.loss !== null && r.status !== 'diverged').sort((a, b) => a.loss - b.loss)[0];
      const text = t('sweep.result', { n: results.length, diverged }) + (best ? t('sweep.best', { loss: fmt(best.loss), lr: fmt(best.lr, 3) }) : '')
        + (lim ? `; 2/λmax = ${fmt(lim, 3)}` : '') + '.';
      $('sweep-status').textContent = text;
      $('desc-sweep').textContent = `${t('sweep.described')} ${text}`;
      app.dataset.sweep = 'done';
    } catch (err) {
      $('sweep-status').textContent = Array.isArray(err.detail) ? err.detail.map((d) => `${d.loc?.at(-1)}: ${serverSays(d)}`).join('; ') : err.message;
      app.dataset.sweep = 'error';
    }
  }
  $('sweep-open').addEventListener('click', () => { dialog.showModal(); sweep(); });
  $('sweep-run').addEventListener('click', sweep);
  $('sweep-close').addEventListener('click', () => dialog.close());

  // ---- the store
  const show = (state) => {
    editor.load(state);
    showSchedArgs(state.scheduler);
    $('trace-state').checked = Boolean(state.trace_state);
    applyLocks(state);
  };
  store.subscribe((state, changed, { run }) => {
    if (run) { liveOff = null; liveAsked = null; app.dataset.live = 'on'; $('lr-live').textContent = ''; }
    if (['data', 'pts'].some((k) => changed.has(k)) || run) editor.load(state);
    if (changed.has('scheduler') && readSched() !== state.scheduler) showSchedArgs(state.scheduler);
    if (changed.has('trace_state')) $('trace-state').checked = Boolean(state.trace_state);
    if (changed.has('lock') || changed.has('hide') || run) applyLocks(state);
  });
  show(store.get());

  return {
    /** A run's meta: curvature, the hand fit's data, the lr mark. */
    meta(run, m) {
      if (run !== player.runs[0]) return;
      const points = editor.active ? editor.points : m.points;
      hand.setData(points, handOptions());
      const line = modelKind(m) === 'line'; // the hand's sliders are a line's w and b
      $('hand-toggle').disabled = !line || Boolean($('hand-toggle').dataset.locked); // a link may lock it too
      $('hand-line-only').hidden = line;
      if (!line && hand.on) hand.toggle(false);
      contourLab.setPoints(editor.active || m.n === m.points.x.length ? points : null);
      const wb = !m.param_names || m.param_names.join() === 'w,b'; // a polynomial's eigen-axes are not the slice's
      contourLab.setCurvature(wb ? m.curvature : null, m.least_squares ?? m.minimum);
      showStable(m.curvature);
      if (editor.active) editor.show();
    },
    changed(run, c) {
      $('lr-live').textContent = `${$('lr-live').textContent.split(' — ')[0]} — ${t('lab.inStream', { lr: fmt(c.lr), epoch: c.epoch })}`;
      app.dataset.changeEpoch = String(c.epoch);
    },
    render(p, sel) {
      if (sel) lrCurve.draw(sel, p.epoch, p.playing);
      const st = charts.contour.canvas.lab?.state;
      $('state-note').textContent = st ? stateText(st) : '';
    },
  };
}

function stateText({ epoch, arrows, zoom }) {
  const parts = arrows.map((a) => `${a.name === 'step' ? t('lab.arrowStep') : a.name} (${fmt(a.w, 3)}, ${fmt(a.b, 3)}${a.cut ? `, ${t('lab.cut')}` : ''})`);
  return t(arrows.at(-1).fell ? 'lab.stateFell' : 'lab.stateRose', { epoch, zoom, parts: parts.join('; ') });
}
