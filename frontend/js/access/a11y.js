// The page's accessibility layer, wired once: charts named and described, history tables, the live
// region, key paths for the mouse's gestures, sound. `follow(player, run)` keeps them up to date.
import { Announcer } from './announce.js';
import { installDescriptions, updateDescriptions } from './describe.js';
import { HistoryTables } from './historytable.js';
import { ContourKeys, untabModebars } from './a11ykeys.js';
import { Sonifier } from './sonify.js';

/** Runs start at their end, without animated playback, for who asks the system for less motion. */
export const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

export function installA11y({ contour, pickStart }) {
  installDescriptions();
  untabModebars(document.getElementById('views'));
  const tables = new HistoryTables();
  const announcer = new Announcer();
  const sound = new Sonifier(document.getElementById('sound'));
  new ContourKeys(contour, pickStart); // eslint-disable-line no-new

  /** Called by every render: the player's state and the run the fit view shows. */
  return function follow(p, sel) {
    updateDescriptions(p, sel);
    tables.draw(p);
    announcer.follow(p);
    sound.follow(sel, p.epoch);
  };
}
