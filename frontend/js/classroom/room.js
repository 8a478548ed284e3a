// A class in a room (docs/api.md, "Rooms"). The teacher's page opens it (Share → Start a class),
// and from then on tells the room what it shows: its runs, races and lesson steps, its player, its
// questions. A student's page (/?room=CODE) follows the room's stream: the teacher's runs, the
// teacher's player unless the student goes at their own pace, and each question to answer before
// the run. The teacher key stays in the teacher's tab (sessionStorage), never in a link.
//
// Everything it touches is handed in (`deps`): the API, the store, the player, the runs, the
// contour and the page's follow/banner hooks. Text from the room (prompts, choices, names) is
// only ever set as textContent.
import { onKey } from '../core/keys.js';
import { STEPS } from './lesson-text.js';
import { showFocus } from './presenter.js';
import { t, tr } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};
const TEACHING = 'gdviz-teaching'; // sessionStorage: {code, key} of the class this tab teaches
const STUDENT = 'gdviz-student';   // localStorage: this browser's anonymous id
const NAME = 'gdviz-name';         // localStorage: the optional display name
const LETTERS = 'ABCDEFGH';

/** The room code of a student's page (/?room=CODE), or null. */
export function roomCode(search = location.search) {
  return new URLSearchParams(search).get('room')?.toUpperCase() ?? null;
}

function studentId() {
  let id = localStorage.getItem(STUDENT);
  if (!id) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(9)), (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(STUDENT, id);
  }
  return id;
}

/** The question card both sides show: the prompt, the choices (answer buttons for a student), the
 *  count while it is open, and the distribution once revealed. */
class QuestionCard {
  constructor({ teacher, onChoice }) {
    this.box = $('room-question');
    this.teacher = teacher;
    this.onChoice = onChoice;
    this.q = null;
    this.mine = null; // this student's answer: a choice index or [w, b]
  }

  show(q) {
    if (!q) {
      this.box.hidden = true;
      this.q = null;
      document.body.classList.remove('predicting', 'has-question');
      return;
    }
    if (q.id !== this.q?.id) {
      this.mine = null;
      this.q = null;
      if (q.kind === 'point') showFocus('contour'); // where the predictions go
    }
    this.q = { ...this.q, ...q };
    this.render();
  }

  count(n) { if (this.q) { this.q.answers = n; $('room-count').textContent = this.countText(); } }

  countText() {
    const n = this.q.answers;
    return n === 1 ? t('room.answer') : t('room.answers', { n });
  }

  render() {
    const q = this.q;
    this.box.hidden = false;
    if (!document.body.classList.contains('has-question')) {
      document.body.classList.add('has-question');
      window.dispatchEvent(new Event('resize')); // the charts take the room the card leaves
    }
    document.body.classList.toggle('predicting', !q.revealed); // no spoiler: the run waits for the reveal
    Object.assign(this.box.dataset, { kind: q.kind, revealed: String(q.revealed), question: String(q.id) });
    $('room-prompt').textContent = q.prompt;
    $('room-count').textContent = this.countText();
    const list = $('room-choices');
    if (q.kind === 'choice') {
      const total = Math.max(1, q.answers);
      list.replaceChildren(...q.choices.map((text, i) => {
        const bar = el('span', { className: 'bar' });
        const label = el('span', { className: 'label' }, el('b', { textContent: `${LETTERS[i]} ` }), text);
        const item = this.teacher || q.revealed
          ? el('div', { className: 'choice' }, label)
          : el('button', { type: 'button', className: 'choice', onclick: () => this.onChoice(i) }, label);
        item.dataset.choice = String(i);
        if (this.mine === i) item.classList.add('mine');
        if (q.counts && q.revealed) {
          bar.style.width = `${(100 * q.counts[i]) / total}%`;
          item.append(bar, el('span', { className: 'n', textContent: String(q.counts[i]) }));
        }
        return item;
      }));
    } else {
      list.replaceChildren(el('p', { className: 'hint', textContent: this.teacher ? t('room.teacherPointHint')
        : (this.mine ? t('room.yourPrediction', { w: this.mine[0].toFixed(2), b: this.mine[1].toFixed(2) }) : t('room.clickToPredict')) }));
    }
    $('room-why').hidden = !q.revealed;
    $('room-why').textContent = q.why ?? t('room.why');
    $('room-reveal').hidden = !this.teacher || q.revealed;
    $('room-run-it').hidden = !this.teacher || !q.revealed;
    $('room-mine').textContent = !this.teacher && this.mine !== null && !q.revealed ? t('room.answerSent') : '';
  }
}

