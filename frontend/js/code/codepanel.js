// The code panel: the shown run's standalone PyTorch script (GET /api/jobs/{id}/code?format=json),
// highlighted, with copy and download; explain mode marks a phase's lines in it. Open or closed is
// the store's `code` setting (so a link can open it).
import { highlight } from './highlight.js';
import { getCode } from '../core/api.js';
import { save } from '../core/download.js';
import { t } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const panel = $('code-panel');
const codeEl = $('code-text');
const statusEl = $('code-status');
let code = null;      // {script, filename, phases} of jobId
let jobId = null;
let loading = null;   // the id being fetched
let marked = [];
let store = null;

/** Open or close the panel (`open` forces a state). */
export function toggleCodePanel(open = panel.hidden) {
  store.set({ code: open });
}

/** Show the panel as the store says, from now on; answers the toggle (C key). */
export function installCodePanel(theStore) {
  store = theStore;
  store.subscribe((state, changed) => { if (changed.has('code')) showPanel(state.code); });
  if (store.get().code) showPanel(true);
  $('code-toggle').addEventListener('click', () => toggleCodePanel());
  $('code-close').addEventListener('click', () => toggleCodePanel(false));
  $('code-copy').addEventListener('click', copy);
  $('code-download').addEventListener('click', download);
  return () => toggleCodePanel();
}

function showPanel(open) {
  panel.hidden = !open;
  document.getElementById('app').classList.toggle('code-open', open);
  $('code-toggle')?.setAttribute('aria-pressed', String(open));
  window.dispatchEvent(new Event('resize')); // the charts are responsive to window resizes only
  if (open) load();
  panel.dispatchEvent(new Event('code-toggled'));
}

export const isCodeOpen = () => !panel.hidden;
export const currentCode = () => code;

/** The run whose code is shown; fetched only while the panel is open. */
export function setCodeJob(id) {
  if (id === jobId) return;
  jobId = id;
  code = null;
  marked = [];
  codeEl.replaceChildren();
  panel.dataset.job = id ?? '';
  panel.dataset.state = 'empty';
  $('code-filename').textContent = '';
  if (!panel.hidden) load();
}

async function load() {
  if (!jobId || code?.id === jobId || loading === jobId) return;
  const id = jobId;
  loading = id;
  panel.dataset.state = 'loading';
  try {
    const got = await getCode(id);
    if (id !== jobId) return;
    code = { ...got, id };
    codeEl.replaceChildren(highlight(code.script));
    $('code-filename').textContent = code.filename;
    $('code-filename').title = code.filename;
    panel.dataset.state = 'ready';
    markLines(marked);
    panel.dispatchEvent(new Event('code-loaded'));
  } catch (err) {
    if (id === jobId) { panel.dataset.state = 'error'; say(t('code.loadFailed', { error: err.message })); }
  } finally {
    if (loading === id) loading = null;
  }
}

/** Highlight these 1-based line numbers (and scroll the first into view). */
export function markLines(lines) {
  marked = lines;
  for (const el of codeEl.querySelectorAll('.line.hl')) el.classList.remove('hl');
  const els = lines.map((n) => codeEl.querySelector(`.line[data-line="${n}"]`)).filter(Boolean);
  for (const el of els) el.classList.add('hl');
  panel.dataset.marked = lines.join(',');
  if (els.length) {
    const box = $('code-scroll');
    const at = box.getBoundingClientRect().top - box.scrollTop;
    const top = els[0].getBoundingClientRect().top - at;
    const bottom = els.at(-1).getBoundingClientRect().bottom - at;
    if (top < box.scrollTop || bottom > box.scrollTop + box.clientHeight) {
      box.scrollTo({ top: Math.max(0, (top + bottom - box.clientHeight) / 2) });
    }
  }
}

function say(text) {
  statusEl.textContent = text;
  clearTimeout(say.timer);
  if (text) say.timer = setTimeout(() => { statusEl.textContent = ''; }, 2500);
}

async function copy() {
  if (!code) return;
  try {
    await navigator.clipboard.writeText(code.script);
  } catch {
    // no clipboard API (plain http on a LAN address) or no permission: a selected textarea
    const area = Object.assign(document.createElement('textarea'), { value: code.script, readOnly: true });
    area.style.cssText = 'position:fixed;left:-9999px;top:0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    if (!ok) { say(t('code.copyFailed')); return; }
  }
  say(t('code.copied'));
}

function download() {
  if (code) save(new Blob([code.script], { type: 'text/x-python' }), code.filename);
}
