// A small Python highlighter: source -> tokens -> one DOM element per line. Only text nodes are
// ever created from the source, so any text (a file name in a comment, say) stays text.

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def',
  'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is',
  'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);
const BUILTINS = new Set(['print', 'range', 'len', 'open', 'float', 'int', 'str', 'list', 'enumerate', 'next']);

// order matters: the first alternative that matches at a position wins
const TOKEN = new RegExp([
  /(?<comment>#[^\n]*)/,
  /(?<string>[rRbBfFuU]{0,2}(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?))/,
  /(?<torch>\btorch(?:\.[A-Za-z_]\w*)+)/,
  /(?<number>\b(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?j?)\b)/,
  /(?<name>[A-Za-z_]\w*)/,
].map((r) => r.source).join('|'), 'g');

/** The source as [{text, cls}] covering every character; cls is '' for plain text. */
export function tokenize(source) {
  const tokens = [];
  let last = 0;
  let prev = '';
  for (const m of source.matchAll(TOKEN)) {
    if (m.index > last) tokens.push({ text: source.slice(last, m.index), cls: '' });
    const g = m.groups;
    let cls = '';
    if (g.comment !== undefined) cls = 'comment';
    else if (g.string !== undefined) cls = 'string';
    else if (g.torch !== undefined) cls = 'torch';
    else if (g.number !== undefined) cls = 'number';
    else if (KEYWORDS.has(g.name)) cls = 'keyword';
    else if (prev === 'def') cls = 'function';
    else if (BUILTINS.has(g.name)) cls = 'builtin';
    tokens.push({ text: m[0], cls });
    prev = g.name ?? '';
    last = m.index + m[0].length;
  }
  if (last < source.length) tokens.push({ text: source.slice(last), cls: '' });
  return tokens;
}

/**
 * One <span class="line" data-line="N"> per source line (N from 1), each followed by a "\n" text
 * node, so the container's textContent is the source again.
 */
export function highlight(source) {
  const lines = [];
  let line = newLine(1);
  for (const { text, cls } of tokenize(source)) {
    const parts = text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) {
        lines.push(line);
        line = newLine(lines.length + 1);
      }
      if (!part) return;
      if (!cls) { line.append(part); return; }
      const span = document.createElement('span');
      span.className = `tok-${cls}`;
      span.textContent = part;
      line.append(span);
    });
  }
  lines.push(line);
  const frag = document.createDocumentFragment();
  lines.forEach((el, i) => frag.append(el, ...(i < lines.length - 1 ? ['\n'] : [])));
  return frag;
}

function newLine(n) {
  const el = document.createElement('span');
  el.className = 'line';
  el.dataset.line = String(n);
  return el;
}
