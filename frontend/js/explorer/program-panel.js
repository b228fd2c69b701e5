// The program panel's plain parts: the examples menu, the inputs, Run (and Ctrl+Enter), the run's
// status and the error box. They work before the editor exists: CodeMirror (editor.js) is the
// largest script of the explorer's open (about 0.2 s of main-thread time in a cold browser), and
// below 1880 px the panel starts on its rail, so main.js mounts the editor after the first draw,
// or at once when the panel is opened first.

import { programErrorWhere } from '../shared/errors.js';
import { loadDraft } from './drafts.js';

/** Parse an input's text: JSON, plus Python's spellings (1., True, nan) that students type. */
export function parseInputValue(text) {
  const normalised = text
    .trim()
    .replace(/(\d)\.(?!\d)/g, '$1.0')
    .replace(/(^|[^\d.])\.(\d)/g, '$10.$2')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\(/g, '[')
    .replace(/\)/g, ']');
  return JSON.parse(normalised);
}

/**
 * Mount the panel's plain parts. A page with no program yet takes the student's draft (kept in
 * localStorage), as the editor will show it. Returns { readInputs, setStatus }.
 */
export function mountProgramPanel(store, { onRun, onExample }) {
  const errorBox = document.getElementById('program-error');
  const rows = document.getElementById('input-rows');
  const examples = document.getElementById('examples');
  const runButton = document.getElementById('run');
  const runStatus = document.getElementById('run-status');

  function renderError() {
    const error = store.get('error');
    if (!error) {
      errorBox.hidden = true;
      errorBox.replaceChildren();
      return;
    }
    const where = document.createElement('span');
    where.className = 'where';
    where.textContent = programErrorWhere(error);
    const message = document.createElement('span');
    message.className = 'message';
    message.textContent = error.message;
    errorBox.replaceChildren(where, message);
    if (error.fix) {
      const fix = document.createElement('span');
      fix.className = 'fix';
      fix.textContent = error.fix;
      errorBox.append(fix);
    }
    errorBox.dataset.line = error.line ?? '';
    errorBox.hidden = false;
  }

  function renderInputs() {
    const inputs = store.get('inputs') || {};
    rows.replaceChildren(...Object.entries(inputs).map(([name, value]) => inputRow(name, JSON.stringify(value))));
  }

  function inputRow(name = '', valueText = '') {
    const row = document.createElement('div');
    row.className = 'input-row';
    const nameInput = document.createElement('input');
    nameInput.value = name;
    nameInput.setAttribute('aria-label', 'Input name');
    nameInput.className = 'input-name';
    const eq = document.createElement('span');
    eq.textContent = '=';
    const valueInput = document.createElement('input');
    valueInput.value = valueText;
    valueInput.className = 'input-value';
    valueInput.setAttribute('aria-label', `Value of ${name || 'input'}`);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = '×';
    remove.setAttribute('aria-label', `Remove input ${name}`);
    remove.addEventListener('click', () => row.remove());
    for (const input of [nameInput, valueInput]) {
      input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') onRun();
      });
    }
    row.append(nameInput, eq, valueInput, remove);
    return row;
  }

  /** The inputs as typed, or throws an Error naming the bad one. */
  function readInputs() {
    const inputs = {};
    for (const row of rows.querySelectorAll('.input-row')) {
      const name = row.querySelector('.input-name').value.trim();
      const text = row.querySelector('.input-value').value;
      if (!name && !text.trim()) continue;
      if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`Input name "${name}" is not a Python name.`);
      try {
        inputs[name] = parseInputValue(text);
      } catch {
        throw new Error(`Input ${name}: "${text}" is not a number or a nested list of numbers.`);
      }
    }
    return inputs;
  }

  function renderExamples() {
    const list = store.get('examples');
    const own = document.createElement('option');
    own.value = '';
    own.textContent = 'Your own program…';
    const options = [own];
    const groups = new Map();
    for (const ex of list) {
      const section = ex.section || 'Examples';
      if (!groups.has(section)) {
        const group = document.createElement('optgroup');
        group.label = section;
        groups.set(section, group);
        options.push(group);
      }
      const option = document.createElement('option');
      option.value = ex.id;
      option.textContent = ex.title;
      groups.get(section).append(option);
    }
    examples.replaceChildren(...options);
    examples.value = store.get('example') || '';
  }

  // Ctrl+Enter anywhere on the page runs the program (inside the editor its keymap does).
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
      event.preventDefault();
      onRun();
    }
  });
  runButton.addEventListener('click', () => onRun());
  document.getElementById('add-input').addEventListener('click', () => {
    const row = inputRow();
    rows.append(row);
    row.querySelector('input').focus();
  });
  examples.addEventListener('change', () => {
    onExample(examples.value);
    // Arrow keys on a focused menu would pick another example: hand them to the step slider.
    if (examples.value) document.getElementById('step-slider').focus();
  });

  store.on(['error'], renderError);
  store.on(['inputs'], renderInputs);
  store.on(['examples', 'example'], renderExamples);
  store.on(['running'], (state) => {
    runButton.disabled = state.running;
    // Only a starting run writes here: the finished run's summary (setStatus) must stay visible.
    if (state.running) runStatus.textContent = 'running…';
  });

  if (!store.get('source')) {
    const draft = loadDraft(window.localStorage);
    store.set({ source: draft.source, inputs: draft.inputs });
  }
  renderInputs();
  return { readInputs, setStatus: (text) => (runStatus.textContent = text) };
}
