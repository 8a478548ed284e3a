// The guided lesson: a lesson file's steps (lessonbook.js: the built-in ten, or a teacher's own),
// one click (or →) per step, a short caption in English or Korean. A step is a URL (#…&lesson=3&lang=ko), so a teacher can link one; going to a
// step runs it as the page runs any link, and it plays up to the moment its caption talks about. The
// lesson reads and changes the page's state through the store alone, so what it sets survives every
// other change and the reverse; a teacher's lock (#lock=…) survives it too.
import { onKey } from '../core/keys.js';
import { lockTest } from '../form/locks.js';
import { showFocus } from './presenter.js';
import { book } from './lessonbook.js';
import { t, LANGS } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const LOOK_ONLY = ['lesson', 'lang', 'projector', 'dark', 'speed', 'code', 'lock', 'hide'];

/** The state of step n (1-based) over `defaults`, keeping the room's look, the language and the
 *  lock of `now`. */
export function stepState(n, now, defaults) {
  const keep = { projector: now.projector, dark: now.dark, lang: now.lang, lock: now.lock, hide: now.hide };
  return { ...defaults, ...book.steps[n - 1].state, ...keep, lesson: n };
}

/** The epoch `state`'s lesson step waits at (0: its start, step 1's guess before any update), or
 *  null: it plays to the end, or no step is open. */
export function lessonHold(state) {
  return book.steps[state.lesson - 1]?.at ?? null;
}

/** Step n's [title, caption] in `lang`; `veiled`: the setup's, which say nothing of the outcome. */
export function stepText(n, lang, veiled = false) {
  const step = book.steps[n - 1];
  const l = lang in LANGS ? lang : 'en';
  return (veiled && step.setup?.[l]) || step[l];
}

/** How step n looks (not what it runs): its view toggles and the view it enlarges, for a student's
 *  page that follows the teacher's step. */
export function stepLook(n) {
  const { state, focus } = book.steps[n - 1];
  return { view: { arrows: Boolean(state.arrows), log: Boolean(state.log), resid: Boolean(state.resid) }, focus };
}

/** What step n runs: its mode ("mode: sgd (full batch)"), or the modes it races ("race: manual vs sgd"). */
export function stepModes(n) {
  const { state } = book.steps[n - 1];
  const modes = state.cmp ? state.cmp.split(',').map((run) => /mode:(\w+)/.exec(run)?.[1] ?? state.mode ?? 'sgd') : [state.mode];
  // a race names its modes as the code does (manual, sgd), so that the step's title keeps one line
  if (modes.length > 1) return t('lesson.race', { modes: modes.join(t('lesson.versus')) });
  return t('lesson.mode', { mode: t(`choice.mode.${modes[0]}`) });
}

/** A hand-written link (#lesson=3, perhaps with a language, a look or a lock) gets its step's settings. */
export function expandLessonLink(state, keys, defaults) {
  const n = state.lesson;
  const bare = [...keys].every((k) => LOOK_ONLY.includes(k));
  return n >= 1 && n <= book.steps.length && bare ? stepState(n, state, defaults) : state;
}

/**
 * Install the lesson on `store`. `allowed(changes)`: whether a change may go ahead (a locked link
 * refuses one that alters what it locks, and says so). Answers { toggle() (L key, Lesson button),
 * veil(on): a class has not seen the step's run yet, so the band shows its setup, not its outcome,
 * unless the teacher asks for the step's own caption }.
 */
export function installLesson(store, { allowed = () => true } = {}) {
  let unkey = null;
  let veiled = false;
  let spoiled = false; // the teacher asked to see the step's own caption while it is veiled
  /** Go to step n; 0 closes the lesson and keeps the run on screen. */
  const goTo = (n) => {
    if (!n) { store.set({ lesson: 0 }); return; }
    const next = stepState(n, store.get(), store.settings.defaults());
    if (allowed(next)) store.set(next, { run: true });
  };
  const toggle = () => goTo(store.get().lesson ? 0 : 1);

  /** Show what the state says: the step's caption and view, or nothing. */
  function sync({ lesson: n, lang: raw, lock }, { refocus = true } = {}) {
    const box = $('lesson');
    const open = n >= 1 && n <= book.steps.length;
    box.hidden = !open;
    document.body.classList.toggle('in-lesson', open);
    if (!open) {
      unkey?.();
      unkey = null;
      return;
    }
    const lang = raw in LANGS ? raw : 'en';
    const step = book.steps[n - 1];
    const hiding = veiled && !spoiled && Boolean(step.setup);
    const [title, caption] = stepText(n, lang, hiding);
    Object.assign(box.dataset, { step: String(n), lang, veiled: String(hiding) });
    box.lang = lang;
    const locked = lockTest(lock)('lesson');
    $('lesson-count').textContent = t('lesson.count', { n, total: book.steps.length });
    $('lesson-mode').textContent = stepModes(n);
    $('lesson-title').textContent = title;
    $('lesson-caption').textContent = caption;
    $('lesson-prev').textContent = t('lesson.prev');
    $('lesson-next').textContent = t('lesson.next');
    $('lesson-prev').disabled = n === 1 || locked;
    $('lesson-next').disabled = n === book.steps.length || locked;
    $('lesson-close').title = t('lesson.close');
    $('lesson-close').setAttribute('aria-label', t('lesson.close'));
    $('lesson-lang').textContent = LANGS[lang === 'en' ? 'ko' : 'en'];
    const spoil = $('lesson-spoil');
    spoil.hidden = !veiled || !step.setup;
    spoil.textContent = t(spoiled ? 'lesson.hideCaption' : 'lesson.showCaption');
    spoil.title = t('lesson.showCaptionTitle');
    spoil.setAttribute('aria-pressed', String(spoiled));
    if (refocus) showFocus(step.focus);
    unkey ??= onKey((ev) => {
      const at = store.get().lesson;
      if (ev.key === 'ArrowRight' && at < book.steps.length) { goTo(at + 1); return true; }
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
  $('lesson-spoil').addEventListener('click', () => { spoiled = !spoiled; sync(store.get(), { refocus: false }); });
  store.subscribe((state, changed) => {
    if (changed.has('lesson')) spoiled = false;
    if (changed.has('lesson') || changed.has('lang') || changed.has('lock')) sync(state);
  });
  book.onChange(() => sync(store.get(), { refocus: false })); // another lesson: its words, its count
  sync(store.get());
  return {
    toggle,
    goTo,
    veil(on) {
      veiled = on;
      if (!on) spoiled = false;
      sync(store.get(), { refocus: false });
    },
  };
}
