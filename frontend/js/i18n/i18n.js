// The page's words. One catalogue per language (i18n/en.js, i18n/ko.js: key -> text with {params}),
// `t(key, params)` to look one up, and `translate()` for the elements that name their key
// (data-i18n="key" for the text, data-i18n-title / -aria-label / -placeholder / -alt for an attribute),
// so a language change re-fills them in place: no reload, the run goes on.
import en from './en.js';
import ko from './ko.js';

export const CATALOGUES = { en, ko };
export const LANGS = { en: 'English', ko: '한국어' }; // each in its own language
export const HANGUL_FONT = 'gdviz Hangul'; // shipped with the page (css/fonts.css)
const ATTRS = ['title', 'aria-label', 'placeholder', 'alt'];
const listeners = [];
let lang = 'en';

export const currentLang = () => lang;

/** Whether the catalogues have `key` (for words that come from data, like a data set's title). */
export const has = (key) => key in en;

/** The text of `key` in the current language, {name} replaced by params.name. */
export function t(key, params = {}) {
  const text = CATALOGUES[lang][key] ?? en[key];
  if (text === undefined) throw new Error(`no message ${key}`);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Give `el` its text (key) and attributes ({title: key, …}) and remember the keys for a language change. */
export function tr(el, key, attrs = {}) {
  if (key) { el.dataset.i18n = key; el.textContent = t(key); }
  for (const [attr, k] of Object.entries(attrs)) {
    el.setAttribute(`data-i18n-${attr}`, k);
    el.setAttribute(attr, t(k));
  }
  return el;
}

/** Fill every element under `root` that names a key. */
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ATTRS) {
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
  }
}

/** Switch to `next` (unknown: English; at start too): the page's words now, then whoever listens (charts, form). */
export function setLang(next) {
  lang = next in CATALOGUES ? next : 'en';
  document.documentElement.lang = lang;
  translate();
  for (const f of listeners) f(lang);
  // canvases (the 3D view's titles) draw with what is loaded: once the Hangul font is, draw again
  if (lang !== 'en') document.fonts?.load(`16px "${HANGUL_FONT}"`, '가').then(() => { for (const f of listeners) f(lang); });
}

/** Call `f(lang)` after every language change. */
export const onLang = (f) => listeners.push(f);

/** The language a link asks for (#…&lang=ko), before the page's state exists. */
export const linkLang = (hash = location.hash) => new URLSearchParams(hash.replace(/^#/, '')).get('lang') ?? 'en';
