// What every chart of the page does alike: a Plotly figure in its element with an overlay canvas for
// what moves every frame (overlay.js), the runs' legend where it fits (theme.js), the figure drawn
// again in the current look (projector, dark) and language, its box followed as it resizes, a new
// generation of runs shown dimmed on the last one's figure until its data comes, and a PNG of it.
// A chart extends Chart, sets its own fields, then calls plot(); it gives traces() and layout() (from
// legendLayout() when it has a legend) and paints what moves in paint().
import { baseLayout, plain, raceLegend, refitLegend, PLOT_CONFIG } from './theme.js';
import { Overlay } from './overlay.js';
import { DIVERGED_TEXT } from './viewwindow.js';
import { save } from '../core/download.js';
import { onLang } from '../i18n/i18n.js';

let sized = null; // one ResizeObserver for every chart: they follow their boxes, not only the window

/** A run's name in a legend, as its text: its label, and where it diverged. */
const legendText = (spec) => (spec.divergedAt ? `${spec.label} — ${DIVERGED_TEXT(spec.divergedAt)}` : spec.label);

/** A run's name in a legend, as Plotly is handed it (the label is the user's: `plain`). */
export const legendName = (spec) => plain(legendText(spec));

export class Chart {
  /**
   * `margin`: the plot's margins {l, r, t, b} in px at 14 px text (the projector's grow them);
   * `legend`: for a chart with the runs' legend, raceLegend's options ({inside}, {t}); none, no legend.
   */
  constructor(el, { margin = null, legend = null } = {}) {
    this.el = el;
    this.margin = margin;
    this.legendOptions = legend;
    this.runs = [];         // the runs' specs: {label, color, dash, marker, divergedAt?}
    this.shown = null;      // what draw() was last given, to paint again after Plotly redraws
    this.legendKey = null;  // the labels and colours the legend shows
  }

  /** The first figure, the overlay over it, and the chart following its box and the language. */
  plot() {
    Plotly.newPlot(this.el, ...this.figure());
    this.overlay = new Overlay(this.el);
    this.canvas = this.overlay.canvas;
    this.el.on('plotly_afterplot', () => this.afterPlot());
    onLang(() => this.relabel());
    sized ??= new ResizeObserver((entries) => entries.forEach((e) => Plotly.Plots.resize(e.target)));
    sized.observe(this.el);
  }

  /** Plotly's [traces, layout, config] in the current look and language. */
  figure(extra) { return [this.traces(), this.layout(extra), PLOT_CONFIG]; }

  traces() { return []; }

  layout(extra = {}) { return baseLayout(extra); }

  /** The layout with the runs' legend over the plot where it fits (else as raceLegend says). */
  legendLayout(extra = {}) {
    const { showlegend, legend, t } = this.legendFit();
    return baseLayout({ showlegend, legend, ...extra, margin: { ...this.margin, t: this.margin.t + t } });
  }

  legendFit() {
    const { l, r } = this.margin;
    return raceLegend(this.runs.map(legendText), { el: this.el, l, r, ...this.legendOptions });
  }

  /** After every Plotly redraw (new data, a zoom, a pan, a resize): the overlay painted again over
   *  the new axes, the chart fitted to its box, the legend fitted again to a new width. */
  afterPlot() {
    this.overlay.place();
    this.paint();
    this.fitBox();
    if (this.legendOptions) refitLegend(this.el, () => this.legendFit(), this.margin.t);
  }

  /** What moves every frame, on the overlay. */
  paint() {}

  /** What depends on the chart's size in px (a title that fits, the 3D camera). */
  fitBox() {}

  /** Drawn again in the current look (theme.js), zoom kept. */
  relook() { Plotly.react(this.el, ...this.figure()); }

  /** After a language change: as after a change of look. */
  relabel() { this.relook(); }

  /**
   * A new generation of runs: the overlay cleared, the figure kept but dimmed until their data comes.
   * Answers whether the legend stays the one shown (same labels and colours); if not, the chart
   * draws its figure afresh.
   */
  reset(specs) {
    const key = JSON.stringify(specs.map((s) => [s.label, s.color]));
    const same = key === this.legendKey;
    Object.assign(this, { runs: specs, shown: null, drawnKey: null, legendKey: key });
    this.overlay.clear();
    this.dim(true);
    return same;
  }

  /** Dimmed while the figure is the last runs' (CSS .stale). */
  dim(on) { this.el.classList.toggle('stale', on); }

  /** The trace that stands for run i in the legend. */
  legendTrace(i) { return i; }

  /** Run i switched off by a click on its legend entry. */
  hidden(i) { return this.el.data?.[this.legendTrace(i)]?.visible === 'legendonly'; }

  /** Run i diverged at `epoch`: its legend entry says so (and the next generation's legend is drawn afresh). */
  markDiverged(i, epoch) {
    const spec = this.runs[i];
    if (!spec) return;
    spec.divergedAt = epoch;
    this.legendKey = null;
    Plotly.restyle(this.el, { name: legendName(spec) }, [this.legendTrace(i)]);
  }

  /** A PNG of the chart as shown, at 2×: Plotly's image with what its canvases paint on top (paths, a
   *  moving line, a large data set). */
  async png(filename) {
    const { width, height } = this.el.getBoundingClientRect();
    const [w, h, scale] = [Math.round(width), Math.round(height), 2];
    const image = new Image();
    image.src = await Plotly.toImage(this.el, { format: 'png', width: w, height: h, scale });
    await image.decode();
    const canvas = Object.assign(document.createElement('canvas'), { width: w * scale, height: h * scale });
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    for (const overlay of this.el.querySelectorAll('canvas.dots, canvas.trails')) {
      if (overlay.width) ctx.drawImage(overlay, 0, 0, canvas.width, canvas.height);
    }
    canvas.toBlob((blob) => save(blob, `${filename}.png`), 'image/png');
  }
}