/** The teacher's side: open (or resume) a class and tell it everything the page shows. */
export class TeacherRoom {
  constructor({ api, store, player, runs, contour, banner }) {
    Object.assign(this, { api, store, player, runs, contour, banner });
    this.room = null;
    this.sentPlayer = null;
    this.playerTimer = 0;
    this.card = new QuestionCard({ teacher: true });
    this.readyQuestions = null;
  }

  /** Resume the class this tab opened (after a reload), if it is still open. */
  async resume() {
    const saved = JSON.parse(sessionStorage.getItem(TEACHING) ?? 'null');
    if (!saved) return;
    try {
      const state = await this.api.getRoom(saved.code);
      this.begin(saved, state);
    } catch { sessionStorage.removeItem(TEACHING); }
  }

  async start() {
    if (this.room) return this.room;
    const made = await this.api.createRoom();
    const saved = { code: made.code, key: made.teacher_key };
    sessionStorage.setItem(TEACHING, JSON.stringify(saved));
    this.begin(saved, null);
    this.showRun(this.player.runs.map((r) => r.id));
    return this.room;
  }

  begin(saved, state) {
    this.room = saved;
    document.body.classList.add('teaching');
    $('room-bar').hidden = false;
    $('room-code').textContent = saved.code;
    tr($('room-role'), 'room.class');
    $('room-teacher').hidden = false;
    this.stream = this.api.followRoom(saved.code);
    this.stream.addEventListener('room', (ev) => {
      const s = JSON.parse(ev.data);
      this.card.show(s.question);
      $('room-runs-count').textContent = String(s.shared_runs);
    });
    this.stream.addEventListener('question', (ev) => this.card.show(JSON.parse(ev.data)));
    this.stream.addEventListener('answers', (ev) => {
      const a = JSON.parse(ev.data);
      if (a.question === this.card.q?.id) this.card.count(a.answers);
    });
    this.stream.addEventListener('reveal', (ev) => this.reveal(JSON.parse(ev.data)));
    this.stream.addEventListener('runs', (ev) => { $('room-runs-count').textContent = String(JSON.parse(ev.data).runs); });
    if (state?.question) this.card.show(state.question);
  }

  key() { return this.room.key; }

  /** The runs on screen (a single run or a race), with the lesson step if one is open. */
  showRun(ids) {
    if (!this.room || !ids.length || ids.some((id) => !id)) return; // a race: once all its jobs exist
    const step = this.store.get().lesson || null;
    this.api.setRoomRun(this.room.code, this.key(), { job: ids[0], race: ids.slice(1), step })
      .catch((err) => this.banner(t('room.error', { error: err.message }), 'error'));
    this.contour.setPredictions(this.card.q?.kind === 'point' && this.card.q.revealed ? this.card.q.points : []);
  }

  /** Called on every frame drawn: tells the class when the teacher plays, pauses, seeks or changes speed. */
  syncPlayer(p) {
    if (!this.room) return;
    const speed = p.speed === 'live' ? 64 : Number(p.speed);
    const now = { epoch: p.epoch, playing: p.playing, speed };
    const last = this.sentPlayer;
    const changed = !last || last.playing !== now.playing || last.speed !== now.speed
      || (!now.playing && last.epoch !== now.epoch);
    if (!changed) return;
    this.sentPlayer = now;
    clearTimeout(this.playerTimer);
    this.playerTimer = setTimeout(() => {
      this.api.setRoomPlayer(this.room.code, this.key(), this.sentPlayer).catch(() => {});
    }, 120);
  }

  /** Ask the open lesson step's ready question (in the lesson's language), or the one typed in. */
  async ask() {
    if (!this.room) await this.start();
    this.player.reset(); // the class sees the start only: the run plays after the reveal
    const { lesson, lang } = this.store.get();
    if (lesson) {
      this.readyQuestions ??= (await this.api.getLessonQuestions()).steps;
      const ready = this.readyQuestions[lesson - 1];
      const text = ready[lang === 'ko' ? 'ko' : 'en'];
      const body = { kind: ready.kind, prompt: text.prompt, why: text.why, step: lesson, ...(ready.kind === 'choice' ? { choices: text.choices } : {}) };
      await this.api.askQuestion(this.room.code, this.key(), body);
    } else $('ask').showModal();
  }

  async askTyped(form) {
    const kind = form.kind.value;
    const choices = form.choices.value.split('\n').map((c) => c.trim()).filter(Boolean);
    const body = { kind, prompt: form.prompt.value.trim(), ...(kind === 'choice' ? { choices } : {}) };
    this.player.reset();
    await this.api.askQuestion(this.room.code, this.key(), body);
  }

