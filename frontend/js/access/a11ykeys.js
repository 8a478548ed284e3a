// Key paths for what only the mouse did: Plotly's mode bars leave the tab order (the Tab key goes
// from the settings to the views' own buttons and on to the player), and the contour view takes
// a start point from the arrow keys: focus the chart, move the cross, Enter starts a run there.
import { announce } from './announce.js';
import { fmt } from '../core/format.js';
import { t } from '../i18n/i18n.js';

const SAY_MS = 600; // the cross's position is said once the arrows rest this long

/** Every Plotly mode-bar button under `root`, now and later, out of the tab order. */
export function untabModebars(root) {
  const untab = () => {
    for (const b of root.querySelectorAll('.modebar-btn:not([tabindex="-1"])')) b.tabIndex = -1;
  };
  new MutationObserver(untab).observe(root, { childList: true, subtree: true });
  untab();
}

/** The contour view as a keyboard start-point picker; `pick({w, b})` starts a run there. */
export class ContourKeys {
  constructor(contour, pick) {
    Object.assign(this, { contour, pick, at: null });
    const el = contour.el;
    el.tabIndex = 0;
    el.setAttribute('aria-keyshortcuts', 'ArrowUp ArrowDown ArrowLeft ArrowRight Enter');
    el.setAttribute('aria-roledescription', 'start-point picker');
    this.cross = Object.assign(document.createElement('div'), { className: 'pick-cross', hidden: true });
    this.label = Object.assign(document.createElement('span'), { className: 'pick-label' });
    this.cross.append(this.label);
    el.addEventListener('keydown', (ev) => this.key(ev));
    el.addEventListener('blur', () => { this.cross.hidden = true; this.at = null; });
    el.on('plotly_afterplot', () => this.place());
  }

  /** The window's axes: [w0, w1], [b0, b1]; null before the first surface. */
  ranges() {
    const fl = this.contour.el._fullLayout;
    return fl?.xaxis?._length ? [fl.xaxis.range, fl.yaxis.range, fl] : null;
  }

  key(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const r = this.ranges();
    if (!r) return;
    const [[w0, w1], [b0, b1]] = r;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (ev.key in moves) {
      if (!this.at) this.at = this.startPoint(r);
      const f = ev.shiftKey ? 0.1 : 0.02;
      const [dx, dy] = moves[ev.key];
      this.at = { w: clamp(this.at.w + dx * f * (w1 - w0), w0, w1), b: clamp(this.at.b + dy * f * (b1 - b0), b0, b1) };
      this.place();
      const { w, b } = this.at;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => announce(t('a11y.startPoint', { w: fmt(w, 3), b: fmt(b, 3) })), SAY_MS);
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      if (!this.at) return;
      const at = this.at;
      clearTimeout(this.timer);
      this.at = null;
      this.cross.hidden = true;
      this.pick(at);
    } else if (ev.key === 'Escape' && this.at) {
      this.at = null;
      this.cross.hidden = true;
    } else return;
    ev.preventDefault(); // the page's own keys (step, play) stay out of it
    ev.stopPropagation();
  }

  /** Where the cross first appears: the shown run's start, inside the window; else the middle. */
  startPoint([[w0, w1], [b0, b1]]) {
    const s = this.contour.shown?.[0]?.[0]?.meta?.start; // shown: [runs, k]
    if (s && s.w >= Math.min(w0, w1) && s.w <= Math.max(w0, w1) && s.b >= Math.min(b0, b1) && s.b <= Math.max(b0, b1)) return { ...s };
    return { w: (w0 + w1) / 2, b: (b0 + b1) / 2 };
  }

  place() {
    const r = this.ranges();
    if (!this.at || !r) { this.cross.hidden = true; return; }
    const [[w0, w1], [b0, b1], fl] = r;
    if (this.cross.parentNode !== this.contour.el) this.contour.el.append(this.cross);
    const x = fl.xaxis._offset + ((this.at.w - w0) / (w1 - w0)) * fl.xaxis._length;
    const y = fl.yaxis._offset + (1 - (this.at.b - b0) / (b1 - b0)) * fl.yaxis._length;
    Object.assign(this.cross.style, { left: `${x}px`, top: `${y}px` });
    this.label.textContent = `w ${fmt(this.at.w, 3)}, b ${fmt(this.at.b, 3)} · Enter`; // symbols: every language
    this.cross.classList.toggle('left', x > fl.xaxis._offset + fl.xaxis._length * 0.6);
    this.cross.hidden = false;
    this.contour.el.dataset.pick = `${this.at.w},${this.at.b}`;
  }
}

const clamp = (v, lo, hi) => Math.max(Math.min(lo, hi), Math.min(Math.max(lo, hi), v));
