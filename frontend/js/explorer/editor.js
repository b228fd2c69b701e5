// The program editor: line numbers, span highlights (hover and errors), inputs, examples, Run.

import { nodeTitle } from './state.js';

const ERROR_TITLES = {
  syntax: 'Syntax error',
  forbidden: 'Not allowed',
  limit: 'Limit reached',
  runtime: 'Runtime error',
  autograd: "PyTorch's autograd error",
};

/** Character offset of (1-based line, 0-based column) in `source`, clamped to the text. */
export function offsetOf(source, line, column) {
  const lines = source.split('\n');
  const l = Math.max(1, Math.min(line, lines.length));
  let offset = 0;
  for (let i = 0; i < l - 1; i += 1) offset += lines[i].length + 1;
  return offset + Math.max(0, Math.min(column ?? 0, lines[l - 1].length));
}

/** Whether (line, column) falls inside `span` (end exclusive). */
function spanContains(span, line, column) {
  if (!span) return false;
  const endLine = span.end_line ?? span.line;
  const endColumn = span.end_column ?? Number.MAX_SAFE_INTEGER;
  if (line < span.line || line > endLine) return false;
  if (line === span.line && column < span.column) return false;
  if (line === endLine && column >= endColumn) return false;
  return true;
}

function spanSize(span) {
  return ((span.end_line ?? span.line) - span.line) * 10000 + ((span.end_column ?? 0) - span.column);
}

/** The node whose source span is the tightest one around (line, column), or null. */
export function nodeAtPosition(nodes, line, column) {
  let best = null;
  for (const node of nodes) {
    if (!spanContains(node.span, line, column)) continue;
    if (!best || spanSize(node.span) < spanSize(best.span)) best = node;
  }
  return best;
}

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

/** Lines the trace's warnings point at ("… on line 3"), mapped to the warning: where a graph was cut. */
export function warningLines(trace) {
  const lines = new Map();
  for (const warning of (trace && trace.warnings) || []) {
    for (const match of warning.matchAll(/\bline (\d+)/g)) lines.set(Number(match[1]), warning);
  }
  return lines;
}

