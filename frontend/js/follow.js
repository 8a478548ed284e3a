// Following a teacher's run (/?job=<id>): the job's settings shown read-only, its history so far and
// then its live events from the same stream the teacher's page reads. The player stays local.
import { FIELDS } from './state.js';

/** The job id a follower page follows, or null. */
export function followedJob(search = location.search) {
  return new URLSearchParams(search).get('job');
}

export async function getJob(id) {
  const res = await fetch(`/api/jobs/${encodeURIComponent(id)}`);
  if (!res.ok) throw new Error(res.status === 404 ? 'this run is no longer on the server' : `HTTP ${res.status}`);
  return res.json();
}

/** The page's settings for a job's config (docs/api.md), for the read-only form. */
export function stateFromConfig(config) {
  const state = {};
  const put = (k, v) => { if (k in FIELDS && v !== undefined) state[k] = v; };
  for (const [k, v] of Object.entries(config)) if (typeof v !== 'object' || v === null) put(k, v);
  put('init_w', config.init?.w ?? null);
  put('init_b', config.init?.b ?? null);
  const ds = config.dataset ?? {};
  put('data', ds.kind);
  if (ds.kind === 'builtin') put('builtin', ds.name);
  else if (ds.kind === 'upload') Object.assign(state, { upload: ds.id, col_x: ds.x, col_y: ds.y });
  else for (const k of ['x_start', 'x_stop', 'x_step', 'n', 'true_w', 'true_b', 'noise']) put(k, ds[k]);
  return state;
}

/** Read-only: every setting disabled, run buttons hidden, a badge saying whose run this is. */
export function markFollowing(label) {
  document.body.classList.add('following');
  for (const input of document.querySelectorAll('#controls input, #controls select, #run-buttons button')) input.disabled = true;
  const badge = document.getElementById('follow-badge');
  badge.textContent = `following ${label} — read-only`;
  badge.hidden = false;
}
