// A class in a room (docs/api.md, "Rooms"). The teacher's page opens it (Share → Start a class),
// and from then on tells the room what it shows: its runs, races and lesson steps, its player, its
// questions. A student's page (/?room=CODE) follows the room's stream: the teacher's runs, the
// teacher's player unless the student goes at their own pace, and each question to answer before
// the run. The teacher key stays in the teacher's tab (sessionStorage), never in a link.
//
// Predict, then run: a lesson step in a room is staged. Its run is made (it trains on the server)
// but every page holds it at epoch 0, its outcome veiled (runs.js), until the teacher plays it:
// ▶ Run it after the reveal, or ▶ Play when no question is open. A question's right answer and its
// "why?" reach the class only in the reveal; a question closes by hand (✕, X) or with another run.
//
// Everything it touches is handed in (`deps`): the API, the store, the player, the runs, the
// contour and the page's follow/banner hooks. Text from the room (prompts, choices, names) is
// only ever set as textContent.
import { onKey } from '../core/keys.js';
import { stepLook, stepText } from './lesson.js';
import { showFocus } from './presenter.js';
import { setBadge } from './follow.js';
import { book } from './lessonbook.js';
import { showRounds } from './rounds.js';
import { save } from '../core/download.js';
import { t, tr, onLang, currentLang } from '../i18n/i18n.js';

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
const PHONE = '(max-width: 900px)'; // the card is a sheet along the bottom, not a column beside the views

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

/** What the room bar says the class is shown: a lesson step (its setup's title while `veiled`), a
 *  student's run by name, or nothing. */
function runTitle(run, veiled) {
  if (!run) return '';
  if (run.student) return run.name ? t('room.runOf', { name: run.name }) : t('room.aStudentsRun');
  if (!run.step) return '';
  return t('room.step', { n: run.step, title: stepText(run.step, currentLang(), veiled)[0] });
}

/** The same runs (a staged step played: the class keeps what it has). */
const sameRun = (a, b) => Boolean(a && b) && a.job === b.job && a.race.join() === b.race.join();

/** The question card both sides show: the prompt, the choices (answer buttons for a student), the
 *  count while it is open, and the distribution, the right answer and the "why?" once revealed. */
class QuestionCard {
  constructor({ teacher, contour, onChoice, onClose }) {
    this.box = $('room-question');
    this.teacher = teacher;
    this.contour = contour;
    this.onChoice = onChoice;
    this.q = null;
    this.mine = null; // this student's answer: a choice index or [w, b]
    $('room-close').hidden = !teacher;
    $('room-close').addEventListener('click', () => onClose?.());
    onLang(() => { if (this.q) this.render(); });
    window.addEventListener('resize', () => this.fit());
    new ResizeObserver(() => this.fit()).observe($('views')); // the lesson band, the focus, the projector
  }

  show(q) {
    if (!q) {
      if (!this.q && this.box.hidden) return;
      this.box.hidden = true;
      this.q = null;
      this.mine = null;
      document.body.classList.remove('predicting', 'has-question', 'point-question');
      document.body.style.removeProperty('--card-h');
      this.contour.hideMinimum(false);
      window.dispatchEvent(new Event('resize')); // the charts take the room back
      return;
    }
    const again = q.id === this.q?.id && (q.round ?? 1) !== (this.q?.round ?? 1); // a revote's next round
    const fresh = q.id !== this.q?.id || again;
    if (fresh) {
      this.mine = null;
      if (!again) this.q = null;
      if (q.kind === 'point') showFocus('contour'); // where the predictions go
    }
    this.q = { ...this.q, ...q };
    if (again) for (const k of ['counts', 'points', 'rounds']) if (!(k in q)) delete this.q[k];
    this.render();
    if (fresh) this.place();
    if (again && !this.teacher) this.note(t('room.discuss', { n: q.round }));
  }

  count(n) {
    if (!this.q) return;
    this.q.answers = n;
    $('room-count').textContent = this.countText();
    $('room-revote').hidden = !this.teacher || this.q.revealed || !n; // a round to vote again on
  }

  countText() {
    const n = this.q.answers;
    return n === 1 ? t('room.answer') : t('room.answers', { n });
  }

  /** The question's words in the page's language, where it has them (a lesson step's, in Korean). */
  text() {
    const q = this.q;
    return { prompt: q.prompt, choices: q.choices, why: q.why, ...q.texts?.[currentLang()] };
  }

