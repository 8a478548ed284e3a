// What the settings form refuses and how it says it: a field's text that makes no value, its bounds
// in words, the server's 422 items in the page's language, and which field a 422's `loc` names.
// No DOM: the tests call these in node.
import { t, has, currentLang } from '../i18n/i18n.js';

// What the form says when it refuses a field (checkInput) or a combination (refusals).
export const SAY = {
  comma: (fixed) => t('say.comma', { fixed }),
  empty: (bounds) => (bounds ? t('say.emptyBounds', { bounds }) : t('say.empty')),
  notNumber: (raw, example) => t('say.notNumber', { raw, example }),
  whole: (example) => t('say.whole', { example }),
  bounds: (bounds) => t('say.bounds', { bounds }),
  get bothOrNeither() { return t('say.bothOrNeither'); },
  get chooseCsv() { return t('say.chooseCsv'); },
};

/** Why the text `raw` of field `field` (a Settings field) makes no value; null when it does. */
export function checkInput(field, raw) {
  const text = String(raw).trim();
  const bounds = boundsText(field);
  if (text === '') return field.type === 'num?' ? null : SAY.empty(bounds);
  const v = Number(text);
  if (!Number.isFinite(v)) {
    const fixed = text.replace(',', '.');
    if (text.includes(',') && Number.isFinite(Number(fixed))) return SAY.comma(fixed);
    return SAY.notNumber(text, field.default ?? 1);
  }
  if (field.integer && !Number.isInteger(v)) return SAY.whole(field.default ?? 1);
  const low = field.min !== undefined && (field.minExclusive ? v <= field.min : v < field.min);
  const high = field.max !== undefined && (field.maxExclusive ? v >= field.max : v > field.max);
  return low || high ? SAY.bounds(bounds) : null;
}

/** A field's bounds in words, as the schema gives them: "> 0, ≤ 100". */
export function boundsText({ min, max, minExclusive, maxExclusive }) {
  const parts = [];
  if (min !== undefined) parts.push(`${minExclusive ? '>' : '≥'} ${min}`);
  if (max !== undefined) parts.push(`${maxExclusive ? '<' : '≤'} ${max}`);
  return parts.join(', ');
}

const BOUNDS = { greater_than_equal: ['≥', 'ge'], greater_than: ['>', 'gt'], less_than_equal: ['≤', 'le'], less_than: ['<', 'lt'] };

/** A 422 item of the server's in the page's language: a bound, a missing field or a refusal the server
 *  names (its `ctx.reason`, with its figures) in the catalogue's words (say.<reason>); anything else,
 *  and everything in English, in the server's own. */
export function serverSays({ type, ctx = {}, msg }, lang = currentLang()) {
  if (lang === 'en') return msg;
  const [sign, key] = BOUNDS[type] ?? [];
  if (sign && ctx[key] !== undefined) return SAY.bounds(`${sign} ${ctx[key]}`);
  if (type === 'missing') return t('say.missing');
  if (ctx.reason && has(`say.${ctx.reason}`)) {
    const figures = Object.fromEntries(Object.entries(ctx).map(([k, v]) => [k, Number.isInteger(v) ? v.toLocaleString('en') : v]));
    return t(`say.${ctx.reason}`, figures);
  }
  return msg;
}

/** ["body", "dataset", "synthetic", "noise"] -> "noise"; ["body", "init", "w"] -> "init_w"; unknown -> null. */
export function fieldOf(loc, settings) {
  const path = loc.filter((p) => p !== 'body' && typeof p === 'string');
  if (!path.length) return null;
  const last = path[path.length - 1];
  if (path[0] === 'init') return path.length > 1 ? `init_${last}` : 'init_w';
  if (path[0] === 'dataset') {
    if (last === 'x' || last === 'y') return `col_${last}`;
    if (last === 'name') return 'builtin';
    if (last === 'id') return 'upload';
    if (last === 'kind' || last === 'dataset') return 'data';
    return settings.has(last) ? last : 'data';
  }
  return settings.has(last) ? last : null;
}
