// The viewer: one recording made in the user's own Python (autograd_explorer.record / explore),
// read from the page itself (#trace-data), drawn and stepped by the explorer's own modules. It asks
// no server for anything: the standalone page and the notebook widget are this page, inlined.

import { mountThemeToggle } from '../shared/theme.js';
import { counted } from '../shared/format.js';
import { buildGraphMarkup } from './graph-markup.js';
import { startsAsBoxes } from './graph-model.js';
import { mountGraphToolbar } from './graph-toolbar.js';
import { mountGraphView } from './graph-view.js';
import { mountInspector } from './inspector.js';
import { ExplorerStore } from './state.js';
import { mountStepControls } from './step-controls.js';
import { mountStepPanel } from './step-panel.js';
import { decodeTrace, mergeDetails } from './trace-decode.js';
import { mountTraceNotes } from './trace-notes.js';

const $ = (id) => document.getElementById(id);

export function mountViewer(trace) {
  buildGraphMarkup();
  const store = new ExplorerStore();
  const graph = mountGraphView(store);
  mountStepControls(store);
  mountStepPanel(store, { boxesOf: graph.boxesOf }); // after the graph: its boxes are built first
  mountInspector(store, { boxesOf: graph.boxesOf });
  mountGraphToolbar(store, graph);
  mountTraceNotes(store);
  mountThemeToggle($('viewer-tools'));
  if (trace) {
    const passes = trace.passes || [];
    const steps = passes.length ? passes[passes.length - 1].steps.length : 0;
    $('viewer-summary').textContent = `${counted(trace.nodes.length, 'node')} · ${counted(passes.length, 'backward pass', 'backward passes')} · ${counted(steps, 'step')}`;
    store.set({ trace, passIndex: Math.max(0, passes.length - 1), position: 0, collapse: startsAsBoxes(trace) });
  }
  return store;
}

/**
 * The readable trace of the page's payload. A recording's page carries the compact form with every
 * step's details (`details`, one /api/trace/details answer per pass): there is no server to ask.
 */
export function pageTrace(data) {
  if (!data) return null;
  const trace = decodeTrace(data);
  if (data.details) {
    for (const details of data.details) {
      const pass = trace.passes.find((p) => p.index === details.pass);
      if (pass) mergeDetails(pass, details);
    }
    trace.detailsOnDemand = false; // every step is as explained as it will be
  }
  return trace;
}

const data = JSON.parse($('trace-data').textContent || 'null');
const title = document.documentElement.dataset.title;
if (title) $('viewer-title').textContent = title;
mountViewer(pageTrace(data));
document.body.dataset.ready = 'true';
