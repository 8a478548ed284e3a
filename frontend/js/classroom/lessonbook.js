// The lesson the page walks: one of the server's (GET /api/lessons/{id}: the built-in ten steps,
// `line`, unless told otherwise), the teacher's own (`draft`, which the editor builds and keeps in
// this browser), or, on a student's page, the room's. Which one the page walks survives a reload
// (localStorage), and so does the draft. lesson.js reads its steps from here; room.js puts it in a
// class and takes the class's.
import { pageSteps } from './lessonfile.js';

const CURRENT = 'gdviz-lesson';       // localStorage: the id of the lesson this page walks
const DRAFT = 'gdviz-lesson-draft';   // localStorage: the teacher's own lesson, as a file says it
export const BUILT_IN = 'line';

class LessonBook {
  constructor() {
    this.id = BUILT_IN;  // a lesson of the server's, 'draft', or 'room' (a student's page)
    this.lesson = null;  // as its file says it
    this.steps = [];     // as the page walks them (lessonfile.js)
    this.listeners = [];
    this.fetched = new Map();
  }

  /** Before the page's first step: the lesson this page walked last (the built-in one at first). */
  async init(api, settings, { student = false } = {}) {
    Object.assign(this, { api, settings });
    const id = student ? BUILT_IN : localStorage.getItem(CURRENT) ?? BUILT_IN;
    try {
      await this.open(id, { remember: false });
    } catch {
      await this.open(BUILT_IN, { remember: false });
    }
  }

  /** Ask for the lesson `init` will open while the page asks for its schema (one wait, not two). */
  prefetch(api, { student = false } = {}) {
    this.api = api;
    const id = student ? BUILT_IN : localStorage.getItem(CURRENT) ?? BUILT_IN;
    if (id !== 'draft') this.fetch(id).catch(() => {}); // init says what went wrong
  }

  fetch(id) {
    if (!this.fetched.has(id)) {
      this.fetched.set(id, this.api.getLesson(id).catch((err) => { this.fetched.delete(id); throw err; }));
    }
    return this.fetched.get(id);
  }

  /** Walk lesson `id` from now on: a server's, or 'draft'. */
  async open(id, { remember = true } = {}) {
    const lesson = id === 'draft' ? this.draft() : await this.fetch(id);
    if (!lesson?.steps?.length) throw new Error(`lesson ${id} has no steps`);
    this.set(lesson, id);
    if (remember) localStorage.setItem(CURRENT, id);
  }

  set(lesson, id) {
    this.lesson = lesson;
    this.id = id;
    this.steps = pageSteps(lesson, this.settings);
    for (const fn of this.listeners) fn(this);
  }

  /** The teacher's own lesson (or null): kept in this browser, so it survives a reload. */
  draft() {
    try { return JSON.parse(localStorage.getItem(DRAFT) ?? 'null'); } catch { return null; }
  }

  saveDraft(lesson) {
    localStorage.setItem(DRAFT, JSON.stringify(lesson));
    if (this.id === 'draft' && lesson.steps.length) this.set(lesson, 'draft');
  }

  /** What a room's teacher puts in the class: a server's lesson by its id, or the draft itself. */
  forRoom() { return this.id === 'draft' ? { lesson: this.lesson } : { id: this.id }; }

  /** A student's page walks the room's lesson (`lesson` null: the built-in one). */
  async follow(lesson) {
    if (lesson) this.set(lesson, 'room');
    else this.set(await this.fetch(BUILT_IN), BUILT_IN);
  }

  onChange(fn) { this.listeners.push(fn); }
}

export const book = new LessonBook();
