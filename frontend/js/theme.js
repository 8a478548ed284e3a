// Shared look of the charts: Okabe–Ito colours (colour-blind safe), 14 px+ text, one Plotly config.

export const RUN_COLORS = ['#D55E00', '#0072B2', '#009E73', '#CC79A7']; // vermillion, blue, green, purple
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

