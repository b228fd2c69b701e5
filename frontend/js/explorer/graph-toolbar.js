// The graph toolbar (fit, grouped boxes, saved tensors, find a node): the explorer page's and the viewer's.

import { hasDeclaredGroups } from './graph-groups.js';
import { LARGE_GRAPH } from './graph-model.js';
import { findNodes } from './node-search.js';

export function mountGraphToolbar(store, graph) {
  document.getElementById('fit').addEventListener('click', () => graph.fit());
  const collapse = document.getElementById('collapse');
  const showSaved = document.getElementById('show-saved');
  collapse.addEventListener('change', () => store.set({ collapse: collapse.checked }));
  showSaved.addEventListener('change', () => store.set({ showSaved: showSaved.checked }));
  store.on(['collapse', 'showSaved', 'trace'], (state) => {
    collapse.checked = state.collapse;
    showSaved.checked = state.showSaved;
    // Boxes are for large graphs and modules/calls; saved tensors are drawn for small flat ones only.
    const large = Boolean(state.trace) && state.trace.nodes.length > LARGE_GRAPH;
    const boxes = large || (Boolean(state.trace) && hasDeclaredGroups(state.trace));
    collapse.disabled = !boxes;
    showSaved.disabled = boxes;
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
}
