// The guided lesson: the lesson chapter by chapter, one click (or →) per step, a short caption in
// English or Korean. A step is a URL (#…&lesson=3&lang=ko), so a teacher can link one; going to a
// step runs it as the page runs any link. The lesson reads and changes the page's state through
// the store alone, so what it sets survives every other change and the reverse.
import { onKey } from '../core/keys.js';
import { showFocus } from './presenter.js';
import { STEPS } from './lesson-text.js';
import { t, LANGS } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const LOOK_ONLY = ['lesson', 'lang', 'projector', 'dark', 'speed', 'code'];

/** The state of step n (1-based) over `defaults`, keeping the room's look and the language of `now`. */
export function stepState(n, now, defaults) {
  const keep = { projector: now.projector, dark: now.dark, lang: now.lang };
  return { ...defaults, ...STEPS[n - 1].state, ...keep, lesson: n };
}

/** Does `state`'s lesson step show its run's start, paused (step 1: the guess before any update)? */
export function lessonPaused(state) {
  return Boolean(STEPS[state.lesson - 1]?.paused);
}

/** A hand-written link (#lesson=3, perhaps with a language or a look) gets its step's settings. */
export function expandLessonLink(state, keys, defaults) {
  const n = state.lesson;
  const bare = [...keys].every((k) => LOOK_ONLY.includes(k));
  return n >= 1 && n <= STEPS.length && bare ? stepState(n, state, defaults) : state;
}

/** Install the lesson on `store`; answers the toggle (L key, Lesson button). */
export function installLesson(store) {
  let unkey = null;
  /** Go to step n; 0 closes the lesson and keeps the run on screen. */
  const goTo = (n) => {
    if (!n) store.set({ lesson: 0 });
    else store.set(stepState(n, store.get(), store.settings.defaults()), { run: true });
  };
  const toggle = () => goTo(store.get().lesson ? 0 : 1);

  /** Show what the state says: the step's caption and view, or nothing. */
  function sync({ lesson: n, lang: raw }) {
    const box = $('lesson');
    const open = n >= 1 && n <= STEPS.length;
    box.hidden = !open;
    document.body.classList.toggle('in-lesson', open);
    if (!open) {
      unkey?.();
      unkey = null;
      return;
    }
    const lang = raw in LANGS ? raw : 'en';
    const step = STEPS[n - 1];
    const [title, caption] = step[lang];
    Object.assign(box.dataset, { step: String(n), lang });
    box.lang = lang;
    $('lesson-count').textContent = t('lesson.count', { n, total: STEPS.length });
    $('lesson-title').textContent = title;
    $('lesson-caption').textContent = caption;
    $('lesson-prev').textContent = t('lesson.prev');
    $('lesson-next').textContent = t('lesson.next');
    $('lesson-prev').disabled = n === 1;
    $('lesson-next').disabled = n === STEPS.length;
    $('lesson-close').title = t('lesson.close');
    $('lesson-close').setAttribute('aria-label', t('lesson.close'));
    $('lesson-lang').textContent = LANGS[lang === 'en' ? 'ko' : 'en'];
    showFocus(step.focus);
    unkey ??= onKey((ev) => {
      const at = store.get().lesson;
      if (ev.key === 'ArrowRight' && at < STEPS.length) { goTo(at + 1); return true; }
      if (ev.key === 'ArrowLeft' && at > 1) { goTo(at - 1); return true; }
      if (ev.key === 'Escape') { goTo(0); showFocus(null); return true; } // leaves the step's enlarged view too
      return false;
    });
  }

  $('lesson-open').addEventListener('click', toggle);
  $('lesson-prev').addEventListener('click', () => goTo(store.get().lesson - 1));
  $('lesson-next').addEventListener('click', () => goTo(store.get().lesson + 1));
  $('lesson-close').addEventListener('click', () => { goTo(0); showFocus(null); });
  $('lesson-lang').addEventListener('click', () => store.set({ lang: store.get().lang === 'ko' ? 'en' : 'ko' }));
  store.subscribe((state, changed) => {
    if (changed.has('lesson') || changed.has('lang')) sync(state);
  });
  sync(store.get());
  return toggle;
}
