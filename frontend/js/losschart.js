// Loss curve: loss per epoch for each run up to the cursor; per-step losses as a light trace.
import { axis, baseLayout, PLOT_CONFIG, LSQ_COLOR, historyTo } from './theme.js';

// per run i, traces 3i: steps (light), 3i+1: epochs, 3i+2: the current point
export class LossChart {
  constructor(el) {
    this.el = el;
    this.log = false;
    this.runs = [];
    this.total = 1;
    Plotly.newPlot(el, [], this.layout(), PLOT_CONFIG);
  }

  layout() {
    return baseLayout({
      showlegend: this.runs.length > 1,
      margin: { l: 72, r: 16, t: this.runs.length > 1 ? 36 : 8, b: 56 },
      xaxis: axis('epoch', { range: [0, this.total] }),
      yaxis: axis('loss', { type: this.log ? 'log' : 'linear', exponentformat: 'power' }),
      hovermode: 'closest',
    });
  }

  /** A new generation: one trio of traces per run spec ({label, color}). */
  reset(specs, total) {
    this.runs = specs;
    this.total = Math.max(1, total);
    this.drawn = specs.map(() => -1);
    const traces = specs.flatMap((s) => [
      { x: [], y: [], mode: 'lines', name: `${s.label} (steps)`, line: { color: s.color, width: 1 },
        opacity: 0.3, showlegend: false, hovertemplate: `step loss %{y:.6g}<extra>${s.label}</extra>` },
      { x: [], y: [], mode: 'lines', name: s.label, line: { color: s.color, width: 3 },
        hovertemplate: `epoch %{x}<br>loss %{y:.6g}<extra>${s.label}</extra>` },
      { x: [], y: [], mode: 'markers', showlegend: false, marker: { color: s.color, size: 11, line: { color: '#fff', width: 2 } },
        hoverinfo: 'skip' },
    ]);
    traces.push({ x: [], y: [], mode: 'lines', name: 'least-squares loss', line: { color: LSQ_COLOR, width: 2, dash: 'dash' },
      hovertemplate: 'least-squares loss %{y:.6g}<extra></extra>', showlegend: false });
    Plotly.react(this.el, traces, { ...this.layout(), uirevision: Math.random() }, PLOT_CONFIG);
  }

  /** The lowest loss a line can reach on this data, as a dashed reference. */
  setReference(lossMin, total) {
    const i = this.runs.length * 3;
    Plotly.restyle(this.el, { x: [[0, Math.max(total, this.total)]], y: [[lossMin, lossMin]] }, [i]);
  }

  setTotal(total) {
    if (total > this.total) {
      this.total = total;
      Plotly.relayout(this.el, { 'xaxis.range': [0, total] });
    }
  }

  setLog(log) {
    this.log = log;
    Plotly.relayout(this.el, { 'yaxis.type': log ? 'log' : 'linear', 'yaxis.autorange': true });
  }

  /** Draw every run up to epoch k: one restyle for all traces. */
  draw(runs, k) {
    const xs = [];
    const ys = [];
    const idx = [];
    runs.forEach((run, i) => {
      const n = Math.min(k, run.epochs.length);
      const key = `${n}:${run.steps.length}`;
      if (this.drawn[i] === key) return;
      this.drawn[i] = key;
      const h = historyTo(run, k);
      const spe = run.meta?.steps_per_epoch || 1;
      const steps = run.steps.filter((s) => s.epoch <= n);
      xs.push(steps.map((s) => (s.step / spe)), h.map((r) => r.epoch), n ? [n] : []);
      ys.push(steps.map((s) => s.loss), h.map((r) => r.loss), n ? [h[n - 1].loss] : []);
      idx.push(3 * i, 3 * i + 1, 3 * i + 2);
    });
    if (idx.length) Plotly.restyle(this.el, { x: xs, y: ys }, idx);
  }
}
