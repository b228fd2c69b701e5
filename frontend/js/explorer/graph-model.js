// What the graph view draws for a small trace: a display node per trace node (and per saved tensor
// when asked for) and the edges between them. Large traces are drawn as boxes (graph-groups.js).

import { hasDeclaredGroups, OPEN_BOXES_UP_TO } from './graph-groups.js';
import { stoppedNodeId } from './stopped-note.js';

/** Nodes above which a trace is drawn as boxes (graph-groups.js) rather than node for node. */
export const LARGE_GRAPH = 150;

/** Whether a trace starts as closed boxes ("grouped" ticked): large graphs, and modules or calls above
 * a few nodes. The explorer page's rule and the saved page's (a notebook recording of a small
 * nn.Sequential showed every box open, their titles cut by the first view, "grouped" unticked). */
export function startsAsBoxes(trace) {
  return trace.nodes.length > LARGE_GRAPH || (hasDeclaredGroups(trace) && trace.nodes.length > OPEN_BOXES_UP_TO);
}

/** The display node that shows trace node `node` alone. */
export function nodeDisplay(node) {
  return { id: `n${node.id}`, kind: node.is_output ? 'output' : node.kind, members: [node.id], node };
}

/**
 * Cytoscape classes of a display node: its kind, and `stopped` for the node the trace's `stopped.node`
 * marks (the in-place pitfall's sqrt, whose saved output was changed; the w an update outside
 * torch.no_grad() was changing).
 */
export function displayClasses(display, trace) {
  const stopped = display.node && display.node.id === stoppedNodeId(trace);
  return stopped ? `${display.kind} stopped` : display.kind;
}

/**
 * The display graph: `nodes` [{id, kind, members, node?}], `edges` [{id, source, target, edges}],
 * and `displayOf` mapping each trace node id to the display node id that shows it.
 */
export function buildGraphModel(trace, { showSaved = false } = {}) {
  const displayOf = new Map();
  const nodes = [];
  for (const node of trace.nodes) {
    const display = nodeDisplay(node);
    displayOf.set(node.id, display.id);
    nodes.push(display);
  }
  const edges = [];
  const edgeIndex = new Map();
  for (const e of trace.edges) {
    const source = displayOf.get(e.source);
    const target = displayOf.get(e.target);
    if (source === undefined || target === undefined || source === target) continue;
    const key = `${source}->${target}`;
    const existing = edgeIndex.get(key);
    if (existing) {
      existing.edges.push(e.id);
      continue;
    }
    const display = { id: `e${e.id}`, source, target, edges: [e.id], saved: false };
    edgeIndex.set(key, display);
    edges.push(display);
  }
  if (showSaved) {
    for (const node of trace.nodes) {
      const owner = displayOf.get(node.id);
      if (!owner) continue;
      (node.saved || []).forEach((saved, i) => {
        const id = `s${node.id}_${i}`;
        nodes.push({ id, kind: 'saved', members: [], node: null, saved, owner: node.id });
        edges.push({ id: `se${node.id}_${i}`, source: id, target: owner, edges: [], saved: true });
      });
    }
  }
  return { nodes, edges, displayOf };
}
