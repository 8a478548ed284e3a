// Projector mode: a look for a room — big type, thick lines and markers, high contrast, light or
// dark. The page's part is CSS (body.projector, body.dark); the charts' part is theme.js's look,
// which each chart applies when asked to relook.
import { useLook } from '../views/theme.js';

/** Switch the look of the page and of `charts` (each with relook()). */
export function setLook({ room, dark }, charts) {
  if (!useLook({ room, dark })) return;
  document.body.classList.toggle('projector', Boolean(room));
  document.body.classList.toggle('dark', Boolean(dark));
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
  for (const chart of charts) chart.relook();
  window.dispatchEvent(new Event('resize')); // the grid changed: responsive charts re-measure
}

export function toggleFullscreen() {
  if (document.fullscreenElement) return document.exitFullscreen();
  return document.documentElement.requestFullscreen?.().catch(() => null);
}
