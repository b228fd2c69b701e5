// The explorer page: wires the store to the editor, graph, step controls, panels, views and the URL.

import { getJSON, postJSON } from '../shared/api.js';
import { describeError } from '../shared/errors.js';
import { mountFollow } from '../shared/follow.js';
import { renderNav } from '../shared/nav.js';
import { applyPresentation, mountPanels, PRESENT_KEY, restorePresentation, writeStored } from '../shared/panels.js';
import { readLocation, VIEWS, writeLocation } from '../shared/url-state.js';
import { mountEditor } from './editor.js';
import { mountExport } from './export.js';
import { LARGE_GRAPH } from './graph-model.js';
import { mountGraphView } from './graph-view.js';
import { mountInspector } from './inspector.js';
import { mountLectureViews } from './lecture-views.js';
import { findNodes } from './node-search.js';
import { ExplorerStore } from './state.js';
import { mountStepControls } from './step-controls.js';
import { fetchAllDetails, mountStepDetails } from './step-details.js';
import { mountStepPanel } from './step-panel.js';
import { mountTorchvizView } from './torchviz-view.js';
import { decodeTrace } from './trace-decode.js';

const DEFAULT_EXAMPLE = 'polynomial';

renderNav(document.getElementById('nav'), 'explorer');

const fromUrl = readLocation();
const store = new ExplorerStore({ source: fromUrl.source, inputs: fromUrl.inputs, view: fromUrl.view, example: fromUrl.example });
const root = document.getElementById('explorer');
let runCounter = 0;

