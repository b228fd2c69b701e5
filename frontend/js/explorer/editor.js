// The program editor (CodeMirror 6): Python highlighting, Tab indents, undo, diagnostics at line and
// column from the server's 400 answers, span highlights linked to the graph (the panel's menu, inputs
// and Run are program-panel.js; main.js mounts this module after the first draw: see there).
// Two tabs: "Your program" (the draft, kept in localStorage) and the program opened from an example
// or a link, so picking an example never throws a typed program away.

import {
  Decoration, EditorState, EditorView, GutterMarker, HighlightStyle, RangeSet, StateEffect, StateField, Transaction,
  bracketMatching, closeBrackets, closeBracketsKeymap, defaultKeymap, drawSelection, highlightActiveLine,
  highlightActiveLineGutter, highlightSelectionMatches, highlightSpecialChars, history, historyKeymap, indentOnInput,
  indentUnit, indentWithTab, keymap, lineNumberMarkers, lineNumbers, lintGutter, python, searchKeymap, setDiagnostics,
  syntaxHighlighting, tags,
} from '../../vendor/codemirror/codemirror.js';
import { PROGRAM_TITLES } from '../shared/errors.js';
import { loadDraft, saveDraft } from './drafts.js';
import { nodeTitle, ownSpan } from './state.js';
import { codeOf, stepSpans } from './step-source.js';


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

/** The node whose own source span is the tightest one around (line, column), or null (a call's
 * internal nodes share its span: the call's result is the node there). */
export function nodeAtPosition(nodes, line, column) {
  let best = null;
  for (const node of nodes) {
    if (!spanContains(ownSpan(node), line, column)) continue;
    if (!best || spanSize(node.span) < spanSize(best.span)) best = node;
  }
  return best;
}

export { parseInputValue } from './program-panel.js';

/** Lines the trace's warnings point at ("… on line 3"), mapped to the warning: where a graph was cut. */
export function warningLines(trace) {
  const lines = new Map();
  for (const warning of (trace && trace.warnings) || []) {
    for (const match of warning.matchAll(/\bline (\d+)/g)) lines.set(Number(match[1]), warning);
  }
  return lines;
}

/** Where the error's span ends: its end when the server sent one, else the end of its line. */
function errorEnd(source, error) {
  const hasEnd = error.end_line && error.end_column !== null && error.end_column !== undefined;
  if (hasEnd) return offsetOf(source, error.end_line, error.end_column);
  return offsetOf(source, error.line, Number.MAX_SAFE_INTEGER);
}

/** Lint diagnostics {from, to, severity, message} for a run's error and the trace's line warnings. */
export function diagnosticsFor(source, error, warned = new Map()) {
  const out = [];
  if (error && error.line) {
    const from = offsetOf(source, error.line, error.column ?? 0);
    let to = Math.max(from, errorEnd(source, error));
    // An empty span (the server points between two characters) still needs one character to underline.
    if (to === from && from < source.length && source[from] !== '\n') to = from + 1;
    const title = PROGRAM_TITLES[error.type] || 'Error';
    out.push({ from, to, severity: 'error', message: `${title}: ${error.message}` });
  }
  for (const [line, warning] of warned) {
    const from = offsetOf(source, line, 0);
    out.push({ from, to: offsetOf(source, line, Number.MAX_SAFE_INTEGER), severity: 'warning', message: warning });
  }
  return out;
}

// Colours come from CSS custom properties, so the editor follows the page's theme without a rebuild.
const codeHighlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.operatorKeyword, tags.definitionKeyword], color: 'var(--code-keyword)', fontWeight: '600' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--code-number)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--code-string)' },
  { tag: [tags.comment, tags.lineComment], color: 'var(--code-comment)', fontStyle: 'italic' },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: 'var(--code-function)' },
  { tag: [tags.operator, tags.punctuation, tags.bracket], color: 'var(--code-operator)' },
]);

const editorTheme = EditorView.theme({
  '&': { color: 'var(--fg)', backgroundColor: 'var(--panel)', fontSize: 'var(--code-size, 16px)' },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--fg)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5' },
  '.cm-gutters': { backgroundColor: 'var(--gutter-bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--fg)', borderLeftWidth: '2px' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'var(--selection)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--bracket-match)', outline: '1px solid var(--accent)' },
});

class LineClassMarker extends GutterMarker {
  constructor(className) {
    super();
    this.elementClass = className;
  }

