// The learning rate beside the loss: each epoch's `lr` (a scheduler's, or a live change's) as a
// trace on the loss chart's second y axis, and each live change as a marked epoch. Added to the loss
// chart's figure when a run's rate is not constant; the loss chart rebuilds its figure for each run,
// so this re-adds itself when missing.
import { ink, thick } from '../views/theme.js';
import { t } from '../i18n/i18n.js';

const NAME = 'learning rate';
const COLOR = '#009E73';
const EVERY_MS = 300; // at most this often while a run plays

export class LrCurve {
  constructor(el) { this.el = el; this.last = 0; this.key = ''; }

  /** Epochs 1..k of `run`; `moving`: the player plays. */
  draw(run, k, moving) {
    const epochs = run?.epochs?.slice(0, k) ?? [];
    const varies = epochs.some((e) => e.lr !== undefined && e.lr !== epochs[0].lr) || run?.changes?.length || run?.meta?.config?.scheduler;
    const key = `${run?.id}:${epochs.length}:${run?.changes?.length ?? 0}`;
    if (!varies || !run || key === this.key) return;
    const now = performance.now();
    if (moving && now - this.last < EVERY_MS) return;
    this.key = key;
    this.last = now;
    const x = epochs.map((e) => e.epoch);
    const y = epochs.map((e) => e.lr);
    const i = (this.el.data ?? []).findIndex((t) => t.name === NAME);
    const marks = (run.changes ?? []).map((c) => ({ type: 'line', name: 'lr-change', xref: 'x', yref: 'paper', x0: c.epoch, x1: c.epoch, y0: 0, y1: 1,
      line: { color: ink(COLOR), width: thick(1.5), dash: 'dot' } }));
    const shapes = [...(this.el.layout?.shapes ?? []).filter((s) => s.name !== 'lr-change'), ...marks];
    if (i < 0) {
      Plotly.relayout(this.el, {
        yaxis2: { title: { text: t('field.lr'), font: { color: ink(COLOR) } }, overlaying: 'y', side: 'right', type: 'log',
          showgrid: false, tickfont: { color: ink(COLOR) }, exponentformat: 'power', automargin: true },
        'margin.r': 64, shapes,
      });
      Plotly.addTraces(this.el, { x, y, yaxis: 'y2', mode: 'lines', name: NAME, line: { color: ink(COLOR), width: thick(2), shape: 'hv' },
        hovertemplate: 'epoch %{x}<br>lr %{y:.4g}<extra></extra>', showlegend: false });
    } else {
      Plotly.restyle(this.el, { x: [x], y: [y] }, [i]);
      Plotly.relayout(this.el, { shapes });
    }
  }
}
