// Wiring only: schema -> settings -> store <-> form, views and URL; runs -> player -> charts.
import * as api from './core/api.js';
import { Settings, PRESETS } from './core/settings.js';
import { Store, browserUrl } from './core/store.js';
import { SettingsForm } from './form/form.js';
import { Player } from './core/player.js';
import { Runs } from './runs.js';
import { modelKind } from './core/models.js';
import { FitChart } from './views/fit.js';
import { LossChart } from './views/loss.js';
import { ContourChart } from './views/contour.js';
import { SurfaceChart } from './views/surface.js';
import { fmt } from './core/format.js';
import { epochReadout, fitReadout, sliceText, planeText } from './views/readout.js';
import { divergeFixes, notConverged, moreEpochs, fixedSettings, fixedFate } from './form/fixes.js';
import { lockedChanges } from './form/locks.js';
import { downloadCsv, downloadJson, downloadPointsCsv, installPngDialog } from './code/export.js';
import { installCodePanel, setCodeJob } from './code/codepanel.js';
import { Explain } from './code/explain.js';
import { setLook, toggleFullscreen } from './classroom/projector.js';
import { installPresenterKeys } from './classroom/presenter.js';
import { installShare } from './classroom/share.js';
import { installLesson, expandLessonLink, lessonHold } from './classroom/lesson.js';
import { book } from './classroom/lessonbook.js';
import { installEditor } from './classroom/editor.js';
import { followedJob, markFollowing } from './classroom/follow.js';
import { installA11y } from './access/a11y.js';
import { installLab } from './lab/panel.js';
import { installRoom, roomCode } from './classroom/room.js';
import { t, tr, setLang, onLang, linkLang, currentLang } from './i18n/i18n.js';
import { playIcon } from './views/icons.js';

const $ = (id) => document.getElementById(id);
const app = $('app');
setLang(linkLang()); // before anything writes a word

/** The page's one message above the views; `fixes`: [{label, changes}], each a button that runs the
 *  form with its changes (runFix). */
function banner(text, kind = 'warn', fixes = []) {
  const box = $('banner');
  $('banner-text').textContent = text;
  $('banner-fixes').replaceChildren(...fixes.map(({ label, changes }) => {
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: label });
    button.addEventListener('click', () => runFix(changes));
    return button;
  }));
  box.className = kind;
  box.hidden = !text;
  if (!text) pending = null;
}
$('banner-close').addEventListener('click', () => { $('banner').hidden = true; });

let pending = null; // {at, show()}: a diverged run's banner, waiting for the player to reach epoch `at`

/** The banner for the diverged runs (`text` names each), with what would fix them (fixes.js) and
 *  what a teacher's link leaves free to change, once the player shows the first of them end: not
 *  before the path it speaks of, and never mid-path. */
function diverged(text) {
  const gone = player.runs.filter((r) => r.done?.status === 'diverged');
  const fixes = () => divergeFixes(store.get(), gone[0]?.meta).filter((f) => !lockedChanges(store.get(), f.changes).length);
  pending = { at: Math.min(...gone.map((r) => r.epochs.length)),
    show: () => banner(t('banner.tryFixes', { text }), 'warn', fixes()) };
  player.touch();
}

/** Whether `changes` may go ahead: a teacher's locked link refuses what alters what it locks, and
 *  says so (a key, a click on the contour, a preset, a lesson step: not only the disabled controls). */
function mayChange(changes) {
  if (!lockedChanges(store.get(), changes).length) return true;
  banner(t('locks.refused'), 'warn');
  return false;
}

let settings;
let schema;
const joined = roomCode(); // a student's page in a class (/?room=CODE)
book.prefetch(api, { student: Boolean(joined) });
try {
  schema = await api.getSchema();
  settings = new Settings(schema);
} catch (err) {
  banner(t('banner.schema', { error: err.message }), 'error');
  throw err;
}
// the lesson's steps, before the URL's (#lesson=3) are read: the built-in ten, or the teacher's own
await book.init(api, settings, { student: Boolean(joined) }).catch((err) => banner(t('editor.cannotLoad', { error: err.message }), 'error'));
const store = new Store(settings, browserUrl(), { expand: (s, keys) => expandLessonLink(s, keys, settings.defaults()) });
const followed = followedJob();
let classroom = null; // {teacher} on the teacher's page, {student} on a student's
let lesson = null;    // {toggle, veil} on a page that walks the lesson