  /** A line in the card saying why a click or key was not taken ('' clears it). */
  note(text) { $('room-note').textContent = text; }

  render() {
    const q = this.q;
    const text = this.text();
    const right = q.answer ?? null;
    this.box.hidden = false;
    if (!document.body.classList.contains('has-question')) {
      document.body.classList.add('has-question');
      window.dispatchEvent(new Event('resize')); // the charts take the room the card leaves
    }
    document.body.classList.toggle('predicting', !q.revealed); // no spoiler: the run waits for the reveal
    document.body.classList.toggle('point-question', q.kind === 'point' && !q.revealed);
    this.contour.hideMinimum(q.kind === 'point' && !q.revealed); // the ★ would be the answer
    Object.assign(this.box.dataset, { kind: q.kind, revealed: String(q.revealed), question: String(q.id) });
    this.box.lang = currentLang();
    $('room-prompt').textContent = text.prompt;
    $('room-count').textContent = this.countText();
    const list = $('room-choices');
    if (q.kind === 'choice') {
      const total = Math.max(1, q.answers);
      list.replaceChildren(...text.choices.map((choice, i) => {
        const bar = el('span', { className: 'bar' });
        const label = el('span', { className: 'label' }, el('b', { textContent: `${LETTERS[i]} ` }), choice);
        const item = this.teacher || q.revealed
          ? el('div', { className: 'choice' }, label)
          : el('button', { type: 'button', className: 'choice', onclick: () => this.onChoice(i) }, label);
        item.dataset.choice = String(i);
        if (this.mine === i) item.classList.add('mine');
        if (q.revealed && right === i) {
          item.classList.add('right');
          label.append(el('span', { className: 'tick', textContent: ` ✓ ${t('room.right')}` }));
        }
        if (q.counts && q.revealed) {
          bar.style.width = `${(100 * q.counts[i]) / total}%`;
          item.append(bar, el('span', { className: 'n', textContent: String(q.counts[i]) }));
        }
        return item;
      }));
    } else {
      list.replaceChildren(el('p', { className: 'hint', textContent: this.teacher ? t('room.teacherPointHint')
        : q.revealed ? t('room.pointsShown')
          : (this.mine ? t('room.yourPrediction', { w: this.mine[0].toFixed(2), b: this.mine[1].toFixed(2) }) : t('room.clickToPredict')) }));
    }
    // the teacher's own page knows the answer before the class does (not in projector mode: that is the class's screen)
    $('room-key').textContent = this.teacher && !q.revealed && right !== null ? t('room.key', { letter: LETTERS[right] }) : '';
    $('room-why').hidden = !q.revealed;
    $('room-why').textContent = q.revealed ? text.why ?? t('room.why') : '';
    $('room-reveal').hidden = !this.teacher || q.revealed;
    $('room-revote').hidden = !this.teacher || q.revealed || !q.answers;
    $('room-round').textContent = (q.round ?? 1) > 1 ? t('room.round', { n: q.round }) : '';
    $('room-your-name').hidden = this.teacher || q.revealed;
    showRounds($('room-rounds'), q);
    $('room-run-it').hidden = !this.teacher || !q.revealed;
    $('room-mine').textContent = !this.teacher && this.mine !== null && !q.revealed ? t('room.answerSent') : '';
    this.fit();
  }

  /** On a wide screen the card stands in the column the views leave it, level with them: never over
   *  the room bar or the player. On a phone it is a sheet along the bottom: the page leaves its height
   *  free below the views, and a point question's contour is scrolled above it, so the card never
   *  covers where to tap. */
  fit() {
    if (this.box.hidden) return;
    const narrow = matchMedia(PHONE).matches;
    const style = this.box.style;
    if (narrow) {
      for (const k of ['bottom', 'maxHeight']) style.removeProperty(k === 'maxHeight' ? 'max-height' : k);
      document.body.style.setProperty('--card-h', `${Math.ceil(this.box.getBoundingClientRect().height)}px`);
      return;
    }
    document.body.style.removeProperty('--card-h');
    const views = $('views').getBoundingClientRect();
    style.bottom = `${Math.max(8, Math.round(innerHeight - views.bottom))}px`;
    style.maxHeight = `${Math.max(160, Math.round(views.height))}px`;
  }

