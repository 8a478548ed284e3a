// Wiring only: state <-> form <-> runs <-> player <-> charts.
import * as api from './api.js';
import { fromHash, toHash, jobConfig, comparedRuns, runLabel, PRESETS } from './state.js';
import { Controls } from './controls.js';
import { Player } from './player.js';
import { FitChart } from './fitchart.js';
import { LossChart } from './losschart.js';
import { ContourChart } from './contour.js';
import { SurfaceChart } from './surface3d.js';
import { runStyle, pointAt, fmt } from './theme.js';
import { downloadCsv, downloadJson, downloadPng } from './export.js';
import { setCodeJob, toggleCodePanel } from './codepanel.js';
import { Explain } from './explain.js';
import { setLook, toggleFullscreen } from './projector.js';
import { installPresenterKeys } from './presenter.js';
import { installShare } from './share.js';
import { installLesson, toggleLesson } from './lesson.js';
import { followedJob, getJob, stateFromConfig, markFollowing } from './follow.js';
import { installA11y, reducedMotion } from './a11y.js';

const $ = (id) => document.getElementById(id);
const app = $('app');
let state = fromHash();
let jobIds = [];
let surfaceBusy = false;
let requestedWindow = '';
let status = 'idle'; // set here for what the runs cannot tell: starting, invalid

const controls = new Controls($('controls'), { onUpload: api.uploadCsv });
const fit = new FitChart($('chart-fit'));
const loss = new LossChart($('chart-loss'));
const contour = new ContourChart($('chart-contour'), pickStart);
const surface = new SurfaceChart($('chart-surface'));
const player = new Player(render);
const explain = new Explain({ player, fit, contour });
const a11y = installA11y({ contour, pickStart });
const charts = { fit: fit.el, loss: loss.el, contour: contour.el, surface: surface.el };
// charts follow their boxes, not only the window: the lesson band, the code panel, a focused view
const sized = new ResizeObserver((entries) => entries.forEach((e) => Plotly.Plots.resize(e.target)));
Object.values(charts).forEach((el) => sized.observe(el));

// ---- settings: form and view toggles <-> state <-> URL hash
function applyViewSettings() {
  $('speed').value = state.speed;
  player.setSpeed(state.speed);
  $('log-scale').checked = state.log;
  $('show-residuals').checked = state.resid;
  $('show-lsq').checked = state.lsq;
  $('show-arrows').checked = state.arrows;
  loss.setLog(state.log);
  fit.setOptions({ residuals: state.resid, lsq: state.lsq });
  contour.setArrows(state.arrows);
  applyLook();
}

function saveViewSetting(changes) {
  Object.assign(state, changes);
  history.replaceState(null, '', toHash(state));
  player.touch();
}

/** Run what the form says (plus `changes`); the hash is written first so the link reproduces it. */
function submit(changes = {}) {
  markStarting();
  state = { ...controls.read(state), ...changes };
  const hash = toHash(state);
  if (hash === location.hash) start();
  else location.hash = hash; // -> hashchange -> start()
}

window.addEventListener('hashchange', () => {
  state = fromHash();
  controls.set(state);
  applyViewSettings();
  start();
});

$('controls').addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
$('race-methods').addEventListener('click', () => submit({ cmp: PRESETS.methods, sel: 0 }));
$('race-optimizers').addEventListener('click', () => {
  const manual = controls.read(state).mode === 'manual'; // manual mode has only plain sgd
  submit({ cmp: PRESETS.optimizers, sel: 0, ...(manual ? { mode: 'sgd' } : {}) });
});
$('single').addEventListener('click', () => submit({ cmp: '', sel: 0 }));
$('speed').addEventListener('change', (ev) => { player.setSpeed(ev.target.value); saveViewSetting({ speed: ev.target.value }); });
$('log-scale').addEventListener('change', (ev) => { loss.setLog(ev.target.checked); saveViewSetting({ log: ev.target.checked }); });
$('show-arrows').addEventListener('change', (ev) => { contour.setArrows(ev.target.checked); saveViewSetting({ arrows: ev.target.checked }); });
for (const id of ['show-residuals', 'show-lsq']) {
  $(id).addEventListener('change', () => {
    fit.setOptions({ residuals: $('show-residuals').checked, lsq: $('show-lsq').checked });
    saveViewSetting({ resid: $('show-residuals').checked, lsq: $('show-lsq').checked });
  });
}
$('selected-run').addEventListener('change', (ev) => saveViewSetting({ sel: Number(ev.target.value) }));

function pickStart({ w, b }) {
  const round = (v) => Number(v.toPrecision(3));
  controls.set({ init_w: round(w), init_b: round(b) });
  submit();
}

// ---- player controls
$('play').addEventListener('click', () => player.toggle());
$('step-back').addEventListener('click', () => player.step(-1));
$('step-fwd').addEventListener('click', () => player.step(1));
$('reset').addEventListener('click', () => player.reset());
$('scrubber').addEventListener('input', (ev) => { player.pause(); player.seek(Number(ev.target.value)); });

