// The explorer page: wires the store to the editor, graph, step controls, panels, views and the URL.

import { deferredWriter } from '../shared/deferred-url.js';
import { describeError, describeProgramError } from '../shared/errors.js';
import { counted } from '../shared/format.js';
import { mountFollow } from '../shared/follow.js';
import { renderNav } from '../shared/nav.js';
import { mountPanels, restorePresentation, setPresentation } from '../shared/panels.js';
import { loadPlotly } from '../shared/plotly-loader.js';
import { readLocation, VIEWS, writeLocation } from '../shared/url-state.js';
import { mountBoxStepControl } from './box-step-control.js';
import { mountConsolePanel } from './console-panel.js';
import { openingExample, requestExamples, requestTrace, traceBody } from './early-trace.js';
import { mountGradColour } from './grad-colour.js';
import { mountGradNormsPlot } from './grad-norms-plot.js';
import { buildGraphMarkup } from './graph-markup.js';
import { mountExport } from './export.js';
import { startsAsBoxes } from './graph-model.js';
import { mountGraphToolbar } from './graph-toolbar.js';
import { mountGraphView } from './graph-view.js';
import { mountInspector } from './inspector.js';
import { mountLectureViews } from './lecture-views.js';
import { mountPassPicker, openIteration, passCount, positionOfPass } from './pass-picker.js';
import { mountPassesPlot } from './passes-plot.js';
import { mountProgramPanel } from './program-panel.js';
import { ExplorerStore } from './state.js';
import { mountStepControls } from './step-controls.js';
import { loadFormulas } from './formula.js';
import { mountStepDetails } from './step-details.js';
import { mountStepPanel } from './step-panel.js';
import { mountTorchvizView } from './torchviz-view.js';
import { mountTraceNotes } from './trace-notes.js';
import { decodeTrace } from './trace-decode.js';

const SLOW_TRACE_MS = 300; // a trace not answered by then: parse Plotly while waiting

/** Plotly loaded in the page's next idle moment, if `stillWanted()` says so then. */
function parsePlotlyWhenIdle(stillWanted = () => true) {
  const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 1000));
  idle(() => stillWanted() && loadPlotly().catch(() => {}), { timeout: 3000 });
}

performance.mark('explorer:modules-evaluated'); // every import fetched and run (cold_open_bench.py)
buildGraphMarkup(); // before anything below looks the toolbar, graph or step controls up
renderNav(document.getElementById('nav'), 'explorer');

const fromUrl = readLocation();
const store = new ExplorerStore({ source: fromUrl.source, inputs: fromUrl.inputs, view: fromUrl.view, example: fromUrl.example });
const root = document.getElementById('explorer');
let runCounter = 0;

