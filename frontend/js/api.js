// The backend, as docs/api.md describes it. Same origin only.

/** A 4xx/5xx answer. `detail` is FastAPI's: a string, or a list of {loc, msg, type}. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

async function request(method, url, body) {
  const init = { method, headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, `cannot reach the server (${err.message})`);
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, json?.detail ?? (text || res.statusText));
  return json;
}

const job = (id) => `/api/jobs/${encodeURIComponent(id)}`;

/** The job config's JSON schema, each optimizer's knobs and each mode's optimizers. */
export const getSchema = () => request('GET', '/api/schema');
export const createJob = (config) => request('POST', '/api/jobs', config);
export const getJob = (id) => request('GET', job(id));
/** The job's standalone script: {script, filename, phases}. */
export const getCode = (id) => request('GET', `${job(id)}/code?format=json`);
/** The follow-along link and its QR code: {url, qr_svg}. */
export const getShare = (id) => request('GET', `${job(id)}/share`);
export const cancelJob = (id) => request('DELETE', job(id)).catch(() => null);
/** A live change of a running job: {lr, ...knobs} -> {epoch: first epoch using it, ...values}; 409 when it cannot. */
export const changeJob = (id, values) => request('PATCH', job(id), values);
/** Final results of one config over several rates: {results: [{lr, status, epochs, loss, w, b}]}. */
export const sweep = (config, lrs) => request('POST', '/api/sweeps', { config, lrs });
export const getDatasets = () => request('GET', '/api/datasets');

export function uploadCsv(file) {
  const form = new FormData();
  form.append('file', file, file.name);
  return request('POST', '/api/datasets', form);
}

/** The loss over a (w, b) grid; `window` is {w_min, w_max, b_min, b_max} or null for the server's default. */
export function getSurface(id, window, resolution = 60) {
  const q = new URLSearchParams({ resolution: String(resolution) });
  if (window) for (const k of ['w_min', 'w_max', 'b_min', 'b_max']) q.set(k, String(window[k]));
  return request('GET', `${job(id)}/surface?${q}`);
}

/**
 * Follow a job's event stream. Handlers get parsed JSON: meta, epoch, step, change, done, error(message).
 * `isCurrent()` is the generation check: once it answers false (the user started another run) the
 * stream closes and nothing more is delivered. Returns a function that closes the stream.
 */
export function openStream(id, isCurrent, handlers) {
  const es = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
  let finished = false;
  let failures = 0;
  const close = () => { finished = true; es.close(); };
  const on = (name, fn) => es.addEventListener(name, (ev) => {
    if (finished) return;
    if (!isCurrent()) { close(); return; }
    failures = 0;
    fn(JSON.parse(ev.data));
  });
  on('meta', (d) => handlers.meta(d));
  on('epoch', (d) => handlers.epoch(d));
  on('step', (d) => handlers.step?.(d));
  on('change', (d) => handlers.change?.(d));
  on('done', (d) => { close(); handlers.done(d); });
  // EventSource reconnects by itself, sending Last-Event-ID; give up after a few failures in a row.
  es.onerror = () => {
    if (finished) return;
    if (!isCurrent()) { close(); return; }
    failures += 1;
    if (es.readyState === EventSource.CLOSED || failures >= 3) {
      close();
      handlers.error?.('lost the connection to the server');
    }
  };
  return close;
}
