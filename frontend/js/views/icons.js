// The player's play / pause icon as SVG: a font may lack ⏸ (U+23F8), and then it shows as a box.
const NS = 'http://www.w3.org/2000/svg';
const SHAPES = {
  play: [['path', { d: 'M3 1.5 L13 8 L3 14.5 Z' }]],
  pause: [['rect', { x: 3, y: 2, width: 3.5, height: 12 }], ['rect', { x: 9.5, y: 2, width: 3.5, height: 12 }]],
};

/** Draw ▶ (playing false) or ⏸ (playing true) into `svg`, at the size of the text around it. */
export function playIcon(svg, playing) {
  const name = playing ? 'pause' : 'play';
  if (svg.dataset.icon === name) return;
  svg.dataset.icon = name;
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.replaceChildren(...SHAPES[name].map(([tag, attrs]) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }));
}