const form = new SettingsForm($('controls'), store, { onUpload: api.uploadCsv });
const fit = new FitChart($('chart-fit'));
const loss = new LossChart($('chart-loss'));
const contour = new ContourChart($('chart-contour'), pickStart);
const surface = new SurfaceChart($('chart-surface'));
const charts = { fit, loss, contour, surface };
const player = new Player(render);
contour.onShape = () => player.touch(); // the next frame asks for a window of the plot's new shape
const explain = new Explain({ player, fit, contour });
const a11y = installA11y({ contour, pickStart });
const runs = new Runs({ api, settings, player, charts, ui: {
  banner,
  diverged,
  showErrors: (err) => form.showErrors(err),
  clearErrors: () => form.clearErrors(),
  starting: markStarting,
  showRuns,
  meta: (run, m) => {
    lab.meta(run, m);
    const best = m.least_squares ? 'leastSquares' : 'minimum'; // logistic regression has no least squares
    $('show-lsq').closest('label').hidden = !m.least_squares && !m.minimum?.params; // a network: neither
    tr(document.querySelector('#show-lsq + .long'), `view.${best}`);
    tr(document.querySelector('#show-lsq ~ .short'), `view.${best}Short`);
    explain.setModel(modelKind(m));
    if (m.config.dataset?.kind === 'upload' && m.config.dataset.id === form.uploadId) form.showUploaded(m.dataset.name, m.n, m.dataset.dropped_rows);
  },
  changed: (run, c) => lab.changed(run, c),
  created: (ids) => classroom?.teacher?.showRun(ids),
  veiled(on) { // a staged lesson step's outcome, kept back until the class has seen the run
    document.body.classList.toggle('veiled', on);
    lesson?.veil(on);
    classroom?.teacher?.showTitle();
    classroom?.student?.showTitle();
  },
  slice: showSlice,
} });
const lab = installLab({ api, store, settings, schema, player, runs, charts, form: $('controls'), submit: (changes) => submit(changes), allowed: mayChange });

// ---- settings: the store owns them (and the URL); the form and the views follow it
const SHOW = {
  speed: (v) => { $('speed').value = v; player.setSpeed(v); },
  log: (v) => { $('log-scale').checked = v; loss.setLog(v); },
  resid: (v, s) => { $('show-residuals').checked = v; fit.setOptions({ residuals: v, lsq: s.lsq }); },
  lsq: (v, s) => { $('show-lsq').checked = v; fit.setOptions({ residuals: s.resid, lsq: v }); },
  arrows: (v) => { $('show-arrows').checked = v; contour.setArrows(v); },
  projector: (v, s) => showLook(s),
  dark: (v, s) => showLook(s),
  axes: (v) => runs.setAxes(v ? v.split(',') : []),
};
const showSettings = (state, keys = Object.keys(SHOW)) => {
  for (const k of keys) SHOW[k]?.(state[k], state);
  player.touch();
};

function showLook({ projector, dark }) {
  setLook({ room: projector, dark }, Object.values(charts));
  $('projector-toggle').setAttribute('aria-pressed', String(projector));
  $('theme-toggle').setAttribute('aria-pressed', String(dark));
}

store.subscribe((state, changed, { run }) => {
  if (changed.has('lang')) setLang(state.lang);
  showSettings(state, [...changed]);
  if (run) start(state);
});

/** Run `state` (which the form shows) unless a field refuses it (a link with data=upload and no
 *  file): then that field says why, in the page's language, and nothing starts. A lesson step plays
 *  up to the moment its caption talks about; in a class it is staged: held at its start, its outcome
 *  veiled, until the teacher plays it (after the class has answered its question). */
function start(state) {
  if (form.refusals().length) return;
  const teacher = classroom?.teacher;
  const staged = Boolean(teacher?.room) && state.lesson > 0;
  teacher?.stage(staged);
  runs.start(state, staged ? { paused: true, veiled: true } : { holdAt: lessonHold(state) });
}

/** Run what the form says (plus `changes`): the URL gets a new entry that reproduces it. A field
 *  that makes no value is refused where it is (see SettingsForm.refusals), and nothing starts. */
function submit(changes = {}) {
  const refused = form.refusals(changes);
  if (refused.length) { form.inputOf(refused[0][0])?.focus(); return false; }
  if (!mayChange(changes)) return false; // the form's locked fields are disabled: what else it changes
  markStarting();
  store.set({ ...form.read(store.get()), ...changes }, { run: true });
  return true;
}

