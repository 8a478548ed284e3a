// The lesson editor (✎ Lessons, in the lesson band): pick the lesson the page walks (the server's, or
// the teacher's own), and build one's own: "Save this as a step" keeps what the page shows now (its
// settings, views, epoch and enlarged view) with a caption and an optional question; steps are
// reordered, edited and deleted; the lesson is downloaded as a file and opened from one (a button,
// or dropped on the dialog). The teacher's lesson is a draft in this browser (lessonbook.js): it
// survives a reload. A file the server refuses (POST /api/lessons/check) is named with its field and
// why, in the page's language, and the teacher's lesson stays as it was.
import { book, BUILT_IN } from './lessonbook.js';
import { fileStep, fileName, emptyLesson, refusalText, words } from './lessonfile.js';
import { save } from '../core/download.js';
import { t, onLang, currentLang } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};
const MAX_STEPS = 50;
const line = (text) => text.replace(/\s+/g, ' ').trim(); // a file's texts are one line each

/** `text` ({en?, ko?}) with its words in `lang` set to `value` ('' drops them; the other stays). */
function setWords(text, lang, value) {
  const out = { ...(text ?? {}) };
  if (value) out[lang] = value; else delete out[lang];
  return Object.keys(out).length ? out : null;
}

export function installEditor({ api, store, settings, player, lesson }) {
  const dialog = $('editor');
  const form = $('editor-step');
  let editing = null; // the step's index in the draft, or -1: a new one (its run in `pending`)
  let pending = null;

  const draft = () => book.draft() ?? emptyLesson();
  const status = (text, kind = '') => { $('editor-status').textContent = text; $('editor-status').className = kind; };

  function keep(lessonNow) {
    book.saveDraft(lessonNow);
    render();
  }

  async function fillLessons() {
    const select = $('editor-lessons');
    const chosen = select.value || book.id;
    let listed = [];
    try { listed = (await api.getLessons()).lessons; } catch (err) { status(t('editor.cannotLoad', { error: err.message }), 'err'); }
    const mine = draft();
    const options = listed.map((l) => el('option', { value: l.id, textContent: `${words(l.title)} (${t('editor.steps', { n: l.steps })})` }));
    if (mine.steps.length) options.push(el('option', { value: 'draft', textContent: t('editor.draftOption', { title: words(mine.title), n: mine.steps.length }) }));
    select.replaceChildren(...options);
    select.value = [...select.options].some((o) => o.value === chosen) ? chosen : BUILT_IN;
  }

  function render() {
    const mine = draft();
    const lang = currentLang();
    $('editor-title').value = words(mine.title, lang);
    $('editor-empty').hidden = mine.steps.length > 0;
    $('editor-download').disabled = !mine.steps.length;
    $('editor-save-step').disabled = mine.steps.length >= MAX_STEPS;
    $('editor-steps').replaceChildren(...mine.steps.map((step, i) => {
      const button = (text, title, action, disabled = false) => {
        const b = el('button', { type: 'button', textContent: text, title, disabled, onclick: action });
        b.setAttribute('aria-label', title); // the arrow says nothing to a screen reader
        return b;
      };
      const q = step.question ? ` · ${t(step.question.kind === 'choice' ? 'ask.choice' : 'ask.point')}` : '';
      return el('li', {},
        el('span', { className: 'editor-step-title', textContent: `${words(step.title, lang)}${q}` }), ' ',
        button('↑', t('editor.upTitle'), () => move(i, -1), i === 0),
        button('↓', t('editor.downTitle'), () => move(i, 1), i === mine.steps.length - 1),
        button('✎', t('editor.editTitle'), () => edit(i)),
        button('✕', t('editor.deleteTitle'), () => remove(i)));
    }));
    fillLessons();
  }

  function move(i, by) {
    const mine = draft();
    const [step] = mine.steps.splice(i, 1);
    mine.steps.splice(i + by, 0, step);
    keep(mine);
  }

  function remove(i) {
    const mine = draft();
    mine.steps.splice(i, 1);
    keep(mine);
  }

  /** The step form, for step `i` of the draft (or a new one: `step`, from the page). */
  function openForm(step, i) {
    editing = i;
    pending = step;
    const lang = currentLang();
    const q = step.question;
    const f = form.elements;
    $('editor-step-heading').textContent = i < 0 ? t('editor.newStep') : t('editor.editStep', { n: i + 1 });
    $('editor-step-lang').textContent = t('editor.writingIn');
    f.title.value = words(step.title, lang);
    f.caption.value = words(step.caption, lang);
    f.epoch.value = step.epoch ?? '';
    f.focus.value = step.views?.focus ?? '';
    f.kind.value = q?.kind ?? '';
    f.prompt.value = words(q?.prompt, lang);
    f.choices.value = (q?.choices ?? []).map((c) => words(c, lang)).join('\n');
    f.answer.value = q?.answer === undefined || q?.answer === null ? '' : q.answer + 1;
    f.why.value = words(q?.why, lang);
    showKind();
    form.hidden = false;
    $('editor-mine').hidden = true;
    f.title.focus();
  }

  function showKind() {
    const kind = form.elements.kind.value;
    for (const label of form.querySelectorAll('.q')) label.hidden = !kind || (label.classList.contains('choice') && kind !== 'choice');
  }

  function closeForm() {
    form.hidden = true;
    $('editor-mine').hidden = false;
    editing = null;
    pending = null;
  }

  /** What the page shows now as a new step: its run, views, epoch and enlarged view. */
  function saveThis() {
    const state = store.get();
    const focus = $('views').dataset.focus || null;
    const mine = draft();
    const title = { [currentLang()]: t('editor.stepN', { n: mine.steps.length + 1 }) };
    openForm(fileStep(state, settings, { epoch: player.epoch, focus, title, caption: null }), -1);
  }

  const edit = (i) => openForm(draft().steps[i], i);

  /** The form's words into the step, in the page's language (the other language's are kept). */
  function stepFromForm(step) {
    const f = form.elements;
    const lang = currentLang();
    const out = { ...step };
    out.title = setWords(step.title, lang, line(f.title.value));
    out.caption = setWords(step.caption, lang, line(f.caption.value));
    const epoch = f.epoch.value.trim();
    if (epoch === '') delete out.epoch; else out.epoch = Math.max(0, Math.round(Number(epoch)));
    out.views = { ...(step.views ?? {}) };
    if (f.focus.value) out.views.focus = f.focus.value; else delete out.views.focus;
    const kind = f.kind.value;
    if (!kind) { delete out.question; return out; }
    const old = step.question?.kind === kind ? step.question : {};
    const q = { kind, prompt: setWords(old.prompt, lang, line(f.prompt.value)) };
    if (kind === 'choice') {
      const lines = f.choices.value.split('\n').map(line).filter(Boolean);
      q.choices = lines.map((c, i) => setWords(old.choices?.[i], lang, c));
      const answer = f.answer.value.trim();
      if (answer !== '') q.answer = Number(answer) - 1;
    }
    const why = setWords(old.why, lang, line(f.why.value));
    if (why) q.why = why;
    out.question = q;
    return out;
  }

  async function submitStep(ev) {
    ev.preventDefault();
    const mine = draft();
    const step = stepFromForm(pending);
    const next = structuredClone(mine);
    if (editing < 0) next.steps.push(step); else next.steps[editing] = step;
    try {
      const checked = await api.checkLesson(next); // the server's checks, before the draft keeps it
      keep(checked);
      status(t('editor.saved', { n: editing < 0 ? checked.steps.length : editing + 1 }));
      closeForm();
    } catch (err) {
      status(refusalText(err), 'err');
    }
  }

  /** A lesson file, opened: the server checks it; a refused one changes nothing. */
  async function openFile(file) {
    if (!file) return;
    let lessonNow;
    try {
      lessonNow = await api.checkLesson(JSON.parse(await file.text()));
    } catch (err) {
      status(`${file.name}: ${refusalText(err)}`, 'err');
      return;
    }
    keep(lessonNow);
    await use('draft');
    status(t('editor.opened', { title: words(lessonNow.title), n: lessonNow.steps.length }));
  }

  /** Walk lesson `id` (a server's, or 'draft') from its first step; a class follows it. */
  async function use(id) {
    try {
      await book.open(id);
    } catch (err) {
      status(t('editor.cannotLoad', { error: err.message }), 'err');
      return;
    }
    $('editor-lessons').value = id;
    lesson.goTo(1); // a class gets it too (room.js follows the book)
  }

  $('lesson-edit').addEventListener('click', () => { render(); closeForm(); status(''); dialog.showModal(); });
  $('editor-close').addEventListener('click', () => dialog.close());
  $('editor-use').addEventListener('click', () => use($('editor-lessons').value).then(() => dialog.close()));
  $('editor-save-step').addEventListener('click', saveThis);
  $('editor-step-cancel').addEventListener('click', closeForm);
  form.elements.kind.addEventListener('change', showKind);
  form.addEventListener('submit', submitStep);
  $('editor-title').addEventListener('change', (ev) => {
    const mine = draft();
    mine.title = setWords(mine.title, currentLang(), line(ev.target.value)) ?? emptyLesson().title;
    keep(mine);
  });
  $('editor-copy').addEventListener('click', () => {
    keep(structuredClone(book.lesson));
    status(t('editor.copied', { title: words(book.lesson.title) }));
  });
  $('editor-clear').addEventListener('click', () => {
    if (draft().steps.length && !confirm(t('editor.clearConfirm'))) return;
    keep(emptyLesson());
  });
  $('editor-download').addEventListener('click', () => {
    const mine = draft();
    save(new Blob([JSON.stringify(mine, null, 2)], { type: 'application/json' }), fileName(mine));
  });
  $('editor-file-open').addEventListener('click', () => $('editor-file').click());
  $('editor-file').addEventListener('change', (ev) => { openFile(ev.target.files[0]); ev.target.value = ''; });
  dialog.addEventListener('dragover', (ev) => { ev.preventDefault(); dialog.classList.add('dropping'); });
  dialog.addEventListener('dragleave', () => dialog.classList.remove('dropping'));
  dialog.addEventListener('drop', (ev) => {
    ev.preventDefault();
    dialog.classList.remove('dropping');
    openFile(ev.dataTransfer.files[0]);
  });
  onLang(() => { if (dialog.open) render(); });
  return { use };
}