  place() {
    this.note('');
    if (this.q.kind !== 'point' || this.q.revealed || !matchMedia(PHONE).matches) return;
    requestAnimationFrame(() => $('view-contour').scrollIntoView({ block: 'start' }));
  }
}

/** The teacher's side: open (or resume) a class and tell it everything the page shows. */
export class TeacherRoom {
  constructor({ api, store, player, runs, contour, banner, follow, restart }) {
    Object.assign(this, { api, store, player, runs, contour, banner, follow, restart });
    // the class this tab teaches, at once (a reload's first run is staged in it); checked by resume()
    this.room = JSON.parse(sessionStorage.getItem(TEACHING) ?? 'null');
    this.sentPlayer = null;
    this.playerTimer = 0;
    this.card = new QuestionCard({ teacher: true, contour, onClose: () => this.closeQuestion() });
    this.shown = null;    // the run the room shows: {job, race, step, staged, student, name}
    this.staged = false;  // this page's next run is a lesson step held at epoch 0 for the class
    this.runSent = Promise.resolve();
    this.resumed = Promise.resolve();
    onLang(() => this.showTitle());
    book.onChange(() => { if (this.stream) this.putLesson(); }); // the class walks the teacher's lesson
  }

  /** The lesson this page walks, in the class: the server's by its id, or the teacher's own. */
  async putLesson() {
    try {
      await this.api.putRoomLesson(this.room.code, this.key(), book.forRoom());
    } catch (err) {
      this.banner(t('room.error', { error: err.message }), 'error');
    }
  }

