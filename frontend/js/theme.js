// Shared look of the charts: Okabe–Ito colours (colour-blind safe), 14 px+ text, one Plotly config.

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

/** A Plotly marker symbol on a canvas, centred at (x, y), about 2r across; filled (stroke it after). */
export function markerPath(ctx, symbol, x, y, r) {
  ctx.beginPath();
  if (symbol === 'square') ctx.rect(x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r);
  else if (symbol === 'diamond') {
    ctx.moveTo(x, y - 1.25 * r); ctx.lineTo(x + 1.25 * r, y); ctx.lineTo(x, y + 1.25 * r); ctx.lineTo(x - 1.25 * r, y);
    ctx.closePath();
  } else if (symbol === 'triangle-up') {
    ctx.moveTo(x, y - 1.3 * r); ctx.lineTo(x + 1.2 * r, y + 0.8 * r); ctx.lineTo(x - 1.2 * r, y + 0.8 * r);
    ctx.closePath();
  } else ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
}
export const DATA_COLOR = '#555555';
export const LSQ_COLOR = '#888888';
export const SURFACE_SCALE = [[0, '#fdfdfd'], [0.5, '#d9d9d9'], [1, '#969696']]; // light greys: paths stay visible

export const FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', size: 14, color: '#222' };

export function baseLayout(extra = {}) {
  return {
    font: FONT,
    margin: { l: 64, r: 16, t: 8, b: 56 },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    showlegend: false,
    legend: { orientation: 'h', x: 0, y: 1, yanchor: 'bottom', font: { size: 14 } },
    hoverlabel: { font: { size: 14 } },
    uirevision: 'keep', // user zoom survives data updates
    ...extra,
  };
}

/** An axis with a symbol title that is never clipped. */
export function axis(title, extra = {}) {
  return { title: { text: title, standoff: 6 }, automargin: true, zeroline: false, ...extra };
}

export const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage'],
  toImageButtonOptions: { format: 'png', scale: 2 },
  plotGlPixelRatio: Math.min(2, Math.max(1, window.devicePixelRatio || 1)), // Plotly's default 2 costs 4× the pixels on a plain screen
};

/** The point a run is at after `k` epochs: the start for k = 0. */
export function pointAt(run, k) {
  if (k <= 0 || run.epochs.length === 0) return run.meta ? { ...run.meta.start, loss: null } : null;
  return run.epochs[Math.min(k, run.epochs.length) - 1];
}

/** Epoch records 1..k of a run (k clamped to what arrived). */
export function historyTo(run, k) {
  return run.epochs.slice(0, Math.max(0, Math.min(k, run.epochs.length)));
}

export const fmt = (v, digits = 4) => (v === null || v === undefined ? '—' : Number(v).toPrecision(digits));

/** Same grid and values: a new run on the same data and start point gets the surface it already has. */
export function sameSurface(a, b) {
  if (!a || !b || JSON.stringify([a.window, a.w, a.b]) !== JSON.stringify([b.window, b.w, b.b])) return false;
  return a.loss.every((row, j) => row.every((v, i) => v === b.loss[j][i]));
}