  /** After the reveal: the run plays from its start, over the predictions, on every screen. */
  runIt() {
    this.player.seek(0);
    this.player.play();
  }

  async revealNow() {
    if (this.card.q) await this.api.revealQuestion(this.room.code, this.key(), this.card.q.id);
  }

  reveal(q) {
    this.card.show(q);
    if (q.kind === 'point') this.contour.setPredictions(q.points);
  }

  async listRuns() {
    const { runs } = await this.api.getSharedRuns(this.room.code, this.key());
    $('room-runs-list').replaceChildren(...runs.map((r, i) => el('li', {},
      el('span', { textContent: r.name || t('room.student', { n: i + 1 }) }), ' ',
      tr(el('button', { type: 'button', onclick: () => this.showStudentRun(r.job) }), 'room.show'))));
    $('room-runs').showModal();
  }

  /** A student's run on the projector: followed here as a student's page follows the teacher. */
  async showStudentRun(id) {
    $('room-runs').close();
    const job = await this.api.getJob(id);
    this.runs.follow([{ id, config: job.config }]);
    await this.api.setRoomRun(this.room.code, this.key(), { job: id, race: [], step: null });
  }
}

/** A student's side: follow the room's stream; answer; go at one's own pace; send a run. */
export class StudentRoom {
  constructor({ api, player, runs, contour, banner, follow, unlock }) {
    Object.assign(this, { api, player, runs, contour, banner, follow, unlock });
    this.code = null;
    this.ownPace = false;
    this.teacherRun = null;     // {job, race, step} the teacher shows
    this.teacherPlayer = null;  // {epoch, playing, speed, at} and when it arrived here
    this.card = new QuestionCard({ teacher: false, onChoice: (i) => this.answer({ choice: i }) });
    this.student = studentId();
  }

  join(code) {
    this.code = code;
    document.body.classList.add('in-room');
    $('room-bar').hidden = false;
    $('room-code').textContent = code;
    tr($('room-role'), 'room.class');
    $('room-student').hidden = false;
    $('room-name').value = localStorage.getItem(NAME) ?? '';
    const es = this.api.followRoom(code);
    es.addEventListener('room', (ev) => {
      const s = JSON.parse(ev.data);
      const late = (s.now - (s.player?.at ?? s.now)); // how long the teacher's player has been going
      this.card.show(s.question);
      if (s.question?.revealed && s.question.kind === 'point') this.contour.setPredictions(s.question.points);
      this.teacherPlayer = s.player ? { ...s.player, seen: performance.now() - late * 1000 } : null;
      this.loadRun(s.run);
      tr($('room-status'), 'room.following');
    });
    es.addEventListener('run', (ev) => this.loadRun(JSON.parse(ev.data)));
    es.addEventListener('player', (ev) => {
      this.teacherPlayer = { ...JSON.parse(ev.data), seen: performance.now() };
      this.applyPlayer();
    });
    es.addEventListener('question', (ev) => {
      this.card.show(JSON.parse(ev.data));
      this.contour.setPredictions([], null);
    });
    es.addEventListener('answers', (ev) => {
      const a = JSON.parse(ev.data);
      if (a.question === this.card.q?.id) this.card.count(a.answers);
    });
    es.addEventListener('reveal', (ev) => {
      const q = JSON.parse(ev.data);
      this.card.show(q);
      if (q.kind === 'point') this.contour.setPredictions(q.points, Array.isArray(this.card.mine) ? this.card.mine : null);
    });
    es.onerror = () => { tr($('room-status'), es.readyState === EventSource.CLOSED ? 'room.ended' : 'room.reconnecting'); };
    es.onopen = () => { tr($('room-status'), this.ownPace ? 'room.atOwnPace' : 'room.following'); };
    this.stream = es;
  }

  /** The teacher's run (or race, or lesson step): shown now, or, at one's own pace, offered. */
  async loadRun(run) {
    this.teacherRun = run;
    const step = run?.step;
    $('room-step').textContent = step ? `Step ${step}: ${STEPS[step - 1].en[0]}` : '';
    if (!run) return;
    if (this.ownPace) { $('room-catch-up').classList.add('new-run'); return; }
    try {
      const ids = [run.job, ...run.race];
      const jobs = await Promise.all(ids.map(async (id) => ({ id, config: (await this.api.getJob(id)).config })));
      if (run !== this.teacherRun || this.ownPace) return;
      this.follow(jobs);
      for (const delay of [300, 1200]) setTimeout(() => this.applyPlayer(), delay); // once its events arrive
    } catch (err) {
      this.banner(t('room.teachersRunFailed', { error: err.message }), 'error');
    }
  }