// ---- a fix (a banner's button): it says whether it cured the run, and what it set (lr, epochs)
// stays with the data it was found for
let fixing = null;   // {gen, changes}: the run a fix started, judged when the player shows its end
let fixed = null;    // what the fix set and replaced (fixes.js fixedSettings), while the form keeps it
let restored = null; // {set, was, used}: what the form gave back when the data changed
const dataKeys = () => Object.keys(settings.fields).filter((k) => settings.fields[k].dataKind || ['data', 'standardize', 'pts'].includes(k));
/** Settings as the notes say them: "lr 0.003, 5000 epochs". */
const saySettings = (s) => [s.lr !== undefined && t('fix.lr', { lr: s.lr }), s.epochs !== undefined && t('fix.moreEpochs', { epochs: s.epochs })]
  .filter(Boolean).join(', ');

function runFix(changes) {
  const before = form.read(store.get());
  if (!submit(changes)) return;
  fixing = { gen: player.gen, changes };
  const next = fixedSettings(before, changes, dataKeys(), fixed);
  if (next !== fixed) { fixed = next; restored = null; }
  showFixed();
}

/** The fix's run has ended where the player shows it: far above its loss's minimum, it says so and
 *  offers the epochs that would get there (with the fix's changes again). */
function judgeFix(p) {
  const { changes } = fixing;
  fixing = null;
  const run = p.runs[0];
  const gap = p.runs.length === 1 && run.done?.status === 'completed' ? notConverged(run.meta, run.epochs.at(-1)) : null;
  if (!gap) return;
  const state = store.get();
  const epochs = moreEpochs(state, run.meta, gap, settings.fields.epochs.max);
  const said = { loss: Number(gap.loss.toPrecision(4)), min: Number(gap.min.toPrecision(4)), epochs: state.epochs };
  if (epochs > state.epochs) {
    banner(t('banner.notConverged', said), 'warn', [{ label: t('fix.moreEpochs', { epochs }), changes: { ...changes, epochs } }]);
  } else banner(t('banner.notConvergedMax', said), 'warn');
}

/** Under the lr box: what the fix set and what it replaced (one click back), or what the form gave
 *  back when the data changed. */
function showFixed() {
  if (fixed) {
    const back = () => { form.fill(fixed.was); fixed = null; showFixed(); };
    form.setNote('lr', t('fix.kept', { fix: saySettings(fixed.set), was: saySettings(fixed.was) }),
      { label: t('fix.back', { was: saySettings(fixed.was) }), onClick: back });
  } else form.setNote('lr', restored ? t('fix.restored', { fix: saySettings(restored.set), was: saySettings(restored.was) }) : null);
}
$('controls').addEventListener('change', () => {
  const fate = fixed && fixedFate(fixed, form.read(store.get()), dataKeys());
  if (fate === 'restore') {
    restored = { ...fixed, used: false };
    form.fill(fixed.was); // what the fix set was for the data it fixed, not for this
  }
  if (fate && fate !== 'kept') { fixed = null; showFixed(); }
});
store.subscribe((state, changed, { run }) => {
  if (!run) return;
  if (fixed && fixedFate(fixed, state, dataKeys()) !== 'kept') fixed = null;
  if (restored && (restored.used || Object.entries(restored.was).some(([k, v]) => state[k] !== v))) restored = null;
  else if (restored) restored.used = true; // said until the run after the one it gave back to
  showFixed();
});

/** A click on the contour (or Enter on its cross): a student's prediction, or a run from there. */
function pickStart({ w, b }) {
  if (classroom?.student?.takePoint({ w, b })) return;
  // a polynomial's slice: two of its coefficients, not a start (w, b); a network's plane: two of its
  // many dimensions, and a network starts from its seed
  if (player.runs[0]?.slice || player.runs[0]?.onPlane) return;
  const round = (v) => Number(v.toPrecision(3));
  const at = { init_w: round(w), init_b: round(b) };
  if (lockedChanges(store.get(), at).length) { banner(t('locks.start'), 'warn'); return; }
  submit(at);
}

$('controls').addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
$('race-methods').addEventListener('click', () => submit({ cmp: PRESETS.methods, sel: 0 }));
$('race-optimizers').addEventListener('click', () => {
  const manual = form.read().mode === 'manual'; // manual mode has only plain sgd
  submit({ cmp: PRESETS.optimizers, sel: 0, ...(manual ? { mode: 'sgd' } : {}) });
});
$('single').addEventListener('click', () => submit({ cmp: '', sel: 0 }));
$('speed').addEventListener('change', (ev) => store.set({ speed: ev.target.value }));
$('log-scale').addEventListener('change', (ev) => store.set({ log: ev.target.checked }));
$('show-arrows').addEventListener('change', (ev) => store.set({ arrows: ev.target.checked }));
$('show-residuals').addEventListener('change', (ev) => store.set({ resid: ev.target.checked }));
$('show-lsq').addEventListener('change', (ev) => store.set({ lsq: ev.target.checked }));
$('selected-run').addEventListener('change', (ev) => store.set({ sel: Number(ev.target.value) }));

