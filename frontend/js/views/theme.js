// The charts' look: Okabe–Ito colours (colour-blind safe), 14 px+ text, one Plotly config, and the
// room's looks — projector (big type, thick lines) and dark — as a Plotly template for each chart's
// layout plus the sizes and colours its traces ask for. A chart builds its figure from these and
// rebuilds it when the look changes (its relook()).
import { t, onLang } from '../i18n/i18n.js';

// Compared runs differ by colour, dash and marker, so no run is told apart by colour alone: these four
// Okabe–Ito colours stay apart under protanopia and deuteranopia, and the dashes and markers in grey.
export const RUN_COLORS = ['#D55E00', '#0072B2', '#000', '#CC79A7']; // vermillion, blue, black, reddish purple
export const RUN_DASHES = ['solid', 'dash', 'dot', 'dashdot'];
export const RUN_MARKERS = ['circle', 'square', 'diamond', 'triangle-up'];

/** Run i's look: {color, dash, marker}, the same on every view. */
export const runStyle = (i) => ({ color: RUN_COLORS[i], dash: RUN_DASHES[i], marker: RUN_MARKERS[i] });

/** A Plotly dash as a canvas line dash, for lines `width` px wide. */
export function canvasDash(dash, width) {
  const w = Math.max(1, width);
  return { dash: [3 * w, 2 * w], dot: [0.01, 2 * w], dashdot: [3 * w, 2 * w, 0.01, 2 * w] }[dash] ?? [];
}

/** A Plotly marker symbol on a canvas, centred at (x, y), about 2r across, filled in `fill` and
 *  outlined in `outline` `width` px wide (a run's current point, a minimum's star). */
export function drawMarker(ctx, symbol, x, y, r, { fill, outline, width }) {
  ctx.fillStyle = fill;
  ctx.strokeStyle = outline;
  ctx.lineWidth = width;
  ctx.beginPath();
  if (symbol === 'square') ctx.rect(x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r);
  else if (symbol === 'diamond') {
    ctx.moveTo(x, y - 1.25 * r); ctx.lineTo(x + 1.25 * r, y); ctx.lineTo(x, y + 1.25 * r); ctx.lineTo(x - 1.25 * r, y);
    ctx.closePath();
  } else if (symbol === 'star') {
    for (let i = 0; i < 10; i += 1) {
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      const rr = i % 2 ? 0.5 * r : 1.3 * r;
      ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
    }
    ctx.closePath();
  } else if (symbol === 'triangle-up') {
    ctx.moveTo(x, y - 1.3 * r); ctx.lineTo(x + 1.2 * r, y + 0.8 * r); ctx.lineTo(x - 1.2 * r, y + 0.8 * r);
    ctx.closePath();
  } else ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
}
export const DATA_COLOR = '#555555';
export const LSQ_COLOR = '#888888';
export const HIGHLIGHT = '#0072B2'; // explain mode's marks
const SURFACE_SCALE = [[0, '#fdfdfd'], [0.5, '#d9d9d9'], [1, '#969696']]; // light greys: paths stay visible

const FAMILY = '"gdviz Hangul", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'; // Hangul from the shipped font (css/fonts.css)
const FONT_SCALE = 1.6; // projector: 14 px chart text -> 22 px
const LINE_SCALE = 1.8; // projector: lines and markers

// light -> dark, for every colour the charts use
const TO_DARK = new Map([
  ['#ffffff', '#111111'], ['#fff', '#000'], ['#222', '#f2f2f2'], ['#000', '#fafafa'],
  ['#555555', '#d9d9d9'], ['#888888', '#bdbdbd'], ['#fdfdfd', '#1a1a1a'], ['#d9d9d9', '#383838'],
  ['#969696', '#666666'], ['#ddd', '#3d3d3d'], ['#bbb', '#707070'], ['#eeeeee', '#333333'],
  ['#444444', '#bbbbbb'], ['rgba(80,80,80,0.35)', 'rgba(230,230,230,0.35)'], ['#7a7a7a', '#5c5c5c'],
  ['#0072b2', '#56B4E9'], // Okabe–Ito blue -> sky blue, which keeps its contrast on black
  ['rgba(255,255,255,0.7)', 'rgba(17,17,17,0.7)'],
]);

let look = { room: false, dark: false };

/** Switch the look; answers whether it changed (the charts then relook). */
export function useLook({ room, dark }) {
  const next = { room: Boolean(room), dark: Boolean(dark) };
  if (next.room === look.room && next.dark === look.dark) return false;
  look = next;
  return true;
}

/** A colour as the current look draws it. */
export const ink = (color) => (look.dark ? TO_DARK.get(color.toLowerCase()) ?? color : color);
/** A line width or marker size in px as the current look draws it. */
export const thick = (px) => (look.room ? px * LINE_SCALE : px);
const text = (px) => (look.room ? px * FONT_SCALE : px);

