// The page's own data set (kind "points") as one URL field, `pts`: "x_y~x_y~…" with numbers to 4
// significant digits, so a link carries up to SHORT points. A longer set does not fit a URL: it is
// kept in the tab's sessionStorage and the field holds its key ("s:<key>"), so the link still works
// in this tab (Back, reload) but not elsewhere. No DOM at import: tests run it in node.

export const SHORT = 300;  // points written into the URL itself
export const MAX = 10_000; // the API's limit for kind "points"
const PREFIX = 'gdviz-points-';

const num = (v) => String(Number(v.toPrecision(4)));
const storage = () => globalThis.sessionStorage ?? null;

/** {x, y} -> the `pts` field. */
export function encodePoints({ x, y }) {
  if (x.length <= SHORT) return x.map((xi, i) => `${num(xi)}_${num(y[i])}`).join('~');
  const text = JSON.stringify({ x, y });
  const key = hashOf(text);
  storage()?.setItem(PREFIX + key, text);
  return `s:${key}`;
}

/** The `pts` field -> {x, y}; empty arrays when it holds nothing readable. */
export function decodePoints(field) {
  if (!field) return { x: [], y: [] };
  if (field.startsWith('s:')) {
    try {
      const p = JSON.parse(storage()?.getItem(PREFIX + field.slice(2)) ?? 'null');
      if (Array.isArray(p?.x) && Array.isArray(p?.y)) return p;
    } catch { /* not ours */ }
    return { x: [], y: [] };
  }
  const x = [];
  const y = [];
  for (const pair of field.split('~')) {
    const [a, b] = pair.split('_').map(Number);
    if (Number.isFinite(a) && Number.isFinite(b)) { x.push(a); y.push(b); }
  }
  return { x, y };
}

/** A short stable key for a text (FNV-1a, 32 bits, base 36). */
function hashOf(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