  eq(other) {
    return other.elementClass === this.elementClass;
  }
}
const EDITED = ' (edited)'; // an example's tab title once the student changed its program
const ERROR_LINE = new LineClassMarker('error-line');
const WARN_LINE = new LineClassMarker('warn-line');

/** A state field holding a decoration-like set, replaced by its effect and mapped through edits. */
function replaceableField(empty, provide) {
  const effect = StateEffect.define();
  const field = StateField.define({
    create: () => empty,
    update(value, tr) {
      let next = value.map(tr.changes);
      for (const e of tr.effects) if (e.is(effect)) next = e.value;
      return next;
    },
    provide,
  });
  return { effect, field };
}

const linked = replaceableField(Decoration.none, (f) => EditorView.decorations.from(f));
const lineMarks = replaceableField(RangeSet.empty, (f) => lineNumberMarkers.from(f));
const linkedMark = Decoration.mark({ class: 'linked', tagName: 'mark' });
// the current backward step's code and the hooks that ran in it (step-source.js)
const stepping = replaceableField(Decoration.none, (f) => EditorView.decorations.from(f));
const STEP_MARKS = {
  step: Decoration.mark({ class: 'step-span', attributes: { title: "the current backward step's node was made here" } }),
  call: Decoration.mark({ class: 'step-call', attributes: { title: "the current backward step's node was made inside this call" } }),
  hook: Decoration.mark({ class: 'step-hook', attributes: { title: 'a hook that ran in the current backward step' } }),
};

/** The (1-based line, 0-based column) of offset `pos` in `doc`. */
function positionOf(doc, pos) {
  const line = doc.lineAt(pos);
  return { line: line.number, column: pos - line.from };
}

/** Whether `update` is a paste that replaced the whole document (a new program, not an edit). */
export function pastedOverAll(update) {
  if (!update.transactions.some((tr) => tr.isUserEvent('input.paste'))) return false;
  let whole = false;
  update.changes.iterChangedRanges((fromA, toA) => {
    if (fromA === 0 && toA === update.startState.doc.length) whole = true;
  });
  return whole;
}

