// Whether a view is in sight: enlarging another view (keys 1–4) hides it, and on a phone the page
// may have scrolled it away. Watched with an IntersectionObserver from the first question on.
const seen = new WeakMap();
const observer = new IntersectionObserver((entries) => entries.forEach((e) => seen.set(e.target, e.isIntersecting)));

/** False once the browser has said that `el` is out of sight; true until then. */
export function inSight(el) {
  if (!seen.has(el)) { seen.set(el, true); observer.observe(el); }
  return seen.get(el);
}
