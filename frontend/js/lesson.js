// The guided lesson: the seed chapter by chapter, one click (or →) per step, a short caption in
// English or Korean. A step is a URL (#…&lesson=3&lang=ko), so a teacher can link one; going to a
// step sets the hash and the page runs it as it runs any link.
import { defaults, fromHash, toHash } from './state.js';
import { onKey } from './keys.js';
import { focusView } from './presenter.js';
import { STEPS, UI, LANGS } from './lesson-text.js';

const $ = (id) => document.getElementById(id);
let unkey = null;

/** Go to step n (1-based; 0 closes the lesson), keeping the room's look and the language. */
export function goTo(n, lang) {
  const now = fromHash();
  const step = STEPS[n - 1];
  const keep = { projector: now.projector, dark: now.dark, lang: lang ?? now.lang };
  if (!n) { // closing keeps the run on screen
    history.replaceState(null, '', toHash({ ...now, lesson: 0 }));
    sync();
    return;
  }
  location.hash = toHash({ ...defaults(), ...step.state, ...keep, lesson: n }); // -> hashchange: the page runs it
}

export const toggleLesson = () => goTo(fromHash().lesson ? 0 : 1);

const LOOK_ONLY = ['lesson', 'lang', 'projector', 'dark', 'speed'];
const bare = () => [...new URLSearchParams(location.hash.slice(1)).keys()].every((k) => LOOK_ONLY.includes(k));

/** Show what the URL says: the step's caption and view, or nothing. */
function sync() {
  const { lesson: n, lang: raw } = fromHash();
  const box = $('lesson');
  const open = n >= 1 && n <= STEPS.length;
  box.hidden = !open;
  document.body.classList.toggle('in-lesson', open);
  if (!open) {
    unkey?.();
    unkey = null;
    return;
  }
  if (bare()) { goTo(n); return; } // a hand-written link (#lesson=3): fill in the step's settings
  const lang = raw in LANGS ? raw : 'en';
  const step = STEPS[n - 1];
  const [title, caption] = step[lang];
  const ui = UI[lang];
  Object.assign(box.dataset, { step: String(n), lang });
  box.lang = lang;
  $('lesson-count').textContent = `${ui.step} ${n} / ${STEPS.length}`;
  $('lesson-title').textContent = title;
  $('lesson-caption').textContent = caption;
  $('lesson-prev').textContent = ui.prev;
  $('lesson-next').textContent = ui.next;
  $('lesson-prev').disabled = n === 1;
  $('lesson-next').disabled = n === STEPS.length;
  $('lesson-close').title = ui.close;
  $('lesson-close').setAttribute('aria-label', ui.close);
  $('lesson-lang').textContent = LANGS[lang === 'en' ? 'ko' : 'en'];
  focusView(step.focus);
  unkey ??= onKey((ev) => {
    const at = fromHash().lesson;
    if (ev.key === 'ArrowRight' && at < STEPS.length) { goTo(at + 1); return true; }
    if (ev.key === 'ArrowLeft' && at > 1) { goTo(at - 1); return true; }
    if (ev.key === 'Escape') { goTo(0); return true; }
    return false;
  });
}

export function installLesson() {
  $('lesson-open').addEventListener('click', toggleLesson);
  $('lesson-prev').addEventListener('click', () => goTo(fromHash().lesson - 1));
  $('lesson-next').addEventListener('click', () => goTo(fromHash().lesson + 1));
  $('lesson-close').addEventListener('click', () => { goTo(0); focusView(null); });
  $('lesson-lang').addEventListener('click', () => {
    const now = fromHash();
    history.replaceState(null, '', toHash({ ...now, lang: now.lang === 'ko' ? 'en' : 'ko' })); // same run
    sync();
  });
  window.addEventListener('hashchange', sync);
  sync();
}