async function run({ position = 0, passIndex = null } = {}) {
  let inputs;
  try {
    inputs = editor.readInputs();
  } catch (error) {
    store.set({ error: { type: null, title: 'Input not accepted', message: error.message, line: null, column: null } });
    return;
  }
  const source = store.get('source');
  const mine = ++runCounter;
  store.set({ running: true, inputs });
  try {
    const started = performance.now();
    // The compact form (column tables, one float32 buffer) is a tenth of the readable one; what a
    // step says in words and formulas is fetched for the steps shown (step-details.js).
    const trace = decodeTrace(await postJSON('/api/trace', { source, inputs, format: 'compact' }));
    if (mine !== runCounter) return;
    performance.mark('explorer:trace-received');
    trace.source = source;
    trace.inputs = inputs;
    await fetchAllDetails(trace);
    if (mine !== runCounter) return;
    const passes = trace.passes || [];
    const pass = passIndex !== null && passIndex < passes.length ? passIndex : Math.max(0, passes.length - 1);
    const steps = passes.length ? passes[pass].steps.length : 0;
    const large = trace.nodes.length > LARGE_GRAPH;
    store.set({
      trace,
      error: null,
      passIndex: pass,
      position: Math.min(position, steps),
      selected: null,
      hover: null,
      collapse: large,
      showSaved: false,
    });
    const elapsed = performance.now() - started;
    editor.setStatus(`${trace.nodes.length} nodes, ${steps} steps · traced in ${Math.round(trace.stats.trace_ms)} ms, ${Math.round(elapsed)} ms round trip`);
  } catch (error) {
    if (mine !== runCounter) return;
    // Program errors keep their line and column (the editor marks them); every error reads in plain words.
    store.set({ error: describeError(error), trace: null, position: 0 });
    editor.setStatus('');
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

const editor = mountEditor(store, { onRun: () => run(), onExample: loadExample });
const graph = mountGraphView(store);
mountStepControls(store);
mountStepPanel(store);
mountStepDetails(store);
mountInspector(store);
mountTorchvizView(store);
mountLectureViews(store, { onExample: loadExample });
mountExport(store, graph);

// Resizable, collapsible columns and the presentation mode, remembered across reloads.
const $ = (id) => document.getElementById(id);
mountPanels({
  grid: root,
  panels: { editor: { el: $('editor-pane'), toggle: $('toggle-editor') }, side: { el: $('side-pane'), toggle: $('toggle-side') } },
  splitters: { editor: $('split-editor'), side: $('split-side') },
  storage: window.localStorage,
});
let presentation = restorePresentation(document.documentElement, window.localStorage);
const presentOn = $('present-on');
const hideBoxes = [...document.querySelectorAll('#present-menu [data-hide]')];
const showPresentation = () => {
  presentOn.checked = presentation.on;
  for (const box of hideBoxes) box.checked = presentation.hide.includes(box.dataset.hide);
};
const changePresentation = () => {
  presentation = { on: presentOn.checked, hide: hideBoxes.filter((b) => b.checked).map((b) => b.dataset.hide) };
  applyPresentation(document.documentElement, presentation);
  writeStored(window.localStorage, PRESENT_KEY, presentation);
  window.dispatchEvent(new Event('resize')); // the graph and plots refit to the new type and columns
};
showPresentation();
for (const box of [presentOn, ...hideBoxes]) box.addEventListener('change', changePresentation);

// View tabs.
const tabs = [...document.querySelectorAll('.view-tabs [data-view]')];
for (const tab of tabs) tab.addEventListener('click', () => store.set({ view: tab.dataset.view }));
const renderView = () => {
  root.dataset.view = store.get('view');
  for (const tab of tabs) tab.setAttribute('aria-selected', String(tab.dataset.view === store.get('view')));
};
store.on(['view'], renderView);
renderView();

// Graph toolbar.
document.getElementById('fit').addEventListener('click', () => graph.fit());
const collapse = document.getElementById('collapse');
const showSaved = document.getElementById('show-saved');
collapse.addEventListener('change', () => store.set({ collapse: collapse.checked }));
showSaved.addEventListener('change', () => store.set({ showSaved: showSaved.checked }));
store.on(['collapse', 'showSaved', 'trace'], (state) => {
  collapse.checked = state.collapse;
  showSaved.checked = state.showSaved;
  // Boxes are for large graphs; saved tensors are drawn for small ones only.
  const large = Boolean(state.trace) && state.trace.nodes.length > LARGE_GRAPH;
  collapse.disabled = !large;
  showSaved.disabled = large;
});
const search = document.getElementById('search');
search.addEventListener('input', () => store.set({ search: search.value }));
// Enter opens the first match in the inspector, so a node is reachable without a mouse.
search.addEventListener('keydown', (event) => {
  const trace = store.get('trace');
  if (event.key !== 'Enter' || !trace) return;
  const [hit] = findNodes(trace.nodes, search.value);
  if (hit) store.set({ selected: hit.id });
});

// Explanation, warnings and printed lines of the current example / trace.
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
store.on(['trace'], (state) => {
  const warnings = document.getElementById('warnings');
  const list = (state.trace && state.trace.warnings) || [];
  warnings.hidden = list.length === 0;
  warnings.replaceChildren(
    ...list.map((w) => {
      const li = document.createElement('li');
      li.textContent = w;
      return li;
    }),
  );
  const printed = document.getElementById('printed');
  const lines = (state.trace && state.trace.printed) || [];
  printed.hidden = lines.length === 0;
  printed.textContent = lines.join('\n');
});

// The URL follows the state, so a copied link reopens the same program, step and view.
store.on(['source', 'inputs', 'trace', 'position', 'passIndex', 'view', 'example'], (state) => {
  const passes = state.trace ? state.trace.passes || [] : [];
  const example = state.examples.find((e) => e.id === state.example);
  const inputsChanged = !example || JSON.stringify(example.inputs || {}) !== JSON.stringify(state.inputs);
  writeLocation({
    example: state.example,
    source: example ? '' : state.source,
    inputs: inputsChanged ? state.inputs : {},
    pass: passes.length > 1 ? state.passIndex : null,
    step: state.trace ? state.position : null,
    view: state.view,
  });
});

async function start() {
  // A link with its own program need not wait for the examples menu.
  const early = fromUrl.source ? run({ position: fromUrl.step ?? 0, passIndex: fromUrl.pass }) : null;
  try {
    store.set({ examples: await getJSON('/api/examples') });
  } catch (error) {
    editor.setStatus(`examples unavailable: ${error.message}`);
  }
  const examples = store.get('examples');
  const wanted = fromUrl.example || (!fromUrl.source && DEFAULT_EXAMPLE);
  let example = examples.find((e) => e.id === wanted);
  if (!example && fromUrl.example && examples.length) {
    // An unknown id in a shared link (a typo, a renamed example): say so, then show something.
    example = fromUrl.source ? null : examples[0];
    const shown = example ? `'${example.title}' instead` : 'the program from the link';
    showNotice(`No example called '${fromUrl.example}'; showing ${shown}.`);
    store.set({ example: null });
  } else if (!example && !fromUrl.source) {
    example = examples[0]; // no example asked for: open the first rather than nothing
  }
  if (example && !fromUrl.source) {
    const inputs = Object.keys(fromUrl.inputs).length ? fromUrl.inputs : example.inputs || {};
    store.set({ example: example.id, source: example.source, inputs });
  }
  if (early) await early;
  else if (store.get('source')) await run({ position: fromUrl.step ?? 0, passIndex: fromUrl.pass });
  performance.mark('explorer:ready');
  document.body.dataset.ready = 'true';
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