async function run({ position = 0, passIndex = null, iteration = null } = {}) {
  let inputs;
  try {
    inputs = panel.readInputs();
  } catch (error) {
    store.set({ error: { type: null, title: 'Input not accepted', message: error.message, line: null, column: null } });
    return;
  }
  const source = store.get('source');
  const mine = ++runCounter;
  store.set({ running: true, inputs });
  try {
    const started = performance.now();
    const answering = requestTrace(traceBody(source, inputs, iteration));
    // A trace the server takes a while on (a 20,003-node MLP: over a second) leaves the page idle:
    // Plotly is parsed then (one 0.3–0.45 s task), not after the graph is drawn, where a student's
    // first → waited for it. A quick trace (the examples) is drawn first, Plotly after (start()).
    let waiting = true;
    const slow = setTimeout(() => parsePlotlyWhenIdle(() => waiting), SLOW_TRACE_MS);
    const answer = await answering.finally(() => {
      waiting = false;
      clearTimeout(slow);
    });
    performance.mark('explorer:trace-parsed'); // the answer's JSON parsed (benchmarks read these marks)
    const trace = decodeTrace(answer);
    if (mine !== runCounter) return;
    performance.mark('explorer:trace-received');
    trace.source = source;
    trace.inputs = inputs;
    // A small trace's steps are all explained in one request per pass, so stepping never waits. At
    // the start of a pass in the graph view the graph is drawn first and they land while the student
    // looks at it (a cold open waited ~50 ms for them); a link to a step or a lecture view (its
    // chain-rule formulas) needs them in its first frame.
    const explaining = stepDetails.all(trace);
    if (position > 0 || store.get('view') !== 'graph') await explaining;
    else explaining.catch(() => {}); // a failed window is asked for again by the step that needs it
    if (mine !== runCounter) return;
    const passes = trace.passes || [];
    // passIndex is a pass's program-wide index (a link's pass=); a training loop's trace holds one
    // pass's steps, so a link to another iteration asks the server to record that one
    const asked = passIndex === null ? -1 : positionOfPass(trace, passIndex);
    if (passIndex !== null && asked < 0 && iteration === null && passIndex < passCount(trace)) return run({ position, iteration: passIndex });
    const shownAt = positionOfPass(trace, trace.shown_pass); // the pass the server recorded for us
    const pass = asked >= 0 ? asked : shownAt >= 0 ? shownAt : Math.max(0, passes.length - 1);
    const steps = passes.length ? passes[pass].steps.length : 0;
    store.set({
      trace,
      // A backward() the engine stopped: its error marked in the code as a refused program's is.
      error: trace.stopped ? describeProgramError(trace.stopped) : null,
      passIndex: pass,
      position: Math.min(position, steps),
      selected: null,
      hover: null,
      hoverSpan: null,
      collapse: startsAsBoxes(trace),
      showSaved: false,
    });
    const elapsed = performance.now() - started;
    panel.setStatus(`${counted(trace.nodes.length, 'node')}, ${counted(steps, 'step')} · traced in ${Math.round(trace.stats.trace_ms)} ms, ${Math.round(elapsed)} ms round trip`);
  } catch (error) {
    if (mine !== runCounter) return;
    // Program errors keep their line and column (the editor marks them); every error reads in plain words.
    store.set({ error: describeError(error), trace: null, position: 0 });
    panel.setStatus('');
  } finally {
    if (mine === runCounter) {
      store.set({ running: false });
      // Lets tests and benchmarks wait for a finished run without polling the server.
      document.body.dataset.runs = String(mine);
    }
  }
}

