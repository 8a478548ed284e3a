// The backend, as docs/api.md describes it. Same origin only.

/** A 4xx/5xx answer. `detail` is FastAPI's: a string, or a list of {loc, msg, type}. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

async function request(method, url, body, headers = {}) {
  const init = { method, headers: { ...headers } };
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
/** The loss over (w, b) in `window` ({w_min, …}; null: the server's); `slice` {axes: [x, y], at_epoch}:
 *  a slice through two other parameters, the rest at their values after epoch `at_epoch`. */
export function getSurface(id, window, slice = null, resolution = 60) {
  const q = new URLSearchParams({ resolution: String(resolution) });
  if (slice) {
    q.set('x_param', slice.axes[0]);
    q.set('y_param', slice.axes[1]);
    q.set('at_epoch', String(slice.at_epoch));
    if (window) for (const [k, wb] of [['x_min', 'w_min'], ['x_max', 'w_max'], ['y_min', 'b_min'], ['y_max', 'b_max']]) q.set(k, String(window[wb]));
  } else if (window) for (const k of ['w_min', 'w_max', 'b_min', 'b_max']) q.set(k, String(window[k]));
  return request('GET', `${job(id)}/surface?${q}`);
}

/** A network's loss over a plane through its parameters: `plane` 'pca' or 'random', `through` its
 *  origin, 'final' (the last epoch's parameters) or 'start' (docs/api.md). */
export function getPlane(id, plane, through = 'final', resolution = 41) {
  const q = new URLSearchParams({ plane, through, resolution: String(resolution) });
  return request('GET', `${job(id)}/surface?${q}`);
}

// ---- classroom rooms (docs/api.md, "Rooms"): `key` is the teacher key, sent only by the teacher's page
const room = (code) => `/api/rooms/${encodeURIComponent(code)}`;
const bearer = (key) => ({ Authorization: `Bearer ${key}` });
export const createRoom = () => request('POST', '/api/rooms');
export const getRoom = (code) => request('GET', room(code));
export const getRoomShare = (code) => request('GET', `${room(code)}/share`);
export const setRoomRun = (code, key, run) => request('PUT', `${room(code)}/job`, run, bearer(key));
export const setRoomPlayer = (code, key, player) => request('PUT', `${room(code)}/player`, player, bearer(key));
export const askQuestion = (code, key, question) => request('POST', `${room(code)}/questions`, question, bearer(key));
/** The question as its teacher sees it: with its right answer and its why. */
export const getQuestion = (code, key, qid) => request('GET', `${room(code)}/questions/${qid}`, undefined, bearer(key));
export const revealQuestion = (code, key, qid) => request('POST', `${room(code)}/questions/${qid}/reveal`, undefined, bearer(key));
export const closeQuestion = (code, key, qid) => request('POST', `${room(code)}/questions/${qid}/close`, undefined, bearer(key));
export const answerQuestion = (code, qid, answer) => request('POST', `${room(code)}/questions/${qid}/answers`, answer);
export const shareRun = (code, run) => request('POST', `${room(code)}/runs`, run);
export const getSharedRuns = (code, key) => request('GET', `${room(code)}/runs`, undefined, bearer(key));
export const revoteQuestion = (code, key, qid) => request('POST', `${room(code)}/questions/${qid}/revote`, undefined, bearer(key));
/** The room's lesson: {id} of the server's, or {lesson} a file's. */
export const putRoomLesson = (code, key, choice) => request('PUT', `${room(code)}/lesson`, choice, bearer(key));

/** The server's lessons: {lessons: [{id, title, steps}]}; one without its answers; a file checked. */
export const getLessons = () => request('GET', '/api/lessons');
export const getLesson = (id) => request('GET', `/api/lessons/${encodeURIComponent(id)}`);
export const checkLesson = (lesson) => request('POST', '/api/lessons/check', lesson);

// ---- the page's one stream: the runs it shows, and its room
const follows = new Map(); // job id -> {isCurrent, handlers, seen: the last event id delivered}
const STREAM_EVENTS = ['meta', 'epoch', 'step', 'change', 'done'];
const ROOM_EVENTS = ['room', 'run', 'player', 'question', 'answers', 'reveal', 'close', 'runs', 'closed']; // closed: its last
const ROOM = Symbol('room'); // whose events come next, when they are the room's
let roomFollow = null;
const JOINED_WITHIN_MS = 30; // the compared runs' jobs, created one after another, join one reconnect
let source = null;
let reconnectTimer = 0;
let failures = 0;

/**
 * Follow a job's event stream. Handlers get parsed JSON: meta, epoch, step, change, done, error(message).
 * `isCurrent()` is the generation check: once it answers false (the user started another run) the
 * job is dropped and nothing more is delivered. Returns a function that stops following it.
 *
 * Every job the page follows shares one EventSource (GET /api/streams?jobs=…, docs/api.md): a
 * browser opens at most six connections to a site across all its tabs, and a race of four runs on
 * four streams leaves a second tab almost none. Following another job reopens that one stream,
 * resuming every job after the last event delivered, so nothing is lost or delivered twice.
 */