  /** Go where the teacher's player is: the same epoch (moved on by the time since), play state, speed. */
  applyPlayer() {
    const t = this.teacherPlayer;
    if (!t || this.ownPace) return;
    const speed = t.speed >= 64 ? 'live' : String(t.speed);
    this.player.setSpeed(speed);
    const since = (performance.now() - t.seen) / 1000;
    this.player.seek(t.playing && speed !== 'live' ? t.epoch + since * 10 * t.speed : t.epoch);
    if (t.playing) this.player.play(); else this.player.pause();
    if (speed === 'live') this.player.seek(this.player.received);
  }

  setOwnPace(own) {
    this.ownPace = own;
    document.body.classList.toggle('own-pace', own);
    $('room-catch-up').classList.remove('new-run');
    $('room-pace').hidden = own;
    $('room-catch-up').hidden = !own;
    $('room-send-box').hidden = !own;
    tr($('room-status'), own ? 'room.atOwnPace' : 'room.following');
    this.unlock(own);
    if (!own) this.loadRun(this.teacherRun);
  }

  async answer(value) {
    const q = this.card.q;
    if (!q || q.revealed) return;
    try {
      await this.api.answerQuestion(this.code, q.id, { student: this.student, ...value });
      this.card.mine = 'choice' in value ? value.choice : [value.w, value.b];
      this.card.render();
      if (q.kind === 'point') this.contour.setPredictions([], this.card.mine);
    } catch (err) {
      $('room-mine').textContent = t('room.notSent', { error: err.message });
    }
  }

  /** A click on the contour: a prediction while a point question is open. */
  wantsPoint() { return this.card.q?.kind === 'point' && !this.card.q.revealed; }
  answerPoint({ w, b }) { this.answer({ w: Number(w.toPrecision(4)), b: Number(b.toPrecision(4)) }); }

  async sendRun() {
    const job = this.player.runs[0]?.id;
    const name = $('room-name').value.trim().slice(0, 24);
    localStorage.setItem(NAME, name);
    if (!job) return;
    try {
      await this.api.shareRun(this.code, { student: this.student, job, ...(name ? { name } : {}) });
      tr($('room-status'), 'room.runSent');
    } catch (err) {
      delete $('room-status').dataset.i18n;
      $('room-status').textContent = t('room.notSent', { error: err.message });
    }
  }
}

/** Wire the room's buttons; answers the teacher's room (or null on a student's page). */
export function installRoom(deps, code) {
  if (code) {
    const student = new StudentRoom(deps);
    student.join(code);
    $('room-pace').addEventListener('click', () => student.setOwnPace(true));
    $('room-catch-up').addEventListener('click', () => student.setOwnPace(false));
    $('room-send').addEventListener('click', () => student.sendRun());
    return { student };
  }
  const teacher = new TeacherRoom(deps);
  const start = async () => {
    try {
      const room = await teacher.start();
      const { url, qr_svg: svg } = await deps.api.getRoomShare(room.code);
      delete $('share-title').dataset.i18n;
      $('share-title').textContent = t('share.joinClass', { code: room.code });
      $('share-link').textContent = url;
      $('share-link').href = url;
      const qr = $('share-qr');
      const img = qr.querySelector('img') ?? qr.appendChild(tr(el('img'), null, { alt: 'share.qrAlt' }));
      img.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
      if (!$('share').open) $('share').showModal();
    } catch (err) { deps.banner(t('room.error', { error: err.message }), 'error'); }
  };
  $('room-start').addEventListener('click', start);
  $('room-ask').addEventListener('click', () => teacher.ask().catch((err) => deps.banner(t('room.questionError', { error: err.message }), 'error')));
  $('room-reveal').addEventListener('click', () => teacher.revealNow());
  $('room-run-it').addEventListener('click', () => teacher.runIt());
  $('room-runs-open').addEventListener('click', () => teacher.listRuns());
  $('room-runs-close').addEventListener('click', () => $('room-runs').close());
  $('ask-cancel').addEventListener('click', () => $('ask').close());
  $('ask').addEventListener('submit', (ev) => {
    ev.preventDefault();
    teacher.askTyped(ev.target).then(() => $('ask').close(), (err) => { $('ask-error').textContent = err.message; });
  });
  onKey((ev) => {
    if (!teacher.room || (ev.key !== 'q' && ev.key !== 'Q')) return false;
    $('room-ask').click();
    return true;
  });
  teacher.resume();
  return { teacher };
}