export function mountEditor(store, { onRun }) {
  const host = document.getElementById('editor');
  const examples = document.getElementById('examples');
  const tabButtons = [...document.querySelectorAll('#editor-tabs [data-tab]')];
  const storage = window.localStorage;

  let external = false; // true while the editor applies a change that came from the store
  const onUpdate = (update) => {
    if (update.docChanged && !external) {
      const owned = active === 'program' && ownEdit(update);
      const source = update.state.doc.toString();
      // A whole program pasted over the example is a new program: the example's inputs (x = 1 beside
      // a pasted DeepNN) would be bound as leaves it never reads. They stay with the example's tab.
      store.set({ source, example: null, error: null, ...(owned && pastedOverAll(update) ? { inputs: {} } : {}) });
      examples.value = '';
      if (active === 'draft') saveDraft(storage, { source, inputs: store.get('inputs') });
    }
    if (update.selectionSet && update.view.hasFocus && !update.docChanged) caretHover(update.state);
  };

  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentOnInput(),
    indentUnit.of('    '),
    EditorState.tabSize.of(4),
    syntaxHighlighting(codeHighlight),
    bracketMatching(),
    closeBrackets(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    python(),
    lintGutter(),
    linked.field,
    stepping.field,
    lineMarks.field,
    editorTheme,
    keymap.of([
      { key: 'Mod-Enter', run: () => (onRun(), true), preventDefault: true },
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      indentWithTab, // Tab indents; Escape then Tab leaves the editor (CodeMirror's focus escape)
    ]),
    EditorView.contentAttributes.of({
      id: 'source',
      'aria-label': 'Program source. Tab indents, Ctrl+Enter runs, Escape then Tab leaves the editor.',
      spellcheck: 'false',
      autocapitalize: 'off',
      autocorrect: 'off',
    }),
    EditorView.updateListener.of(onUpdate),
  ];
  const newState = (doc) => EditorState.create({ doc, extensions });

  // Each tab keeps its own editor state (and so its own undo history) and its inputs.
  const draft = loadDraft(storage);
  const tabs = {
    draft: { state: newState(draft.source), inputs: draft.inputs, example: null },
    program: { state: newState(''), inputs: {}, example: null, title: '' },
  };
  let active = 'draft';
  const view = new EditorView({ state: tabs.draft.state, parent: host });
  // Keys typed in the editor are the editor's: the page's arrow-key stepping and shortcuts stay out.
  view.dom.addEventListener('keydown', (event) => event.stopPropagation());

  function renderTabs() {
    for (const button of tabButtons) {
      const tab = button.dataset.tab;
      button.setAttribute('aria-selected', String(tab === active));
      button.tabIndex = tab === active ? 0 : -1;
      if (tab === 'program') {
        button.hidden = !tabs.program.title;
        button.textContent = tabs.program.title;
      }
    }
    host.setAttribute('aria-labelledby', `tab-${active}`);
  }

  /** Replace the active tab's text as one undoable change (Ctrl+Z brings the old text back). */
  function replaceText(text, { undoable = true } = {}) {
    external = true;
    try {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        annotations: undoable ? [] : [Transaction.addToHistory.of(false)],
      });
    } finally {
      external = false;
    }
  }

  /**
   * The student edits the example's tab (a bare page opens on an example; they paste over it): with
   * no draft of their own yet, the edit becomes their program: the "Your program" tab takes the
   * editor as it is (with its undo history: Ctrl+Z gives the example back), so it is kept across a
   * reload, and the example's tab keeps the example. Before, the pasted program stayed under the
   * example's title and was lost on reload. With a draft already there, the tab says it was edited.
   */
  function ownEdit(update) {
    if (update.transactions.some((tr) => tr.isUserEvent('undo') || tr.isUserEvent('redo'))) return false;
    let owned = false;
    if (tabs.draft.state.doc.length === 0) {
      tabs.program.state = newState(update.startState.doc.toString());
      tabs.program.inputs = store.get('inputs'); // the example's, for when its tab is picked again
      active = 'draft'; // the view's state is the draft's now: no setState, the caret and history stay
      owned = true;
    } else if (tabs.program.title && !tabs.program.title.endsWith(EDITED)) {
      tabs.program.title += EDITED;
    }
    renderTabs();
    return owned;
  }

  // A tab's inputs follow the store while it is the active one (the 'inputs' listener below), never
  // read back from the store on leaving it: when an example opens, the store already holds the
  // example's inputs, and the draft took them (x = 1 beside the student's own program after a reload).
  function switchTo(tab) {
    if (tab === active) return;
    tabs[active].state = view.state;
    active = tab;
    view.setState(tabs[tab].state);
    renderTabs();
  }

  /** A program from the store (an example or a link) opens in the program tab, never over the draft. */
  function openFromStore(state) {
    if (!state.example && state.source === tabs.draft.state.doc.toString() && active !== 'draft') {
      switchTo('draft');
      return;
    }
    if (active === 'draft' && !state.example && state.source === view.state.doc.toString()) return;
    const example = state.examples.find((e) => e.id === state.example);
    const programState = active === 'program' ? view.state : tabs.program.state; // tabs[active] is stale
    const wasEmpty = programState.doc.length === 0;
    tabs.program.example = state.example;
    tabs.program.inputs = state.inputs || {}; // the store's are the program's being opened
    tabs.program.title = example ? `Example: ${example.title}` : 'From the link';
    switchTo('program');
    replaceText(state.source, { undoable: !wasEmpty });
    renderTabs();
  }

  /** The user picks a tab: its program, inputs and example come back, and it runs. */
  function pickTab(tab) {
    if (tab === active) return;
    switchTo(tab);
    const source = view.state.doc.toString();
    store.set({ source, inputs: tabs[tab].inputs || {}, example: tab === 'program' ? tabs.program.example : null, error: null });
    if (source.trim()) onRun();
    else store.set({ trace: null, position: 0 });
  }
  for (const button of tabButtons) {
    button.addEventListener('click', () => pickTab(button.dataset.tab));
    button.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
      event.preventDefault();
      event.stopPropagation(); // not a backward step
      const visible = tabButtons.filter((b) => !b.hidden);
      const next = visible[(visible.indexOf(button) + (event.key === 'ArrowRight' ? 1 : -1) + visible.length) % visible.length];
      pickTab(next.dataset.tab);
      next.focus();
    });
  }

  function renderDiagnostics() {
    const source = view.state.doc.toString();
    const trace = store.get('trace');
    const error = store.get('error');
    // Marks belong to the text that ran: after an edit they would point at the wrong characters.
    const current = trace ? trace.source === source : true;
    const warned = current ? warningLines(trace) : new Map();
    const diagnostics = diagnosticsFor(source, error, warned);
    const marks = diagnostics.map((d) => (d.severity === 'error' ? ERROR_LINE : WARN_LINE).range(view.state.doc.lineAt(d.from).from));
    const hovered = current ? store.node(store.get('hover')) : null;
    // a node's span (a node made inside a library module: the call that ran it), or a call's or
    // loop's when its box is hovered (graph-view.js)
    const span = hovered ? codeOf(trace, hovered)?.span : current ? store.get('hoverSpan') : null;
    const effects = [lineMarks.effect.of(RangeSet.of(marks, true)), linked.effect.of(Decoration.none)];
    if (span) {
      const from = offsetOf(source, span.line, span.column);
      const to = offsetOf(source, span.end_line ?? span.line, span.end_column ?? Number.MAX_SAFE_INTEGER);
      if (to > from) effects[1] = linked.effect.of(Decoration.set([linkedMark.range(from, to)]));
    }
    view.dispatch(setDiagnostics(view.state, diagnostics));
    view.dispatch({ effects });
  }

  // The step's code lit as the graph marks its node; only on the text that ran (as the marks above).
  function renderStep() {
    // On its rail the editor is not drawn: nothing to light (opening the panel renders it, below).
    // Stepping the 20,000-node MLP cost 5 ms more a step with the marks kept up to date unseen.
    if (view.dom.offsetParent === null) return;
    const source = view.state.doc.toString();
    const trace = store.get('trace');
    const backward = trace && trace.source === source ? store.backwardState() : null;
    const step = backward && backward.current;
    const spans = step ? stepSpans(store.pass(), store.get('position'), store.node(step.node), trace) : [];
    const ranges = [];
    for (const { span, kind } of spans) {
      const from = offsetOf(source, span.line, span.column);
      const to = offsetOf(source, span.end_line ?? span.line, span.end_column ?? Number.MAX_SAFE_INTEGER);
      if (to > from) ranges.push(STEP_MARKS[kind].range(from, to));
    }
    const effects = [stepping.effect.of(Decoration.set(ranges, true))];
    // the step's code brought into the editor's view (line 14 of a 16-line program was below it),
    // unless the student is typing there, or the panel is on its rail
    if (ranges.length && !view.hasFocus) {
      effects.push(EditorView.scrollIntoView(ranges[0].from, { y: 'nearest' }));
    }
    view.dispatch({ effects });
  }

  // Source position under the mouse or the caret names the node built there (the graph marks it too).
  const hoverAt = (line, column) => {
    const trace = store.get('trace');
    if (!trace || view.state.doc.toString() !== trace.source) return;
    const node = nodeAtPosition(trace.nodes, line, column);
    store.set({ hover: node ? node.id : null });
    view.contentDOM.title = node ? nodeTitle(node) : '';
  };
  function caretHover(state) {
    const { line, column } = positionOf(state.doc, state.selection.main.head);
    hoverAt(line, column);
  }
  view.contentDOM.addEventListener('mousemove', (event) => {
    const pos = view.posAtCoords({ x: event.clientX, y: event.clientY }, false);
    const { line, column } = positionOf(view.state.doc, pos);
    // posAtCoords rounds to the nearest gap: past a line's end there is no character under the mouse.
    const end = view.coordsAtPos(view.state.doc.line(line).to);
    hoverAt(line, end && event.clientX > end.right ? Number.MAX_SAFE_INTEGER : column);
  });
  view.contentDOM.addEventListener('mouseleave', () => store.set({ hover: null }));

  store.on(['source', 'example'], (state) => {
    if (state.source !== view.state.doc.toString() || (state.example && active === 'draft')) openFromStore(state);
  });
  store.on(['source', 'error', 'hover', 'hoverSpan', 'trace'], renderDiagnostics);
  store.on(['source', 'trace', 'position', 'passIndex', 'programOpen'], renderStep);
  store.on(['inputs'], (state) => {
    tabs[active].inputs = state.inputs;
    if (active === 'draft') saveDraft(storage, { source: view.state.doc.toString(), inputs: state.inputs });
  });
  store.on(['examples'], (state) => {
    const example = state.examples.find((e) => e.id === tabs.program.example);
    if (example) tabs.program.title = `Example: ${example.title}`;
    renderTabs();
  });

  // The store already holds the program shown (the draft, taken by program-panel.js, or an example).
  if (store.get('source')) openFromStore(store.state);
  renderTabs();
  renderDiagnostics();
  renderStep(); // a link opens at its step before the editor is mounted (main.js mounts it after the first draw)
  return { focus: () => view.focus() };
}
