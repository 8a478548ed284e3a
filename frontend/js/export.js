// Export: the runs' history as CSV or JSON, a chart as PNG (Plotly's own image export).

function save(blob, filename) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const COLUMNS = ['epoch', 'loss', 'w', 'b', 'grad_w', 'grad_b'];

export function historyCsv(runs) {
  const quote = (s) => `"${String(s).replaceAll('"', '""')}"`;
  const lines = [['run', 'label', ...COLUMNS].join(',')];
  runs.forEach((run, i) => {
    for (const e of run.epochs) lines.push([i + 1, quote(run.label), ...COLUMNS.map((c) => e[c])].join(','));
  });
  return lines.join('\n') + '\n';
}

export function historyJson(runs) {
  return JSON.stringify(runs.map((r) => ({ label: r.label, job: r.id, meta: r.meta, history: r.epochs,
    steps: r.steps, done: r.done })), null, 1);
}

export const downloadCsv = (runs) => save(new Blob([historyCsv(runs)], { type: 'text/csv' }), 'gdviz-history.csv');
export const downloadJson = (runs) => save(new Blob([historyJson(runs)], { type: 'application/json' }), 'gdviz-history.json');

export function downloadPng(el, filename) {
  const { width, height } = el.getBoundingClientRect();
  return Plotly.downloadImage(el, { format: 'png', filename, width: Math.round(width), height: Math.round(height), scale: 2 });
}