// ---- export
$('export-csv').addEventListener('click', () => downloadCsv(player.runs));
$('export-json').addEventListener('click', () => downloadJson(player.runs));
for (const btn of document.querySelectorAll('button.png')) {
  btn.addEventListener('click', () => downloadPng(charts[btn.dataset.chart], `gdviz-${btn.dataset.chart}`));
}

// ---- runs
function showBanner(text, kind = 'warn') {
  const banner = $('banner');
  banner.textContent = text;
  banner.className = kind;
  banner.hidden = !text;
}

async function start() {
  for (const id of jobIds) api.cancelJob(id);
  jobIds = [];
  const overrides = comparedRuns(state);
  const specs = (overrides.length ? overrides : [{}]).map((over, i) => ({
    over, ...runStyle(i), label: overrides.length ? runLabel(over) : `${state.mode} · ${state.optimizer}`,
  }));
  const gen = player.newGeneration(specs, { toEnd: reducedMotion() });
  const current = () => player.isCurrent(gen);
  requestedWindow = '';
  status = 'starting';
  markStarting();
  controls.clearErrors();
  showBanner('');
  fit.setOptions({ residuals: state.resid, lsq: state.lsq });
  fit.unpin();
  loss.reset(specs, state.epochs);
  contour.reset(specs);
  surface.reset(specs);
  const sel = $('selected-run');
  sel.replaceChildren(...specs.map((s, i) => Object.assign(document.createElement('option'), { value: String(i), textContent: s.label })));
  sel.value = String(Math.min(state.sel, specs.length - 1));
  sel.hidden = specs.length < 2;
  $('single').hidden = specs.length < 2;
  app.dataset.runs = String(specs.length);

  const first = startJob(0, jobConfig({ ...state, ...specs[0].over }), gen);
  if (specs.length === 1) return;
  // every compared run starts where the first one does, unless a start point was given
  const meta = await first;
  if (!meta || !current()) return;
  const init = { w: meta.start.w, b: meta.start.b };
  specs.slice(1).forEach((s, i) => startJob(i + 1, { ...jobConfig({ ...state, ...s.over }), init }, gen));
}

/** Create run i's job and follow its stream; resolves to its meta (null on failure). */
async function startJob(i, config, gen, followId = null) {
  const run = player.runs[i];
  const current = () => player.isCurrent(gen);
  let job;
  try {
    job = followId ? { id: followId } : await api.createJob(config);
  } catch (err) {
    if (!current()) return null;
    run.error = err.message;
    status = 'invalid';
    controls.showErrors(err);
    player.touch();
    return null;
  }
  if (!current()) { api.cancelJob(job.id); return null; }
  run.id = job.id;
  if (!followId) jobIds.push(job.id); // a follower never cancels the run it follows
  return new Promise((resolve) => {
    api.openStream(job.id, current, {
      meta(m) {
        run.meta = m;
        if (i === 0) {
          fit.setMeta(m);
          loss.setTotal(m.total_epochs);
          if (m.least_squares?.loss !== undefined && m.config?.loss === 'mse') loss.setReference(m.least_squares.loss, m.total_epochs);
          loadSurface(run, null, gen);
        }
        player.touch();
        resolve(m);
      },
      epoch(e) { run.epochs.push(e); player.touch(); },
      step(s) { run.steps.push(s); player.touch(); },
      done(d) {
        run.done = d;
        if (d.status === 'diverged') {
          const who = player.runs.length > 1 ? `${run.label}: ` : '';
          showBanner(`${who}${d.reason ?? 'the loss diverged'} — try a smaller learning rate`);
        } else if (d.status === 'failed') showBanner(`${run.label}: the run failed${d.reason ? ` — ${d.reason}` : ''}`, 'error');
        player.touch();
        resolve(null);
      },
      error(msg) { run.error = msg; showBanner(msg, 'error'); player.touch(); resolve(null); },
    });
  });
}

async function loadSurface(run, window, gen) {
  surfaceBusy = true;
  try {
    const s = await api.getSurface(run.id, window);
    if (!player.isCurrent(gen)) return;
    contour.setSurface(s);
    surface.setSurface(s);
    player.touch();
  } catch (err) {
    if (player.isCurrent(gen)) showBanner(`loss surface: ${err.message}`, 'error');
  } finally {
    surfaceBusy = false;
  }
}

/** At once, not at the next frame: nobody may read the replaced run's state as the new one's. */
function markStarting() {
  Object.assign(app.dataset, { status: 'starting', epoch: '0', received: '0', playing: 'false' });
}

