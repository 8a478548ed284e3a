// Export: the runs' history as CSV or JSON, a chart as PNG (Plotly's image with the chart's overlay canvas on top).

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

/** The chart as Plotly draws it plus what its overlay canvases show (trails, a moving line, painted data), at 2×. */
export async function downloadPng(el, filename) {
  const { width, height } = el.getBoundingClientRect();
  const [w, h, scale] = [Math.round(width), Math.round(height), 2];
  const image = new Image();
  image.src = await Plotly.toImage(el, { format: 'png', width: w, height: h, scale });
  await image.decode();
  const canvas = Object.assign(document.createElement('canvas'), { width: w * scale, height: h * scale });
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  for (const overlay of el.querySelectorAll('canvas.dots, canvas.trails')) {
    if (overlay.width) ctx.drawImage(overlay, 0, 0, canvas.width, canvas.height);
  }
  canvas.toBlob((blob) => save(blob, `${filename}.png`), 'image/png');
}
