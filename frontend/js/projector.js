// Projector mode: a look for a room — big type, thick lines and markers, high contrast, light or
// dark. The page's part is CSS (body.projector, body.dark); the charts' part happens here: every
// figure handed to Plotly.newPlot/react is dressed on its way, and a change of look re-dresses the
// charts already drawn, so no chart module needs to know about rooms.
import { PLOT_CONFIG } from './theme.js';

const BASE = { room: false, dark: false };
const FONT_SCALE = 1.6; // 14 px chart text -> 22 px
const LINE_SCALE = 1.8;

// light <-> dark, for the colours the charts use (theme.js) and the ones dressing makes explicit
const PAIRS = [
  ['#ffffff', '#111111'], ['#fff', '#000'], ['#222', '#f2f2f2'], ['#000', '#fafafa'],
  ['#555555', '#d9d9d9'], ['#888888', '#bdbdbd'], ['#fdfdfd', '#1a1a1a'], ['#d9d9d9', '#383838'],
  ['#969696', '#666666'], ['#ddd', '#3d3d3d'], ['#bbb', '#707070'], ['#eeeeee', '#333333'],
  ['#444444', '#bbbbbb'], ['rgba(80,80,80,0.35)', 'rgba(230,230,230,0.35)'], ['#7a7a7a', '#5c5c5c'],
  ['#0072B2', '#56B4E9'], // Okabe–Ito blue -> sky blue, which keeps its contrast on black
];
const TO_DARK = new Map(PAIRS.map(([l, d]) => [l.toLowerCase(), d]));
const TO_LIGHT = new Map(PAIRS.map(([l, d]) => [d.toLowerCase(), l]));

let look = { ...BASE };
export const currentLook = () => ({ ...look });

/** A run colour as the current look draws it (for the canvas overlays). */
export function roomColor(color) {
  return look.dark ? TO_DARK.get(color.toLowerCase()) ?? color : color;
}

function recolor(value, from, to) {
  if (from.dark === to.dark || typeof value !== 'string') return value;
  return (to.dark ? TO_DARK : TO_LIGHT).get(value.toLowerCase()) ?? value;
}

const COLOR_KEY = /color$/i;
const SIZE_KEYS = { size: FONT_SCALE, width: LINE_SCALE, arrowwidth: LINE_SCALE };

/** A copy of a figure part dressed for `to` instead of `from`: colours swapped, sizes scaled. */
function dress(node, from, to, path = '') {
  if (Array.isArray(node)) {
    if (path.endsWith('colorscale')) return node.map(([v, c]) => [v, recolor(c, from, to)]);
    return node.map((v) => (typeof v === 'object' && v !== null ? dress(v, from, to, path) : v));
  }
  if (typeof node !== 'object' || node === null) return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (['x', 'y', 'z', 'text', 'customdata'].includes(k) && Array.isArray(v)) { out[k] = v; continue; }
    if (COLOR_KEY.test(k)) out[k] = recolor(v, from, to);
    else if (path === '.margin' && typeof v === 'number') out[k] = v * (to.room ? FONT_SCALE : 1) / (from.room ? FONT_SCALE : 1);
    else if (k in SIZE_KEYS && typeof v === 'number') {
      const f = path.endsWith('marker') && k === 'size' ? LINE_SCALE : SIZE_KEYS[k];
      out[k] = v * (to.room ? f : 1) / (from.room ? f : 1);
    } else out[k] = dress(v, from, to, `${path}.${k}`);
  }
  return out;
}

/** Colours Plotly would pick by itself are made explicit, so the dark look can swap them. */
function explicit(layout) {
  const out = { ...layout, paper_bgcolor: layout.paper_bgcolor ?? '#ffffff', plot_bgcolor: layout.plot_bgcolor ?? '#ffffff' };
  out.font = { size: 14, color: '#222', ...layout.font };
  for (const key of ['xaxis', 'yaxis']) {
    if (key in layout) out[key] = { gridcolor: '#eeeeee', linecolor: '#444444', zerolinecolor: '#444444', ...layout[key] };
  }
  if (layout.scene) { // 3D tick labels grow with the scene less than flat ones do
    out.scene = { ...layout.scene };
    for (const key of ['xaxis', 'yaxis', 'zaxis']) out.scene[key] = { tickfont: { size: 11 }, ...layout.scene[key] };
  }
  return out;
}

function dressFigure(data, layout, from, to) {
  return [dress(data ?? [], from, to), dress(explicit(layout ?? {}), from, to)];
}

const real = { newPlot: Plotly.newPlot, react: Plotly.react };
Plotly.newPlot = (gd, data, layout, config) => real.newPlot(gd, ...dressFigure(data, layout, BASE, look), config);
Plotly.react = (gd, data, layout, config) => real.react(gd, ...dressFigure(data, layout, BASE, look), config);

/** Switch the look: the page's classes, then every chart drawn so far, from its old look to the new. */
export function setLook({ room, dark }) {
  const next = { room: Boolean(room), dark: Boolean(dark) };
  if (next.room === look.room && next.dark === look.dark) return;
  const before = look;
  look = next;
  document.body.classList.toggle('projector', look.room);
  document.body.classList.toggle('dark', look.dark);
  document.documentElement.style.colorScheme = look.dark ? 'dark' : 'light';
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    if (!el.data) continue;
    real.react(el, ...dressFigure(el.data, el.layout, before, look), PLOT_CONFIG);
  }
  window.dispatchEvent(new Event('resize')); // the grid changed: responsive charts re-measure
}

export function toggleFullscreen() {
  if (document.fullscreenElement) return document.exitFullscreen();
  return document.documentElement.requestFullscreen?.().catch(() => null);
}