// ---- drawing: called by the player at most once per animation frame
function runStatus() {
  const runs = player.runs;
  if (!runs.length) return 'idle';
  if (status === 'invalid') return 'invalid';
  if (runs.some((r) => r.error)) return 'error';
  if (!player.finished) return 'running';
  if (runs.some((r) => r.done?.status === 'diverged')) return 'diverged';
  if (runs.some((r) => r.done?.status === 'failed')) return 'failed';
  return 'completed';
}

function render(p) {
  const k = p.epoch;
  const received = p.received;
  const total = p.total;
  Object.assign(app.dataset, { epoch: String(k), received: String(received), total: String(total),
    status: runStatus(), playing: String(p.playing) });
  $('progress').max = Math.max(1, total);
  $('progress').value = received;
  $('progress-text').textContent = `${received} / ${total} epochs`;
  $('scrubber').max = String(received);
  $('scrubber').value = String(k);
  $('epoch-text').textContent = `epoch ${k} / ${total}`;
  $('play').textContent = p.playing ? '⏸ Pause' : '▶ Play';

  const selIndex = Math.min(Number($('selected-run').value) || 0, p.runs.length - 1);
  const sel = p.runs[selIndex];
  const kv = explain.viewEpoch(k); // explain mode shows (w, b) before the update until its step
  if (sel) fit.draw(sel, kv, sel.color, p.playing);
  loss.draw(p.runs, k, p.playing); // epoch k's loss is the update's own, computed before its step
  contour.draw(p.runs, kv);
  surface.draw(p.runs, kv);
  readout(sel, kv);
  setCodeJob(sel?.id ?? null);
  explain.draw(sel, k);
  a11y(p, sel);

  const win = surfaceBusy ? null : contour.biggerWindow(p.runs, k);
  const key = win && JSON.stringify(win);
  if (win && key !== requestedWindow && p.runs[0]?.id) {
    requestedWindow = key;
    loadSurface(p.runs[0], win, p.gen);
  }
}

/** Epoch k's loss and gradients are taken before its update (as the lesson's loop prints them);
 *  w and b are where that update lands: "loss … gradients → w, b". */
function readout(run, k) {
  const pt = run?.meta ? pointAt(run, k) : null;
  if (!pt) { $('readout').textContent = ''; return; }
  const landed = `w = ${fmt(pt.w)}   b = ${fmt(pt.b)}`;
  if (k === 0 || pt.loss === null) { $('readout').textContent = `start: ${landed}`; return; }
  const parts = [`loss = ${fmt(pt.loss)}`];
  if (pt.grad_w !== undefined) parts.push(`∂loss/∂w = ${fmt(pt.grad_w, 3)}`, `∂loss/∂b = ${fmt(pt.grad_b, 3)}`);
  $('readout').textContent = `${parts.join('   ')}   → step →   ${landed}`;
}

// ---- classroom: projector look, presenter keys, share, lesson, following a run read-only
const followed = followedJob();

function applyLook() {
  setLook({ room: state.projector, dark: state.dark });
  $('projector-toggle').setAttribute('aria-pressed', String(state.projector));
  $('theme-toggle').setAttribute('aria-pressed', String(state.dark));
}
const toggleProjector = () => { saveViewSetting({ projector: !state.projector }); applyLook(); };
$('projector-toggle').addEventListener('click', toggleProjector);
$('theme-toggle').addEventListener('click', () => { saveViewSetting({ dark: !state.dark }); applyLook(); });
$('fullscreen').addEventListener('click', toggleFullscreen);
installPresenterKeys({ projector: toggleProjector, code: () => toggleCodePanel(), lesson: () => { if (!followed) toggleLesson(); } });
installShare(() => player.runs[0]?.id);
if (!followed) installLesson();

/** The teacher's job `id`: its settings shown read-only, its history and live events streamed. */
async function follow(id) {
  let job;
  try {
    job = await getJob(id);
  } catch (err) {
    showBanner(`cannot follow run ${id}: ${err.message}`, 'error');
    return;
  }
  if (!/(^|[#&])speed=/.test(location.hash)) state.speed = 'live'; // keep up with the teacher unless told
  state = { ...state, ...stateFromConfig(job.config), cmp: '' };
  controls.set(state);
  applyViewSettings();
  markFollowing(`the teacher's run (${job.config.mode} · ${job.config.optimizer}, ${id.slice(0, 8)})`);
  const specs = [{ over: {}, ...runStyle(0), label: `${job.config.mode} · ${job.config.optimizer}` }];
  const gen = player.newGeneration(specs);
  status = 'starting';
  loss.reset(specs, job.config.epochs);
  contour.reset(specs);
  surface.reset(specs);
  app.dataset.runs = '1';
  startJob(0, job.config, gen, id);
}

// ---- boot
controls.set(state);
applyViewSettings();
api.getDatasets().then((d) => { controls.setBuiltins(d.builtin); controls.set({ builtin: state.builtin }); })
  .catch((err) => showBanner(`data sets: ${err.message}`, 'error'));
if (followed) follow(followed); else start();