// ---- player controls (a teacher's staged lesson step moves once its question is revealed)
const mayMove = () => classroom?.teacher?.mayMove() ?? true;
$('play').addEventListener('click', () => { if (player.playing) player.pause(); else if (mayMove()) player.play(); });
$('step-back').addEventListener('click', () => { if (mayMove()) player.step(-1); });
$('step-fwd').addEventListener('click', () => { if (mayMove()) player.step(1); });
$('reset').addEventListener('click', () => player.reset());
$('to-end').addEventListener('click', () => { if (mayMove()) player.toEndNow(); });
$('scrubber').addEventListener('input', (ev) => {
  if (!mayMove()) { ev.target.value = String(player.epoch); return; }
  player.pause();
  player.seek(Number(ev.target.value));
});

// ---- export
$('export-csv').addEventListener('click', () => downloadCsv(player.runs));
$('export-points').addEventListener('click', () => downloadPointsCsv(player.runs[Math.min(store.get().sel, player.runs.length - 1)]));
$('export-json').addEventListener('click', () => downloadJson(player.runs));
installPngDialog(charts, player);

// ---- the runs on screen
/** A polynomial's slice picker: its coefficients, the two the views slice through; hidden otherwise. */
function showSlice(run) {
  const names = run.slice ? run.meta.param_names : [];
  $('slice-pick').hidden = !run.slice;
  for (const [i, id] of ['slice-x', 'slice-y'].entries()) {
    const select = $(id);
    select.replaceChildren(...names.map((n) => new Option(n, n)));
    if (run.slice) select.value = run.slice.axes[i];
  }
}
for (const [i, id] of ['slice-x', 'slice-y'].entries()) {
  $(id).addEventListener('change', () => {
    const run = player.runs[0];
    if (!run?.slice) return;
    const axes = [...run.slice.axes];
    const other = axes[1 - i];
    axes[i] = $(id).value;
    if (axes[i] === other) axes[1 - i] = run.slice.axes[i]; // the same twice: the two swap
    store.set({ axes: axes.join() });
  });
}

/** At once, not at the next frame: nobody may read the replaced run's state as the new one's. */
function markStarting() {
  Object.assign(app.dataset, { status: 'starting', epoch: '0', received: '0', playing: 'false' });
}

/** The run picker (shown when runs are compared) and the "Single run" button. */
function showRuns(specs, sel) {
  const select = $('selected-run');
  select.replaceChildren(...specs.map((s, i) => Object.assign(document.createElement('option'), { value: String(i), textContent: s.label })));
  select.value = String(sel);
  select.hidden = specs.length < 2;
  $('single').hidden = specs.length < 2;
  app.dataset.runs = String(specs.length);
}

// ---- drawing: called by the player at most once per animation frame
function render(p) {
  const k = p.epoch;
  const received = p.received;
  const total = p.total;
  Object.assign(app.dataset, { epoch: String(k), received: String(received), total: String(total),
    status: runs.status(), playing: String(p.playing), job: p.runs[0]?.id ?? '', jobs: p.runs.map((r) => r.id ?? '').join(',') });
  $('progress').max = Math.max(1, total);
  $('progress').value = received;
  $('progress-text').textContent = t('player.progress', { received, total });
  $('scrubber').max = String(received);
  $('scrubber').value = String(k);
  $('epoch-text').textContent = t('player.epochOf', { k, total });
  playIcon($('play').firstElementChild, p.playing);
  $('play').lastElementChild.textContent = t(p.playing ? 'player.pause' : 'player.play');

  if (pending && k >= pending.at) { const { show } = pending; pending = null; show(); }
  if (fixing?.gen === p.gen && p.finished && !p.playing && k >= received) judgeFix(p);
  const sel = p.runs[Math.max(0, Math.min(store.get().sel, p.runs.length - 1))];
  const kv = explain.viewEpoch(k); // explain mode shows (w, b) before the update until its step
  if (sel) fit.draw(sel, kv, sel.color, p.playing);
  loss.draw(p.runs, k, p.playing); // epoch k's loss is the update's own, computed before its step
  contour.draw(p.runs, kv);
  surface.draw(p.runs, kv);
  readout(sel, kv);
  setCodeJob(sel?.id ?? null);
  explain.draw(sel, k);
  a11y(p, sel);
  lab.render(p, sel);
  runs.fitSurface(k, p.playing);
  runs.follows(p);
  classroom?.teacher?.syncPlayer(p);
}