/** The layout's part of the look, as a Plotly template: text, backgrounds, grids, colour scales. */
export function template() {
  const font = { family: FAMILY, size: text(14), color: ink('#222') };
  const axis2d = { showline: true, gridcolor: ink('#eeeeee'), linecolor: ink('#444444'), zerolinecolor: ink('#444444') };
  // 3D tick labels grow with the scene less than flat ones do
  const axis3d = { backgroundcolor: ink('#fff'), gridcolor: ink('#ddd'), zerolinecolor: ink('#bbb'), tickfont: { size: text(11) } };
  const scale = SURFACE_SCALE.map(([v, c]) => [v, ink(c)]);
  return {
    layout: {
      font, paper_bgcolor: ink('#ffffff'), plot_bgcolor: ink('#ffffff'),
      legend: { font: { size: text(14) } }, hoverlabel: { font: { size: text(14) } },
      xaxis: axis2d, yaxis: axis2d, scene: { xaxis: axis3d, yaxis: axis3d, zaxis: axis3d },
    },
    data: {
      contour: [{ colorscale: scale, line: { color: ink('rgba(80,80,80,0.35)'), width: thick(1) } }],
      surface: [{ colorscale: scale, contours: { z: { color: ink('#7a7a7a') } } }],
    },
  };
}

const LEGEND_ROW = { orientation: 'h', x: 0, y: 1, yanchor: 'bottom' };
const fittedWidth = new WeakMap(); // chart -> the width its legend was fitted to
let measure = null; // a canvas context, to measure text

/**
 * A race's legend for the chart `el` with side margins `l` and `r`: {showlegend, legend, t} (`t`: the
 * top margin it adds). In a row over the plot where the entries `names` fit one row; else, for the
 * loss curve (`inside`), in the plot's top right corner, and for the contour and 3D views not at all:
 * their paths have the loss curve's colours, dashes and markers.
 */
export function raceLegend(names, { el, l, r, inside, t = 28 }) {
  fittedWidth.set(el, el.clientWidth);
  if (names.length < 2) return { showlegend: false, legend: LEGEND_ROW, t: 0 };
  measure ??= document.createElement('canvas').getContext('2d');
  measure.font = `${text(14)}px ${FAMILY}`;
  const row = names.reduce((sum, name) => sum + measure.measureText(name).width + text(50), 0); // a sample and gaps each
  if (row <= el.clientWidth - text(l + r)) return { showlegend: true, legend: LEGEND_ROW, t };
  if (!inside) return { showlegend: false, legend: LEGEND_ROW, t: 0 };
  return { showlegend: true, t: 0, legend: { orientation: 'v', x: 1, xanchor: 'right', y: 1, yanchor: 'top',
    font: { size: text(12) }, bgcolor: ink('rgba(255,255,255,0.7)') } };
}

/** After a redraw: the legend fitted again (`fit()`, then the top margin `margin` + its own), if the
 *  chart's width changed since (a resize, a view enlarged). */
export function refitLegend(el, fit, margin) {
  if (!el._fullLayout || fittedWidth.get(el) === el.clientWidth) return;
  const { showlegend, legend, t } = fit();
  Plotly.relayout(el, { showlegend, legend, 'margin.t': text(margin + t) });
}

/** A chart's layout in the current look; `extra.margin` grows with the projector's text. */
export function baseLayout(extra = {}) {
  const margin = { l: 64, r: 16, t: 8, b: 56, ...extra.margin };
  return {
    template: template(),
    showlegend: false,
    legend: LEGEND_ROW,
    uirevision: 'keep', // user zoom survives data updates
    ...extra,
    margin: Object.fromEntries(Object.entries(margin).map(([k, v]) => [k, text(v)])),
  };
}

/** Text a user gave (a column name, a run's label) as Plotly must be handed it to show it as text:
 *  Plotly reads a subset of HTML in every string it draws (titles, legends, hovers, annotations:
 *  `<a href>` a live link, `<b style>` huge text) and `%{…}` in a hover template, and shows an
 *  entity as its character. Every user-given string reaches a chart through here, once. */
export const plain = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/%/g, '&#37;');

/** An axis with a symbol title that is never clipped. */
export function axis(title, extra = {}) {
  return { title: { text: title, standoff: 6 }, automargin: true, zeroline: false, ...extra };
}

export const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage', 'sendChartToCloud'], // the page stays offline
  toImageButtonOptions: { format: 'png', scale: 2 },
  plotGlPixelRatio: Math.min(2, Math.max(1, window.devicePixelRatio || 1)), // Plotly's default 2 costs 4× the pixels on a plain screen
};

// Plotly's own words (its modebar's button titles, its hints) in the page's language: a Plotly locale
// made from the catalogue, used from the next draw on (the charts redraw on a language change).
const PLOTLY_WORDS = {
  Zoom: 'plotly.zoom', Pan: 'plotly.pan', 'Zoom in': 'plotly.zoomIn', 'Zoom out': 'plotly.zoomOut',
  Autoscale: 'plotly.autoscale', 'Reset axes': 'plotly.resetAxes', 'Orbital rotation': 'plotly.orbital',
  'Turntable rotation': 'plotly.turntable', 'Reset camera to default': 'plotly.cameraDefault',
  'Reset camera to last save': 'plotly.cameraLast', 'Double-click to zoom back out': 'plotly.doubleClick',
  'Toggle Spike Lines': 'plotly.spikes', 'Show closest data on hover': 'plotly.closest',
  'Compare data on hover': 'plotly.compare', 'Reset view': 'plotly.resetView', 'Reset views': 'plotly.resetViews',
};
onLang((lang) => {
  if (lang !== 'en') {
    const dictionary = Object.fromEntries(Object.entries(PLOTLY_WORDS).map(([words, key]) => [words, t(key)]));
    Plotly.register({ moduleType: 'locale', name: lang, dictionary });
  }
  PLOT_CONFIG.locale = lang;
});