export function openStream(id, isCurrent, handlers) {
  const follow = { isCurrent, handlers, seen: 0 };
  follows.set(id, follow);
  reconnectSoon();
  return () => unfollow(id, follow);
}

/** The room's events on the page's one stream: a `room` snapshot, then its changes, dispatched as
 * MessageEvents; `onopen`, `onerror`, `readyState` and `close()` as an EventSource's. */
class RoomFollow extends EventTarget {
  constructor(code) {
    super();
    this.code = code;
    this.seen = 0; // the room's last event id delivered: a reconnect resumes after it
    this.readyState = EventSource.CONNECTING;
    this.onopen = null;
    this.onerror = null;
  }

  close() {
    if (roomFollow !== this) return;
    roomFollow = null;
    this.readyState = EventSource.CLOSED;
    if (!follows.size && source) { source.close(); source = null; }
  }

  deliver(name, ev) {
    const n = Number(ev.lastEventId);
    if (name !== 'room' && n <= this.seen) return; // delivered before a reconnect
    this.seen = n;
    failures = 0;
    this.dispatchEvent(new MessageEvent(name, { data: ev.data, lastEventId: ev.lastEventId }));
    if (name === 'closed') this.close(); // the class has ended: nothing to reconnect to
  }

  status(readyState) {
    this.readyState = readyState;
    (readyState === EventSource.OPEN ? this.onopen : this.onerror)?.();
  }
}

/** Follow classroom room `code` on the page's one stream, beside its runs. */
export function followRoom(code) {
  roomFollow?.close();
  roomFollow = new RoomFollow(code);
  reconnectSoon();
  return roomFollow;
}

function reconnectSoon(delay = source ? JOINED_WITHIN_MS : 0) {
  if (!reconnectTimer) reconnectTimer = setTimeout(connect, delay);
}

function connect() {
  reconnectTimer = 0;
  source?.close();
  source = null;
  for (const [id, follow] of follows) if (!follow.isCurrent()) follows.delete(id);
  if (!follows.size && !roomFollow) return;
  const query = new URLSearchParams();
  if (follows.size) query.set('jobs', [...follows.keys()].join(','));
  if (roomFollow) query.set('room', roomFollow.code);
  const after = [...follows].filter(([, f]) => f.seen).map(([id, f]) => `${id}=${f.seen}`);
  if (roomFollow?.seen) after.push(`room=${roomFollow.seen}`);
  if (after.length) query.set('after', after.join('.'));
  const es = new EventSource(`/api/streams?${query}`);
  source = es;
  let job = null; // whose events come next: each batch is headed by a `job` (or `from-room`) event
  es.addEventListener('job', (ev) => { job = ev.data; });
  es.addEventListener('from-room', () => { job = ROOM; });
  for (const name of STREAM_EVENTS) es.addEventListener(name, (ev) => deliver(job, name, ev));
  es.addEventListener('gone', (ev) => lose(job, ev)); // the server's store lost the job
  for (const name of ROOM_EVENTS) es.addEventListener(name, (ev) => { if (job === ROOM) roomFollow?.deliver(name, ev); });
  es.onopen = () => { if (es === source) roomFollow?.status(EventSource.OPEN); };
  // Reconnect by ourselves, from what was delivered, rather than let EventSource resume from the
  // last id it read; give up after a few failures in a row, or at once when the server refuses.
  es.onerror = () => {
    if (es !== source) return;
    const refused = es.readyState === EventSource.CLOSED;
    es.close();
    source = null;
    failures += 1;
    const roomRefused = refused && !follows.size; // only the room was asked for: it has ended
    if (refused || failures >= 3) {
      const lost = [...follows.values()];
      follows.clear();
      failures = 0;
      for (const follow of lost) if (follow.isCurrent()) follow.handlers.error?.('lost the connection to the server');
    }
    if (roomFollow) {
      const room = roomFollow;
      if (roomRefused) { roomFollow = null; room.status(EventSource.CLOSED); return; }
      room.status(EventSource.CONNECTING);
    }
    if (follows.size || roomFollow) reconnectSoon(Math.min(500 * Math.max(failures, 1), 5000));
  };
}

function deliver(id, name, ev) {
  const follow = follows.get(id);
  if (!follow) return; // a job nobody follows any more
  if (!follow.isCurrent()) { unfollow(id, follow); return; }
  const n = Number(ev.lastEventId); // the job's own event id
  if (n <= follow.seen) return; // delivered before a reconnect
  follow.seen = n;
  failures = 0;
  const data = JSON.parse(ev.data);
  if (name === 'done') { unfollow(id, follow); follow.handlers.done(data); }
  else if (name === 'step' || name === 'change') follow.handlers[name]?.(data);
  else follow.handlers[name](data);
}

/** A job the server lost before its end (docs/api.md, `gone`): an error for whoever follows it. */
function lose(id, ev) {
  const follow = follows.get(id);
  if (!follow) return;
  unfollow(id, follow);
  if (follow.isCurrent()) follow.handlers.error?.(JSON.parse(ev.data).reason);
}

function unfollow(id, follow) {
  if (follows.get(id) !== follow) return;
  follows.delete(id);
  if (!follows.size && !roomFollow && source) { source.close(); source = null; }
}