// A message about the page itself (an unknown example in a link), shown above the editor.
const notice = document.getElementById('notice');
function showNotice(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

function loadExample(id) {
  showNotice('');
  const example = store.get('examples').find((e) => e.id === id);
  if (!example) {
    store.set({ example: null });
    return;
  }
  store.set({ example: example.id, source: example.source, inputs: example.inputs || {}, error: null });
  run();
}

// The notice speaks of the link the page opened with: once the user runs something, it is stale.
const runByUser = () => {
  showNotice('');
  run();
};
const panel = mountProgramPanel(store, { onRun: runByUser, onExample: loadExample });
// The editor (CodeMirror, editor.js): the largest script of the open, about 0.2 s of main-thread time
// in a cold browser. Below 1880 px the program panel starts on its rail, so the editor is mounted
// after the first draw (start()); opening the panel before that mounts it at once. The panel's menu,
// inputs and Run work meanwhile (program-panel.js). body[data-editor] says it is there.
let editorMounted = null;
function mountEditorNow() {
  editorMounted ??= import('./editor.js').then(({ mountEditor }) => {
    mountEditor(store, { onRun: runByUser });
    document.body.dataset.editor = 'ready';
  });
  return editorMounted;
}
const graph = mountGraphView(store);
mountStepControls(store);
mountConsolePanel(store);
mountGradColour(store);
mountGradNormsPlot(store);
// A step's boxes: the graph's, built on 'trace' before the panel hears it (the graph is mounted first).
mountStepPanel(store, { boxesOf: graph.boxesOf });
const stepDetails = mountStepDetails(store);
mountInspector(store, { boxesOf: graph.boxesOf });
mountTorchvizView(store);
mountLectureViews(store, { onExample: loadExample });
mountExport(store, graph);
mountBoxStepControl(store, graph);
// Another iteration of a training loop: the trace holds one pass's steps, the server records others.
const fetchPass = (index) => run({ iteration: index });
mountPassPicker(store, { fetchPass });
mountPassesPlot(store, { openIteration: (k) => openIteration(store, k, fetchPass) });

// Resizable, collapsible columns and the presentation mode, remembered across reloads.
const $ = (id) => document.getElementById(id);
mountPanels({
  grid: root,
  panels: { editor: { el: $('editor-pane'), toggle: $('toggle-editor') }, side: { el: $('side-pane'), toggle: $('toggle-side') } },
  splitters: { editor: $('split-editor'), side: $('split-side') },
  storage: window.localStorage,
  onOpen: (open) => store.set({ programOpen: open.editor }),
});
// Open from the start (a wide screen, or the student left it open): the editor is on screen at once.
const editorShownAtStart = $('editor-pane').dataset.open === 'true';
if (editorShownAtStart) mountEditorNow();
$('toggle-editor').addEventListener('click', mountEditorNow);
// Presentation mode is switched in the top bar (every page); here the lecturer picks the panels it hides.
let presentation = restorePresentation(document.documentElement, window.localStorage);
const hideBoxes = [...document.querySelectorAll('#present-menu [data-hide]')];
for (const box of hideBoxes) box.checked = presentation.hide.includes(box.dataset.hide);
document.addEventListener('presentationchange', (event) => { presentation = event.detail; });
const changeHidden = () => {
  const hide = hideBoxes.filter((b) => b.checked).map((b) => b.dataset.hide);
  presentation = setPresentation(document.documentElement, window.localStorage, { ...presentation, hide });
};
for (const box of hideBoxes) box.addEventListener('change', changeHidden);

// View tabs.
const tabs = [...document.querySelectorAll('.view-tabs [data-view]')];
for (const tab of tabs) tab.addEventListener('click', () => store.set({ view: tab.dataset.view }));
const renderView = () => {
  root.dataset.view = store.get('view');
  for (const tab of tabs) tab.setAttribute('aria-selected', String(tab.dataset.view === store.get('view')));
};
store.on(['view'], renderView);
renderView();

mountGraphToolbar(store, graph);

// Explanation and warnings of the current example / trace (printed lines: console-panel.js).
store.on(['example', 'examples'], (state) => {
  const box = document.getElementById('explanation');
  const example = state.examples.find((e) => e.id === state.example);
  box.hidden = !example || !example.explanation;
  if (!example) return;
  const heading = document.createElement('h2');
  heading.textContent = example.section ? `${example.section}: ${example.title}` : example.title;
  const text = document.createElement('p');
  text.textContent = example.explanation || '';
  box.replaceChildren(heading, text);
});
mountTraceNotes(store);

// The URL follows the state, so a copied link reopens the same program, step and view. A step is
// written a moment later, once for a burst of steps, in idle time: encoding the URL and
// history.replaceState took 5–20 ms in profiles, and on a timer alone it landed inside the next
// step of a student holding →. Anything else is written at once.
const url = deferredWriter(() => writeUrl(store.state), { delayMs: 200, idle: true, flushOn: window });
store.on(['source', 'inputs', 'trace', 'position', 'passIndex', 'view', 'example'], (state, changed) => {
  // While the page opens (the example, then its trace) the link it was opened by is still right:
  // written once after the first draw, not twice before it (cold_open_bench).
  if ((changed.size === 1 && changed.has('position')) || !document.body.dataset.ready) url.schedule();
  else url.now();
});
function writeUrl(state) {
  const passes = state.trace ? state.trace.passes || [] : [];
  const example = state.examples.find((e) => e.id === state.example);
  const inputsChanged = !example || JSON.stringify(example.inputs || {}) !== JSON.stringify(state.inputs);
  writeLocation({
    example: state.example,
    source: example ? '' : state.source,
    inputs: inputsChanged ? state.inputs : {},
    pass: passCount(state.trace) > 1 && passes[state.passIndex] ? (passes[state.passIndex].index ?? state.passIndex) : null,
    step: state.trace ? state.position : null,
    view: state.view,
  });
}

async function start() {
  // A link with its own program need not wait for the examples menu.
  const early = fromUrl.source ? run({ position: fromUrl.step ?? 0, passIndex: fromUrl.pass }) : null;
  try {
    store.set({ examples: await requestExamples() }); // sent at load by early-trace.js
  } catch (error) {
    panel.setStatus(`examples unavailable: ${error.message}`);
  }
  const examples = store.get('examples');
  const opening = openingExample(examples, fromUrl); // the one early-trace.js has asked to trace
  if (fromUrl.example && examples.length && !examples.some((e) => e.id === fromUrl.example)) {
    // An unknown id in a shared link (a typo, a renamed example): say so, then show something.
    const shown = opening ? `'${opening.example.title}' instead` : 'the program from the link';
    showNotice(`No example called '${fromUrl.example}'; showing ${shown}.`);
    store.set({ example: null });
  }
  if (opening) store.set({ example: opening.example.id, source: opening.example.source, inputs: opening.inputs });
  if (early) await early;
  else if (store.get('source')) await run({ position: fromUrl.step ?? 0, passIndex: fromUrl.pass });
  if (editorShownAtStart) await mountEditorNow().catch(() => {}); // on screen: part of the open
  performance.mark('explorer:ready');
  document.body.dataset.ready = 'true';
  // The first step's formulas asked before the first →, once the graph's first frame is painted.
  requestAnimationFrame(() => setTimeout(stepDetails.ahead, 0));
  // The editor, once the graph's first frame is painted (the panel on its rail: see mountEditorNow).
  requestAnimationFrame(() => setTimeout(mountEditorNow, 0));
  // KaTeX, left out of the open (formula.js), typeset-ready before a student's first step.
  (window.requestIdleCallback || setTimeout)(() => loadFormulas().catch(() => {}));
  // Parse Plotly while the student reads the graph (unless it was while a slow trace was computed):
  // the first f and f′ plot, Jacobian heatmap or loss plot then draws at once instead of waiting
  // ~0.3 s for the bundle (ui_bench: explorer.plot).
  parsePlotlyWhenIdle();
}

// Follow mode: a lecturer shares the program that ran, its inputs, the pass, the step and the view.
mountFollow({
  page: 'explorer',
  store,
  keys: ['trace', 'position', 'passIndex', 'view'],
  snapshot: () => {
    const { trace, example, source, inputs, passIndex, position, view } = store.state;
    // What ran, not what is half-typed in the editor.
    return { example, source: trace ? trace.source : source, inputs: trace ? trace.inputs : inputs, passIndex, position, view };
  },
  apply: (shared) => {
    const { trace } = store.state;
    const view = VIEWS.includes(shared.view) ? shared.view : 'graph';
    const same = trace && trace.source === shared.source && JSON.stringify(trace.inputs) === JSON.stringify(shared.inputs);
    if (same) {
      store.set({ view, passIndex: shared.passIndex });
      store.set({ position: Math.min(shared.position, store.stepCount()) }); // the count of that pass
      return;
    }
    store.set({ view, example: shared.example, source: shared.source, inputs: shared.inputs || {}, error: null });
    run({ position: shared.position || 0, passIndex: shared.passIndex });
  },
});

// A link pasted into this tab changes only the hash: start over from it (our own updates use
// history.replaceState, which fires no hashchange).
window.addEventListener('hashchange', () => window.location.reload());

start();
