// A teacher's link locks or hides chosen controls, as TensorFlow Playground's URL does:
// `#lock=mode,optimizer&hide=scheduler`, or `#lock=all,-lr` for an exercise where only the learning
// rate can change. Names are the form's field ids (mode, optimizer, lr, loss, init_w, …), the lab's
// parts (scheduler, data, handfit, sweep, trace, presets) and the page's other ways to change a run
// (races: the race buttons; lesson: the lesson's steps). A locked control stays visible, disabled,
// with a note; a hidden one is not shown; and every other way to change what is locked (the
// contour's click-to-start, a key, a one-click fix, a preset) is refused too (`lockedChanges`). It
// is a classroom convenience, not security: editing the link undoes it.
import { VIEW_FIELDS } from '../core/settings.js';
import { t } from '../i18n/i18n.js';

// settings that are not a form field's, by the lock name that holds them
const PART_OF = { cmp: 'races', lesson: 'lesson', scheduler: 'scheduler', pts: 'data' };

/** "all,-lr" or "mode,optimizer" -> a test: name => named? */
export function lockTest(field) {
  const parts = (field || '').split(',').map((p) => p.trim()).filter(Boolean);
  const free = new Set(parts.filter((p) => p.startsWith('-')).map((p) => p.slice(1)));
  const listed = new Set(parts.filter((p) => !p.startsWith('-')));
  return (name) => !free.has(name) && (listed.has('all') || listed.has(name));
}

/** The settings that `changes` would alter and `state`'s lock holds ([]: the change may go ahead).
 *  The page's own view settings (speed, log scale, projector, language…) are never locked. */
export function lockedChanges(state, changes) {
  const locked = lockTest(state.lock);
  return Object.keys(changes).filter((k) => {
    if (changes[k] === state[k] || (changes[k] ?? null) === (state[k] ?? null)) return false;
    if (k in PART_OF) return locked(PART_OF[k]);
    return !(k in VIEW_FIELDS) && locked(k === 'trace_state' ? 'trace' : k);
  });
}

/** The elements a name stands for: a form row ([data-field]) or a lab part ([data-lock]). */
function elementsOf(name) {
  return [...document.querySelectorAll(`#controls [data-field="${name}"], [data-lock="${name}"]`)];
}

export function lockableNames() {
  return [...new Set([...document.querySelectorAll('#controls [data-field], [data-lock]')].map((e) => e.dataset.field ?? e.dataset.lock))];
}

/** Apply a state's `lock` and `hide`: disable or hide what they name, undo what they no longer name. */
export function applyLocks({ lock, hide }) {
  const names = lockableNames();
  const locked = lockTest(lock);
  const hidden = lockTest(hide);
  let any = false;
  for (const name of names) {
    const isLocked = locked(name);
    const isHidden = hidden(name);
    any ||= isLocked || isHidden;
    for (const el of elementsOf(name)) {
      el.classList.toggle('hidden-by-link', isHidden);
      el.classList.toggle('locked', isLocked);
      for (const c of el.matches('input, select, button, textarea') ? [el] : el.querySelectorAll('input, select, button, textarea')) {
        if (isLocked) { c.disabled = true; c.dataset.locked = '1'; } else if (c.dataset.locked) { c.disabled = false; delete c.dataset.locked; }
      }
    }
  }
  const note = document.getElementById('lock-note');
  if (note) {
    note.hidden = !any;
    note.textContent = any ? t('locks.note') : '';
  }
  document.getElementById('app').dataset.locked = names.filter((n) => locked(n)).join(',');
  document.body.classList.toggle('start-locked', locked('init_w') || locked('init_b')); // no click-to-start
}