export function mountEditor(store, { onRun, onExample }) {
  const textarea = document.getElementById('source');
  const backdrop = document.getElementById('backdrop');
  const gutter = document.getElementById('gutter');
  const errorBox = document.getElementById('program-error');
  const rows = document.getElementById('input-rows');
  const examples = document.getElementById('examples');
  const runButton = document.getElementById('run');
  const runStatus = document.getElementById('run-status');

  const marks = () => {
    const out = [];
    const error = store.get('error');
    if (error && error.line) {
      const start = error.column ?? 0;
      const hasEnd = error.end_line && error.end_column !== null && error.end_column !== undefined;
      const endLine = hasEnd ? error.end_line : error.line;
      const endColumn = hasEnd ? error.end_column : Number.MAX_SAFE_INTEGER;
      out.push({ span: { line: error.line, column: start, end_line: endLine, end_column: Math.max(endColumn, start + 1) }, cls: 'error-span' });
    }
    const hovered = store.node(store.get('hover'));
    if (hovered && hovered.span) out.push({ span: hovered.span, cls: 'linked' });
    return out;
  };

  function renderBackdrop() {
    const source = textarea.value;
    const pieces = [];
    const cuts = marks()
      .map((m) => ({
        start: offsetOf(source, m.span.line, m.span.column),
        end: offsetOf(source, m.span.end_line ?? m.span.line, m.span.end_column ?? Number.MAX_SAFE_INTEGER),
        cls: m.cls,
      }))
      .filter((m) => m.end >= m.start)
      .sort((a, b) => a.start - b.start);
    let at = 0;
    for (const cut of cuts) {
      if (cut.start < at) continue; // overlapping marks: the first one wins
      pieces.push(document.createTextNode(source.slice(at, cut.start)));
      const mark = document.createElement('mark');
      mark.className = cut.cls;
      // An error at the end of a line still needs something visible to underline.
      mark.textContent = source.slice(cut.start, cut.end) || ' ';
      pieces.push(mark);
      at = cut.end;
    }
    pieces.push(document.createTextNode(`${source.slice(at)}\n`));
    backdrop.replaceChildren(...pieces);
  }

  function renderGutter() {
    const count = textarea.value.split('\n').length;
    const error = store.get('error');
    const warned = warningLines(store.get('trace'));
    const lines = [];
    for (let i = 1; i <= count; i += 1) {
      const div = document.createElement('div');
      div.textContent = String(i);
      if (error && error.line === i) {
        div.className = 'error-line';
        div.title = error.message;
      } else if (warned.has(i)) {
        div.className = 'warn-line';
        div.title = warned.get(i);
      }
      lines.push(div);
    }
    gutter.replaceChildren(...lines);
  }

  function renderError() {
    const error = store.get('error');
    if (!error) {
      errorBox.hidden = true;
      errorBox.replaceChildren();
      return;
    }
    const where = document.createElement('span');
    where.className = 'where';
    const title = ERROR_TITLES[error.type] || 'Error';
    where.textContent = error.line
      ? `${title} at line ${error.line}${error.column !== null && error.column !== undefined ? `, column ${error.column + 1}` : ''}:`
      : `${title}:`;
    const message = document.createElement('span');
    message.className = 'message';
    message.textContent = error.message;
    errorBox.replaceChildren(where, message);
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

  const renderText = () => {
    if (textarea.value !== store.get('source')) textarea.value = store.get('source');
    renderBackdrop();
    renderGutter();
  };

  // Source position under the mouse, from the monospace metrics of the backdrop.
  let metrics = null;
  const measure = () => {
    const probe = document.createElement('span');
    probe.textContent = 'M'.repeat(20);
    backdrop.append(probe);
    const rect = probe.getBoundingClientRect();
    probe.remove();
    const style = getComputedStyle(textarea);
    metrics = {
      charWidth: rect.width / 20,
      lineHeight: parseFloat(style.lineHeight) || rect.height,
      left: parseFloat(style.paddingLeft),
      top: parseFloat(style.paddingTop),
    };
  };
  const hoverFromSource = (line, column) => {
    const trace = store.get('trace');
    if (!trace || store.get('source') !== trace.source) return;
    const node = nodeAtPosition(trace.nodes, line, column);
    store.set({ hover: node ? node.id : null });
    textarea.title = node ? nodeTitle(node) : '';
  };
  textarea.addEventListener('mousemove', (event) => {
    if (!metrics) measure();
    const line = Math.floor((event.offsetY - metrics.top) / metrics.lineHeight) + 1;
    const column = Math.floor((event.offsetX - metrics.left) / metrics.charWidth);
    hoverFromSource(line, column);
  });
  textarea.addEventListener('mouseleave', () => store.set({ hover: null }));
  const caretHover = () => {
    const before = textarea.value.slice(0, textarea.selectionStart).split('\n');
    hoverFromSource(before.length, before[before.length - 1].length);
  };
  textarea.addEventListener('keyup', (event) => {
    if (event.key.startsWith('Arrow') || event.key === 'Home' || event.key === 'End') caretHover();
  });
  textarea.addEventListener('click', caretHover);

  textarea.addEventListener('input', () => {
    store.set({ source: textarea.value, example: null, error: null });
    examples.value = '';
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onRun();
    } else if (event.key === 'Tab' && !event.shiftKey && textarea.selectionStart !== textarea.selectionEnd) {
      // Leave Tab for focus navigation unless the user is indenting a selection.
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && event.target !== textarea) {
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

  store.on(['source', 'error', 'hover', 'trace'], renderText);
  store.on(['error'], renderError);
  store.on(['inputs'], renderInputs);
  store.on(['examples', 'example'], renderExamples);
  store.on(['running'], (state) => {
    runButton.disabled = state.running;
    runStatus.textContent = state.running ? 'running…' : '';
  });

  renderText();
  renderInputs();
  return { readInputs, setStatus: (text) => (runStatus.textContent = text) };
}
