// The learning-rate sweep: each rate's final loss (POST /api/sweeps) against the rate, both on log
// axes; diverged rates marked along the top; 2/λ_max (full-batch GD's stability limit) drawn as a
// line. "Too small, good, too big" in one picture.
import { axis, baseLayout, PLOT_CONFIG, ink, thick, RUN_COLORS } from '../views/theme.js';
import { t } from '../i18n/i18n.js';

/** `count` rates evenly spaced in log between lo and hi. */
export function logSpaced(lo, hi, count) {
  const [a, b] = [Math.log10(lo), Math.log10(hi)];
  return Array.from({ length: count }, (_, i) => Number((10 ** (a + ((b - a) * i) / (count - 1))).toPrecision(3)));
}

export class SweepChart {
  constructor(el) {
    this.el = el;
    this.results = [];
    this.maxStable = null;
    Plotly.newPlot(el, [], this.layout(), PLOT_CONFIG);
  }

  layout() {
    const shapes = this.maxStable ? [{ type: 'line', name: 'max-stable', xref: 'x', yref: 'paper', x0: this.maxStable, x1: this.maxStable, y0: 0, y1: 1,
      line: { color: ink('#000'), width: thick(2), dash: 'dash' } }] : [];
    const annotations = this.maxStable ? [{ xref: 'x', yref: 'paper', x: Math.log10(this.maxStable), y: 1, yanchor: 'bottom',
      text: `2/λ<sub>max</sub> = ${this.maxStable.toPrecision(3)}`, showarrow: false }] : [];
    return baseLayout({
      margin: { l: 72, r: 16, t: 28, b: 56 },
      xaxis: axis(t('field.lr'), { type: 'log' }),
      yaxis: axis(t('sweep.finalLoss'), { type: 'log', exponentformat: 'power' }),
      showlegend: true, legend: { orientation: 'h', y: -0.25 },
      shapes, annotations, hovermode: 'closest',
    });
  }

  /** `results`: the sweep's answer; `maxStable`: 2/λ_max, or null when the loss has no fixed curvature. */
  draw(results, maxStable) {
    this.results = results;
    this.maxStable = maxStable;
    const ok = results.filter((r) => r.status !== 'diverged' && r.loss !== null);
    const bad = results.filter((r) => r.status === 'diverged');
    const top = Math.max(...ok.map((r) => r.loss), 1) * 10;
    const traces = [
      { x: ok.map((r) => r.lr), y: ok.map((r) => r.loss), mode: 'lines+markers', name: t('sweep.finalLoss'),
        line: { color: ink(RUN_COLORS[1]), width: thick(2) }, marker: { size: thick(9), color: ink(RUN_COLORS[1]) },
        hovertemplate: 'lr %{x:.3g}<br>final loss %{y:.4g}<extra></extra>' },
      { x: bad.map((r) => r.lr), y: bad.map(() => top), mode: 'markers', name: t('sweep.diverged'),
        marker: { symbol: 'x-thin', size: thick(14), color: ink(RUN_COLORS[0]), line: { width: thick(3), color: ink(RUN_COLORS[0]) } },
        text: bad.map((r) => t('sweep.divergedAfter', { epochs: r.epochs })), hovertemplate: 'lr %{x:.3g}<br>%{text}<extra></extra>' },
    ];
    Plotly.react(this.el, traces, this.layout(), PLOT_CONFIG);
  }
}