  /** Every answer of the class, for the gradebook: a CSV file. */
  async downloadAnswers() {
    const res = await fetch(`/api/rooms/${this.room.code}/answers.csv`, { headers: { Authorization: `Bearer ${this.key()}` } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    save(await res.blob(), `gdviz-${this.room.code}-answers.csv`);
  }

  async revote() {
    if (this.card.q) this.card.show(await this.api.revoteQuestion(this.room.code, this.key(), this.card.q.id));
  }

  /** Resume the class this tab opened (after a reload), if it is still open. */
  resume() {
    this.resumed = this.reopen();
    return this.resumed;
  }

  async reopen() {
    const saved = this.room;
    if (!saved) return;
    try {
      const state = await this.api.getRoom(saved.code);
      this.begin(saved, state);
    } catch {
      sessionStorage.removeItem(TEACHING);
      this.room = null;
      this.staged = false;
      this.runs.unveil(); // no class to hold the run for
    }
  }

  async start() {
    if (this.room && this.stream) return this.room;
    const made = await this.api.createRoom();
    const saved = { code: made.code, key: made.teacher_key };
    sessionStorage.setItem(TEACHING, JSON.stringify(saved));
    this.room = saved;
    this.begin(saved, null);
    this.restart(); // a lesson step open now is staged for the class; any other run is shown as it is
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
    this.putLesson();
    this.stream.addEventListener('room', (ev) => {
      const s = JSON.parse(ev.data);
      this.showQuestion(s.question);
      $('room-runs-count').textContent = String(s.shared_runs);
    });
    this.stream.addEventListener('question', (ev) => this.card.show(JSON.parse(ev.data)));
    this.stream.addEventListener('answers', (ev) => {
      const a = JSON.parse(ev.data);
      if (a.question === this.card.q?.id) this.card.count(a.answers);
    });
    this.stream.addEventListener('reveal', (ev) => this.reveal(JSON.parse(ev.data)));
    this.stream.addEventListener('close', (ev) => {
      if (JSON.parse(ev.data).question !== this.card.q?.id) return;
      this.card.show(null);
      this.contour.setPredictions([]);
    });
    this.stream.addEventListener('runs', (ev) => { $('room-runs-count').textContent = String(JSON.parse(ev.data).runs); });
    this.stream.addEventListener('closed', () => { // closed, idle or expired: this tab teaches no more
      sessionStorage.removeItem(TEACHING);
      this.banner(t('room.ended'));
    });
    if (state?.question) this.showQuestion(state.question);
  }

  /** The room's question as the teacher sees it: with its answer (a snapshot has not got it). */
  async showQuestion(q) {
    this.card.show(q);
    if (q?.revealed && q.kind === 'point') this.contour.setPredictions(q.points);
    if (q && !q.revealed) {
      const full = await this.api.getQuestion(this.room.code, this.key(), q.id).catch(() => null);
      if (full && full.id === this.card.q?.id) this.card.show(full);
    }
  }

  key() { return this.room.key; }

  /** The next run this page starts is `staged` for the class (a lesson step) or not. */
  stage(staged) {
    this.staged = staged;
    this.runSent = new Promise((resolve) => { this.runArrived = resolve; });
  }

  /** The runs on screen (a single run or a race), with the lesson step if one is open. */
  showRun(ids) {
    if (!this.room || !ids.length || ids.some((id) => !id)) return; // a race: once all its jobs exist
    const step = this.store.get().lesson || null;
    this.send({ job: ids[0], race: ids.slice(1), step, staged: this.staged && Boolean(step) });
  }

  async send(run) {
    const arrived = this.runArrived;
    await this.resumed; // after a reload: the class is still open
    if (!this.room) { arrived?.(); return; }
    const last = this.shown;
    this.shown = run;
    this.showTitle();
    if (!sameRun(last, run) && this.card.q) { this.card.show(null); this.contour.setPredictions([]); } // the room closes it too
    try {
      await this.api.setRoomRun(this.room.code, this.key(), run);
    } catch (err) {
      this.banner(t('room.error', { error: err.message }), 'error');
    } finally {
      arrived?.();
    }
  }

  showTitle() { $('room-step').textContent = runTitle(this.shown, this.runs.veiled); }

  /** Whether the teacher's player may move (play, step, seek): not while a question waits for its
   *  reveal (the run would answer it); a staged step then plays for the class with the teacher. */
  mayMove() {
    if (!this.room) return true;
    if (this.card.q && !this.card.q.revealed) {
      this.card.note(t('room.revealFirst'));
      return false;
    }
    this.unstage();
    return true;
  }

  unstage() {
    if (!this.shown?.staged) return;
    this.staged = false;
    this.send({ ...this.shown, staged: false });
  }

  /** Called on every frame drawn: tells the class when the teacher plays, pauses, seeks or changes speed. */
  syncPlayer(p) {
    if (!this.room || !this.stream) return;
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

  /** Ask the open lesson step's ready question, or the one typed in: once the room shows this
   *  page's run (a question asked before would close with it). */
  async ask() {
    if (!this.room) return;
    this.player.reset(); // the class sees the start only: the run plays after the reveal
    await Promise.race([this.runSent, new Promise((resolve) => { setTimeout(resolve, 10_000); })]);
    const { lesson } = this.store.get();
    if (lesson && book.steps[lesson - 1]?.question) this.card.show(await this.api.askQuestion(this.room.code, this.key(), { kind: 'lesson', step: lesson }));
    else $('ask').showModal();
  }

  async askTyped(form) {
    const kind = form.kind.value;
    const choices = form.choices.value.split('\n').map((c) => c.trim()).filter(Boolean);
    const body = { kind, prompt: form.prompt.value.trim(), ...(kind === 'choice' ? { choices } : {}) };
    this.player.reset();
    this.card.show(await this.api.askQuestion(this.room.code, this.key(), body));
  }

  /** After the reveal: the run plays from its start, over the predictions, on every screen. */
  runIt() {
    this.unstage();
    this.player.seek(0);
    this.player.play();
  }

  async revealNow() {
    if (this.card.q) await this.api.revealQuestion(this.room.code, this.key(), this.card.q.id);
  }

  async closeQuestion() {
    if (this.card.q) await this.api.closeQuestion(this.room.code, this.key(), this.card.q.id);
  }

  reveal(q) {
    this.card.show(q);
    if (q.kind === 'point') this.contour.setPredictions(q.points);
  }

  async listRuns() {
    const { runs } = await this.api.getSharedRuns(this.room.code, this.key());
    $('room-runs-list').replaceChildren(...runs.map((r, i) => el('li', {},
      el('span', { textContent: r.name || t('room.student', { n: i + 1 }) }), ' ',
      tr(el('button', { type: 'button', onclick: () => this.showStudentRun(r) }), 'room.show'))));
    $('room-runs').showModal();
  }

  /** A student's run on the projector: its settings in the teacher's form, followed here as a
   *  student's page follows the teacher, and named on every screen. */
  async showStudentRun({ job: id, name }) {
    $('room-runs').close();
    const job = await this.api.getJob(id);
    this.staged = false;
    this.store.set({ lesson: 0 });
    this.follow([{ id, config: job.config }]);
    await this.send({ job: id, race: [], step: null, staged: false, student: true, name: name || null });
  }
}

/** A student's side: follow the room's stream; answer; go at one's own pace; send a run. */
export class StudentRoom {
  constructor({ api, store, player, runs, contour, banner, follow, unlock, hold }) {
    Object.assign(this, { api, store, player, runs, contour, banner, follow, unlock, hold });
    this.code = null;
    this.ownPace = false;
    this.teacherRun = null;     // {job, race, step, staged, student, name} the teacher shows
    this.loading = null;        // the teacher's run this page loads or has loaded
    this.shown = null;          // ... and has loaded
    this.teacherPlayer = null;  // {epoch, playing, speed, at} and when it arrived here
    this.card = new QuestionCard({ teacher: false, contour, onChoice: (i) => this.answer({ choice: i }) });
    this.student = studentId();
    onLang(() => { this.showTitle(); this.showBadge(); });
  }

  join(code) {
    this.code = code;
    document.body.classList.add('in-room');
    $('room-bar').hidden = false;
    $('room-code').textContent = code;
    tr($('room-role'), 'room.class');
    $('room-student').hidden = false;
    $('room-name').value = localStorage.getItem(NAME) ?? '';
    $('room-your-name').value = localStorage.getItem(NAME) ?? '';
    this.showBadge();
    const es = this.api.followRoom(code);
    es.addEventListener('room', (ev) => {
      const s = JSON.parse(ev.data);
      const late = (s.now - (s.player?.at ?? s.now)); // how long the teacher's player has been going
      this.card.show(s.question);
      if (s.question?.revealed && s.question.kind === 'point') this.contour.setPredictions(s.question.points);
      this.teacherPlayer = s.player ? { ...s.player, seen: performance.now() - late * 1000 } : null;
      this.followLesson(s.lesson).then(() => this.loadRun(s.run));
    });
    es.addEventListener('run', (ev) => this.loadRun(JSON.parse(ev.data)));
    es.addEventListener('lesson', (ev) => this.followLesson(JSON.parse(ev.data)));
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
      const mine = this.card.q?.id === q.id ? this.card.mine : null;
      this.card.show(q);
      if (q.kind === 'point') this.contour.setPredictions(q.points, Array.isArray(mine) ? mine : null);
    });
    es.addEventListener('close', (ev) => {
      if (JSON.parse(ev.data).question !== this.card.q?.id) return;
      this.card.show(null);
      this.contour.setPredictions([], null);
    });
    es.addEventListener('closed', () => tr($('room-status'), 'room.ended')); // the teacher closed it, or it expired
    es.onerror = () => { tr($('room-status'), es.readyState === EventSource.CLOSED ? 'room.ended' : 'room.reconnecting'); };
    es.onopen = () => this.showStatus();
    this.stream = es;
  }

  /** The teacher's lesson (null: the built-in one): its steps' titles and looks. */
  async followLesson(lesson) {
    try {
      await book.follow(lesson);
    } catch (err) {
      this.banner(t('room.error', { error: err.message }), 'error');
    }
    this.showTitle();
  }

  /** The room bar's title: a lesson step's setup until this page has played it to its end. */
  showTitle() {
    const run = this.teacherRun;
    $('room-step').textContent = runTitle(run, !sameRun(this.shown, run) || this.runs.veiled);
  }

  /** Following, at one's own pace, or waiting for the teacher to play a staged step (why nothing moves). */
  showStatus() {
    const staged = !this.ownPace && this.teacherRun?.staged;
    tr($('room-status'), this.ownPace ? 'room.atOwnPace' : staged ? 'room.staged' : 'room.following');
  }

  showBadge() {
    setBadge(this.ownPace ? t('follow.ownPaceBadge', { code: this.code }) : t('follow.badge', { label: t('follow.teacherOfClass', { code: this.code }) }));
  }

  /** The teacher's run (or race, or lesson step): shown now, or, at one's own pace, offered. A
   *  lesson step comes veiled, and held at epoch 0 while it is staged. */
  async loadRun(run) {
    this.teacherRun = run;
    this.showTitle();
    if (!run) return;
    if (this.ownPace) { $('room-catch-up').classList.add('new-run'); return; }
    this.hold(Boolean(run.staged));
    this.showStatus();
    if (sameRun(this.loading, run)) return; // the same run, played now: the page has it
    this.loading = run;
    this.shown = null;
    try {
      const ids = [run.job, ...run.race];
      const jobs = await Promise.all(ids.map(async (id) => ({ id, config: (await this.api.getJob(id)).config })));
      if (!sameRun(run, this.teacherRun) || this.ownPace) return;
      this.follow(jobs, { paused: true, veiled: Boolean(run.step) }); // the teacher's player says when it plays
      const look = run.step ? stepLook(run.step) : { view: {}, focus: null };
      this.store.set(look.view); // a lesson step looks as on the teacher's page: its arrows, its log scale, its view
      if (!this.card.q || this.card.q.kind !== 'point') showFocus(look.focus);
      this.shown = run;
      this.showTitle();
      for (const delay of [0, 300, 1200]) setTimeout(() => this.applyPlayer(), delay); // once its events arrive
    } catch (err) {
      this.loading = null;
      this.banner(t('room.teachersRunFailed', { error: err.message }), 'error');
    }
  }

  /** Go where the teacher's player is: the same epoch (moved on by the time since), play state, speed. */
  applyPlayer() {
    const t = this.teacherPlayer;
    if (!t || this.ownPace) return;
    const speed = t.speed >= 64 ? 'live' : String(t.speed);
    if (this.store.get().speed !== speed) this.store.set({ speed }); // the speed box says the teacher's
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
    this.showStatus();
    this.showBadge();
    this.unlock(own);
    if (own) { this.hold(false); this.loading = null; this.shown = null; } else this.loadRun(this.teacherRun);
  }

  async answer(value) {
    const q = this.card.q;
    if (!q || q.revealed) return;
    try {
      const name = $('room-your-name').value.trim().slice(0, 24) || localStorage.getItem(NAME) || '';
      if (name) localStorage.setItem(NAME, name);
      await this.api.answerQuestion(this.code, q.id, { student: this.student, ...value, ...(name ? { name } : {}) });
      if (this.card.q?.id !== q.id) return; // closed meanwhile
      this.card.mine = 'choice' in value ? value.choice : [value.w, value.b];
      this.card.note('');
      this.card.render();
      if (q.kind === 'point') this.contour.setPredictions([], this.card.mine);
    } catch (err) {
      this.card.note(t('room.notSent', { error: err.message }));
    }
  }

  /** A click on the contour at (w, b): a prediction while a point question is open; otherwise,
   *  unless at one's own pace, a word on why it starts nothing. Answers whether it was taken here. */
  takePoint({ w, b }) {
    const q = this.card.q;
    if (q?.kind === 'point') {
      if (q.revealed) this.card.note(t('room.answersClosed'));
      else this.answer({ w: Number(w.toPrecision(4)), b: Number(b.toPrecision(4)) });
      return true;
    }
    if (this.ownPace) return false; // her own run, from there
    if (q) this.card.note(t('room.notAPoint'));
    else this.banner(t('room.clickFollowing'), 'warn');
    return true;
  }

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
  const failed = (key) => (err) => deps.banner(t(key, { error: err.message }), 'error');
  $('room-start').addEventListener('click', start);
  $('room-ask').addEventListener('click', () => teacher.ask().catch(failed('room.questionError')));
  $('room-reveal').addEventListener('click', () => teacher.revealNow().catch(failed('room.questionError')));
  $('room-revote').addEventListener('click', () => teacher.revote().catch(failed('room.questionError')));
  $('room-csv').addEventListener('click', () => teacher.downloadAnswers().catch(failed('room.error')));
  $('room-run-it').addEventListener('click', () => teacher.runIt());
  $('room-runs-open').addEventListener('click', () => teacher.listRuns());
  $('room-runs-close').addEventListener('click', () => $('room-runs').close());
  $('ask-cancel').addEventListener('click', () => $('ask').close());
  $('ask').addEventListener('submit', (ev) => {
    ev.preventDefault();
    teacher.askTyped(ev.target).then(() => $('ask').close(), (err) => { $('ask-error').textContent = err.message; });
  });
  onKey((ev) => {
    if (!teacher.stream) return false;
    if (ev.key === 'q' || ev.key === 'Q') { $('room-ask').click(); return true; }
    if ((ev.key === 'x' || ev.key === 'X') && teacher.card.q) { teacher.closeQuestion().catch(failed('room.questionError')); return true; }
    return false;
  });
  teacher.resume();
  return { teacher };
}
