// Vote, discuss, vote again: a revealed question's rounds side by side in the question card (each
// choice's count in each round), and who changed their mind since the round before, to what. The
// rounds come from the API (`rounds`: [{answers, counts | points, kept?, changed?, moves?}]).
import { t } from '../i18n/i18n.js';

const LETTERS = 'ABCDEFGH';
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** The sentence under the rounds: "2 of 3 changed their mind: A → C 2". */
export function changesText(round) {
  if (!round || round.changed === undefined) return '';
  const both = round.kept + round.changed;
  const moves = (round.moves ?? []).map((m) => t('room.moved', { from: LETTERS[m.from], to: LETTERS[m.to], n: m.students }));
  const head = t('room.changed', { n: round.changed, both });
  return moves.length ? `${head}: ${moves.join(', ')}` : head;
}

/** Fill `box` with the question's rounds (nothing for a single round). */
export function showRounds(box, q) {
  const rounds = q.revealed ? q.rounds ?? [] : [];
  box.hidden = rounds.length < 2;
  if (box.hidden) { box.replaceChildren(); return; }
  const head = el('tr', {}, el('th'), ...rounds.map((_, i) => el('th', { scope: 'col', textContent: t('room.round', { n: i + 1 }) })));
  const rows = q.kind === 'choice'
    ? (q.choices ?? []).map((_, c) => el('tr', { className: c === q.answer ? 'right' : '' },
      el('th', { scope: 'row', textContent: LETTERS[c] }),
      ...rounds.map((r) => {
        const share = r.answers ? r.counts[c] / r.answers : 0;
        const bar = el('span', { className: 'bar' });
        bar.style.width = `${Math.round(100 * share)}%`;
        return el('td', {}, bar, el('span', { className: 'n', textContent: String(r.counts[c]) }));
      })))
    : [el('tr', {}, el('th', { scope: 'row', textContent: t('room.answersShort') }),
      ...rounds.map((r) => el('td', { textContent: String(r.answers) })))];
  const last = rounds.at(-1);
  box.replaceChildren(
    el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)),
    el('p', { className: 'changes', textContent: changesText(last) }),
  );
}
