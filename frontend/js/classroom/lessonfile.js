// A lesson file (docs/api.md, "Lessons") as the page walks it, and back. A file's step is a job
// config, a race, views, an epoch, words in English and Korean and an optional question; the page's
// step is its settings (on top of the defaults), the epoch it waits at (`at`), the view it enlarges
// (`focus`), its [title, caption] per language and the setup's a class sees before the run. No DOM:
// the tests call these in node.
import { t, has, currentLang } from '../i18n/i18n.js';
import { serverSays } from '../form/checks.js';

export const LESSON_VERSION = 1;
const VIEWS = ['arrows', 'log', 'resid'];
const FOLLOWING = ['standardize', 'loss', 'labels']; // defaults that follow other fields (settings.js)

/** A text {en?, ko?} in `lang`, or in the other language when it lacks `lang`. */
export function words(text, lang = currentLang()) {
  if (!text) return '';
  return text[lang] ?? text[lang === 'ko' ? 'en' : 'ko'] ?? '';
}

const pair = (title, caption, lang) => [words(title, lang), words(caption, lang)];

/** A race's runs ([{mode: 'sgd'}, …]) as the page's `cmp` field ("mode:sgd,mode:minibatch"). */
export const raceField = (race = []) => race.map((run) => Object.entries(run).map(([k, v]) => `${k}:${v}`).join(';')).join(',');

/** The page's steps of a lesson file: {state, at, focus, en: [title, caption], ko, setup?, question?}. */
export function pageSteps(lesson, settings) {
  const defaults = settings.defaults();
  return lesson.steps.map((step) => {
    const views = step.views ?? {};
    const state = { mode: defaults.mode, ...settings.fromConfig(step.config ?? {}), cmp: raceField(step.race) };
    for (const k of VIEWS) state[k] = Boolean(views[k]);
    if (views.speed) state.speed = views.speed;
    const given = new Set(Object.keys(step.config ?? {}));
    if (step.config?.dataset && 'labels' in step.config.dataset) given.add('labels');
    for (const k of FOLLOWING) if (settings.has(k) && !given.has(k)) state[k] = settings.defaultFor(k, { ...defaults, ...state });
    const out = {
      state,
      focus: views.focus ?? null,
      en: pair(step.title, step.caption, 'en'),
      ko: pair(step.title, step.caption, 'ko'),
      question: step.question ?? null,
    };
    if (step.epoch !== undefined && step.epoch !== null) out.at = step.epoch;
    if (step.setup) out.setup = { en: pair(step.setup.title, step.setup.caption, 'en'), ko: pair(step.setup.title, step.setup.caption, 'ko') };
    return out;
  });
}

/** A file's step for what the page shows now: `state`'s run (its race too), views and speed, the
 *  epoch `epoch`, the view `focus`, and the teacher's words and question. */
export function fileStep(state, settings, { epoch = null, focus = null, title, caption, question = null }) {
  const runs = settings.comparedRuns(state);
  const config = settings.jobConfig(state); // a race's runs change it, run by run
  const step = { title, caption, config };
  if (runs.length > 1) step.race = runs;
  step.views = { arrows: Boolean(state.arrows), log: Boolean(state.log), resid: Boolean(state.resid), speed: String(state.speed) };
  if (focus) step.views.focus = focus;
  if (epoch !== null) step.epoch = epoch;
  if (question) step.question = question;
  return step;
}

/** A new lesson with no steps yet (a file needs one: the editor saves the first). */
export const emptyLesson = () => ({ version: LESSON_VERSION, title: { en: t('editor.untitled') }, steps: [] });

/** A name for the lesson's file: its title, in letters and digits. */
export function fileName(lesson) {
  const base = words(lesson.title, 'en').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${base || 'lesson'}.gdviz-lesson.json`;
}

/** Why a lesson file was refused, in the page's language: the field (its path in the file) and the
 *  reason. `err`: an ApiError of POST /api/lessons/check (a 422's items), or a SyntaxError. */
export function refusalText(err, lang = currentLang()) {
  if (err instanceof SyntaxError) return t('editor.notJson');
  const item = Array.isArray(err.detail) ? err.detail[0] : null;
  if (!item) return t('editor.refused', { field: '—', reason: err.message });
  const field = item.loc.filter((p) => p !== 'body').join(' › ') || t('editor.wholeFile');
  return t('editor.refused', { field, reason: reason(item, lang) });
}

/** A 422 item's reason: the catalogue's words for its kind (editor.why.<type>), a bound or a
 *  refusal as the form says them, or the server's words. */
function reason(item, lang) {
  if (lang !== 'en' && has(`editor.why.${item.type}`)) return t(`editor.why.${item.type}`, item.ctx ?? {});
  return serverSays(item, lang);
}
