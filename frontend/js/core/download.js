// A file the page makes (a CSV, a PNG, a script) saved by the browser as a download.

/** Save `blob` as `filename`. */
export function save(blob, filename) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
