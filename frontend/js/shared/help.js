// The keyboard-shortcut overlay: `?` on any page opens it, Escape (or its Close button) closes it.

// Shortcuts every page has, then each page's own (keyed by the page's path).
const COMMON = [
  ['?', 'open or close this list'],
  ['Tab / Shift+Tab', 'move between controls'],
  ['Enter or Space', 'press the focused button'],
  ['Escape', 'close this list'],
];
const BY_PAGE = {
  '/': [
    ['Ctrl+Enter', 'run the program (anywhere on the page)'],
    ['Tab / Shift+Tab in the editor', 'indent / unindent the line or selection'],
    ['Escape, then Tab', 'leave the editor (Tab indents while you are in it)'],
    ['Ctrl+Z / Ctrl+Shift+Z', 'undo / redo in the editor (also brings back a program an example replaced)'],
    ['Ctrl+F', 'find in the program'],
    ['→ / ←', 'next / previous backward step (outside the editor and text fields)'],
    ['Home / End', 'first / last backward step'],
    ['B', "step through the opened box's backward pass: the cursor goes just before its first step, → walks them"],
    ['Space', 'play or pause the backward pass'],
    ['Enter in "find node"', 'open the first match in the inspector'],
  ],
  '/optimize.html': [['Enter in a field', 'run with these settings (the Run button)']],
  '/regression.html': [['Enter in a field', 'fit with these settings']],
  '/pitfall.html': [['Enter in a field', 'run both versions']],
  '/models.html': [['Enter in a field', 'train with these settings'], ['Enter on a model row', 'select that model']],
  '/language.html': [['Ctrl+F', "find a name with the browser's search"]],
};

/** The shortcut rows [keys, what] for the page at `path`: its own first, then the common ones. */
export function shortcutsFor(path) {
  const page = path === '/index.html' ? '/' : path;
  return [...(BY_PAGE[page] || []), ...COMMON];
}

const NOT_TEXT_INPUTS = new Set(['range', 'checkbox', 'radio', 'button', 'submit', 'reset', 'color', 'file']);

/** Whether a keydown is the `?` that opens help (not a ? typed into a field or the editor). */
export function isHelpKey(event) {
  if (event.key !== '?' || event.ctrlKey || event.metaKey || event.altKey) return false;
  const target = event.target;
  if (!target || !target.closest) return true;
  if (target.closest('textarea, select, [contenteditable="true"], .cm-editor')) return false;
  // A ? in a text field is text; on a slider, checkbox or button it can only mean help.
  return !(target.tagName === 'INPUT' && !NOT_TEXT_INPUTS.has(target.type));
}

function definitionList(rows) {
  const list = document.createElement('dl');
  for (const [keys, what] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = keys;
    const dd = document.createElement('dd');
    dd.textContent = what;
    list.append(dt, dd);
  }
  return list;
}

/** A help button in `container` and the overlay it opens; `?` anywhere opens it too. */
export function mountHelp(container, path = window.location.pathname) {
  const dialog = document.createElement('dialog');
  dialog.className = 'help';
  dialog.id = 'help';
  dialog.setAttribute('aria-labelledby', 'help-title');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.textContent = 'Close';
  close.addEventListener('click', () => dialog.close());
  const title = document.createElement('h2');
  title.id = 'help-title';
  title.textContent = 'Keyboard shortcuts';
  const more = document.createElement('p');
  const link = document.createElement('a');
  link.href = '/language.html';
  link.textContent = 'The language reference';
  more.append(link, ' lists everything a program may use.');
  dialog.append(close, title, definitionList(shortcutsFor(path)), more);
  document.body.append(dialog);

  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'help-button';
  button.title = 'Keyboard shortcuts (?)';
  button.setAttribute('aria-label', 'Keyboard shortcuts');
  button.setAttribute('aria-haspopup', 'dialog');
  button.textContent = '?';
  button.addEventListener('click', () => dialog.showModal());
  container.append(button);

  document.addEventListener('keydown', (event) => {
    if (!isHelpKey(event)) return;
    event.preventDefault();
    if (dialog.open) dialog.close();
    else dialog.showModal();
  });
  return dialog;
}
