// Presenter keys: the player and the page from the keyboard, through the page's own buttons, so a
// key does exactly what its button does. `?` lists them. keys.js keeps them out of form fields.
import { onKey } from '../core/keys.js';
import { tr } from '../i18n/i18n.js';

// [key, what it does (a catalogue key)]
export const KEYS = [
  ['Space', 'help.play'], ['→ / ←', 'help.step'], ['Home / End', 'help.homeEnd'], ['+ / −', 'help.speed'],
  ['R', 'help.reset'], ['1 – 4', 'help.enlarge'], ['P', 'help.projector'],
  ['C', 'help.code'], ['L', 'help.lesson'], ['→ / ←', 'help.lessonStep'], ['→ / ←', 'help.explainPhase'],
  ['Q', 'help.ask'], ['X', 'help.closeQuestion'], ['?', 'help.list'], ['Esc', 'help.close'],
  ['← → ↑ ↓, Enter', 'help.contour'],
];
const VIEWS = ['fit', 'loss', 'contour', 'surface'];

const $ = (id) => document.getElementById(id);

/** Enlarge view `name`, or show all four again if it is the one enlarged (keys 1–4). */
export function focusView(name) {
  showFocus(name && name !== ($('views').dataset.focus ?? '') ? name : null);
}

/** Enlarge view `name` (null: all four), whatever is enlarged now (a lesson step). */
export function showFocus(name) {
  const views = $('views');
  const current = views.dataset.focus ?? '';
  const next = name ?? '';
  if (next === current) return;
  if (next) views.dataset.focus = next; else delete views.dataset.focus;
  for (const v of VIEWS) $(`view-${v}`).classList.toggle('focused', v === next);
  window.dispatchEvent(new Event('resize')); // Plotly's responsive charts re-measure on resize
}

function stepSpeed(delta) {
  const select = $('speed');
  const i = Math.max(0, Math.min(select.options.length - 1, select.selectedIndex + delta));
  if (i === select.selectedIndex) return;
  select.selectedIndex = i;
  select.dispatchEvent(new Event('change'));
}

function showHelp() {
  const dialog = $('help');
  if (!dialog.querySelector('dl').children.length) {
    dialog.querySelector('dl').append(...KEYS.flatMap(([key, what]) => [
      Object.assign(document.createElement('dt'), { textContent: key }),
      tr(document.createElement('dd'), what)]));
  }
  if (dialog.open) dialog.close(); else dialog.showModal();
}

/** `actions`: { projector(), code(), lesson() } for the keys that are not a button's. */
export function installPresenterKeys(actions) {
  $('help-close').addEventListener('click', () => $('help').close());
  $('help-open').addEventListener('click', showHelp);
  return onKey((ev) => {
    const click = (id) => { $(id).click(); return true; };
    switch (ev.key) {
      case ' ': return click('play');
      case 'ArrowRight': return click('step-fwd');
      case 'ArrowLeft': return click('step-back');
      case '+': case '=': stepSpeed(1); return true;
      case '-': case '_': stepSpeed(-1); return true;
      case 'r': case 'R': return click('reset');
      case 'Home': return click('reset');
      case 'End': return click('to-end');
      case '1': case '2': case '3': case '4': focusView(VIEWS[Number(ev.key) - 1]); return true;
      case 'p': case 'P': actions.projector(); return true;
      case 'c': case 'C': actions.code(); return true;
      case 'l': case 'L': actions.lesson(); return true;
      case '?': showHelp(); return true;
      case 'Escape': if ($('views').dataset.focus) { focusView(null); return true; } return false;
      default: return false;
    }
  });
}
