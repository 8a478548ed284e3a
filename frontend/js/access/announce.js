// The page's polite live region: a run started, its progress now and then, how it ended. Screen
// readers read what is added; the region keeps the last few messages.
import { pointAt } from '../core/history.js';
import { fmt } from '../core/format.js';
import { t } from '../i18n/i18n.js';

export const PROGRESS_MS = 5000; // at most one progress message this often
const KEEP = 3;

const region = () => document.getElementById('announcer');

/** Say `text` politely (a screen reader reads it when the user is idle). */
export function announce(text) {
  const el = region();
  if (!el || !text) return;
  el.append(Object.assign(document.createElement('p'), { textContent: text }));
  while (el.children.length > KEEP) el.firstElementChild.remove();
}

/** How one run ended, in words: "diverged at epoch 22", "completed 100 epochs, loss 0.912". */
export function ending(run) {
  const d = run.done;
  if (run.error) return t('say.failed', { error: run.error });
  if (!d) return t('say.running');
  if (d.status === 'diverged') return t('say.diverged', { epoch: d.diverged_at ?? d.epochs + 1 });
  if (d.status === 'completed') return t('say.completed', { epochs: d.epochs, loss: fmt(d.loss, 3) });
  return t('say.other', { status: d.status, reason: d.reason ? ` (${d.reason})` : '' });
}

/** Follows the player (called by every render) and says what changed. */
export class Announcer {
  constructor() {
    this.gen = null;
    this.ended = true;
    this.lastSaid = 0;
    this.lastEpoch = 0;
  }

  follow(p) {
    const runs = p.runs;
    if (!runs.length) return;
    const k = p.epoch;
    if (p.gen !== this.gen) {
      this.gen = p.gen;
      this.ended = false;
      this.lastSaid = performance.now();
      this.lastEpoch = 0;
      announce(runs.length > 1
        ? t('say.raceStarted', { n: runs.length, runs: runs.map((r) => r.label).join(', ') })
        : t('say.runStarted', { run: runs[0].label }));
      return;
    }
    if (this.ended) return;
    if (p.finished && !p.playing && k >= p.received) {
      this.ended = true;
      announce(this.endText(runs, k));
      return;
    }
    const now = performance.now();
    if (k !== this.lastEpoch && k > 0 && now - this.lastSaid >= PROGRESS_MS) {
      this.lastSaid = now;
      this.lastEpoch = k;
      const loss = runs.map((r) => pointAt(r, k)?.loss).filter((v) => v !== null && v !== undefined);
      announce(loss.length === 1 ? t('say.epochLoss', { k, total: p.total, loss: fmt(loss[0], 3) }) : t('say.epoch', { k, total: p.total }));
    }
  }

  endText(runs, k) {
    if (runs.length > 1) return t('say.raceFinished', { runs: runs.map((r) => `${r.label} ${ending(r)}`).join('; ') });
    const run = runs[0];
    const pt = pointAt(run, k);
    const at = pt ? `, w = ${fmt(pt.w, 3)}, b = ${fmt(pt.b, 3)}` : '';
    if (run.done?.status === 'diverged') return t('say.runDiverged', { how: ending(run) });
    return t('say.runEnded', { how: ending(run), at });
  }
}
