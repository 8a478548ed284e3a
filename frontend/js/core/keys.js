// One keydown listener for the page. Handlers run newest-first; the first that
// returns true consumes the key. Nothing fires while the user types in a field.

const handlers = [];

function typing(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest("input, select, textarea, [contenteditable=''], [contenteditable='true']")) {
    return true;
  }
  return target.isContentEditable === true;
}

function dispatch(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target)) return;
  for (const handler of [...handlers].reverse()) {
    if (handler(event) === true) {
      event.preventDefault();
      return;
    }
  }
}

document.addEventListener("keydown", dispatch);

export function onKey(handler) {
  handlers.push(handler);
  return () => {
    const index = handlers.indexOf(handler);
    if (index >= 0) handlers.splice(index, 1);
  };
}