function readout(run, k) {
  $('readout').textContent = epochReadout(run, k);
  $('readout-fit').textContent = fitReadout(run?.meta);
  const shown = contour.surface;
  const note = shown?.plane ? planeText(shown, run, k) : sliceText(shown?.slice);
  for (const id of ['slice-note-contour', 'slice-note-surface']) {
    const el = $(id);
    if (el.textContent !== note) el.textContent = note;
    el.hidden = !note;
  }
  $('plane-help').hidden = !shown?.plane;
  document.body.classList.toggle('on-plane', Boolean(shown?.plane)); // no click-to-start on a plane
}

// ---- classroom: projector look, presenter keys, code panel, share, lesson, following a run
const toggleProjector = () => store.set({ projector: !store.get().projector });
$('projector-toggle').addEventListener('click', toggleProjector);
$('theme-toggle').addEventListener('click', () => store.set({ dark: !store.get().dark }));
$('fullscreen').addEventListener('click', toggleFullscreen);
$('lang-switch').addEventListener('click', () => store.set({ lang: currentLang() === 'ko' ? 'en' : 'ko' }));
onLang((lang) => {
  $('lang-switch').lang = lang === 'ko' ? 'en' : 'ko';
  player.touch();
});
const toggleCode = installCodePanel(store);
// the presenter's keys first: the lesson's → / ← / Esc, installed after them, come before them
installPresenterKeys({ projector: toggleProjector, code: toggleCode, lesson: () => lesson?.toggle() });
if (!followed && !joined) {
  lesson = installLesson(store, { allowed: mayChange });
  installEditor({ api, store, settings, player, lesson });
}
installShare(() => player.runs[0]?.id);

/** A student's page shows the teacher's runs read-only; at their own pace, the form is theirs. */
function followRuns(jobs, options) {
  store.set({ ...settings.fromConfig(jobs[0].config), cmp: '' });
  runs.follow(jobs, options);
}
function unlock(own) {
  document.body.classList.toggle('following', !own);
  for (const input of document.querySelectorAll('#controls input, #controls select, #run-buttons button')) input.disabled = !own;
  if (!own) form.revert(); // the teacher's settings, not what the student was typing
}
/** A student's player while the teacher's lesson step is staged: at epoch 0, nothing to press. */
function holdPlayer(on) {
  document.body.classList.toggle('staged', on);
  for (const id of ['play', 'step-back', 'step-fwd', 'to-end', 'scrubber', 'explain']) $(id).disabled = on;
}
/** A class starts: a lesson step open now is run again, staged; any other run is shown as it is. */
function restart() {
  if (store.get().lesson) start(store.get());
  else classroom?.teacher?.showRun(player.runs.map((r) => r.id));
}
classroom = installRoom({ api, store, player, runs, contour, banner, follow: followRuns, unlock, hold: holdPlayer, restart }, joined);

/** The teacher's job `id`: its settings shown read-only, its history and live events streamed. */
async function follow(id) {
  let job;
  try {
    job = await api.getJob(id);
  } catch (err) {
    const why = err.status === 404 ? t('banner.runGone') : err.message;
    banner(t('banner.cannotFollow', { id, why }), 'error');
    return;
  }
  const speed = store.urlKeys().has('speed') ? {} : { speed: 'live' }; // keep up with the teacher unless told
  store.set({ ...settings.fromConfig(job.config), cmp: '', ...speed });
  const watched = job.meta?.watched; // a student's own loop (gdviz.watch), not a run gdviz trains
  const label = () => (watched ? t('follow.watchedRun', { name: watched.name, run: id.slice(0, 8) })
    : t('follow.teachersRun', { run: `${job.config.mode} · ${job.config.optimizer}, ${id.slice(0, 8)}` }));
  markFollowing(label());
  onLang(() => markFollowing(label())); // in the page's language, switched or not
  runs.follow([{ id, config: job.config }]);
}

// ---- boot
showSettings(store.get());
api.getDatasets().then((d) => form.setBuiltins(d.builtin)).catch((err) => banner(t('banner.datasets', { error: err.message }), 'error'));
if (joined) markFollowing(t('follow.teacherOfClass', { code: joined }));
else if (followed) follow(followed);
else start(store.get());
