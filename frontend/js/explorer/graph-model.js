// What the graph view draws, derived from a trace: display nodes and edges, with long chains of
// single-input single-consumer operations folded into one node so large graphs stay readable.

/** Nodes above which chains are collapsed and saved tensors hidden by default. */
export const LARGE_GRAPH = 150;

/** The shortest run of operations that is folded into one chain node. */
export const MIN_CHAIN = 4;

function degrees(nodes, edges) {
  const inDeg = new Map(nodes.map((n) => [n.id, 0]));
  const outDeg = new Map(nodes.map((n) => [n.id, 0]));
  for (const e of edges) {
    inDeg.set(e.target, (inDeg.get(e.target) || 0) + 1);
    outDeg.set(e.source, (outDeg.get(e.source) || 0) + 1);
  }
  return { inDeg, outDeg };
}

/**
 * Maximal runs of op nodes that each have one producer and one consumer, in data-flow order.
 * Returns arrays of node ids of at least `minLength` members.
 */
export function findChains(nodes, edges, minLength = MIN_CHAIN) {
  const { inDeg, outDeg } = degrees(nodes, edges);
  const next = new Map();
  const prev = new Map();
  for (const e of edges) {
    next.set(e.source, e.target);
    prev.set(e.target, e.source);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const linkable = (id) => {
    const n = byId.get(id);
    return n && n.kind === 'op' && !n.is_output && inDeg.get(id) === 1 && outDeg.get(id) === 1;
  };
  const chains = [];
  const seen = new Set();
  for (const n of nodes) {
    if (seen.has(n.id) || !linkable(n.id)) continue;
    // Only start at the first member: its producer is not itself linkable.
    if (linkable(prev.get(n.id))) continue;
    const chain = [];
    let id = n.id;
    while (id !== undefined && linkable(id) && !seen.has(id)) {
      chain.push(id);
      seen.add(id);
      id = next.get(id);
    }
    if (chain.length >= minLength) chains.push(chain);
  }
  return chains;
}

/**
 * The display graph: `nodes` [{id, kind, members, node?}], `edges` [{id, source, target, edges}],
 * and `displayOf` mapping each trace node id to the display node id that shows it.
 */
export function buildGraphModel(trace, { collapse = false, showSaved = false } = {}) {
  const displayOf = new Map();
  const nodes = [];
  const chains = collapse ? findChains(trace.nodes, trace.edges) : [];
  const chainOf = new Map();
  chains.forEach((chain, i) => chain.forEach((id) => chainOf.set(id, i)));
  const chainNodes = new Map();
  for (const node of trace.nodes) {
    const chainIndex = chainOf.get(node.id);
    if (chainIndex === undefined) {
      const id = `n${node.id}`;
      displayOf.set(node.id, id);
      nodes.push({ id, kind: node.is_output ? 'output' : node.kind, members: [node.id], node });
      continue;
    }
    let display = chainNodes.get(chainIndex);
    if (!display) {
      const members = chains[chainIndex];
      display = { id: `c${members[0]}_${members[members.length - 1]}`, kind: 'chain', members, node: null };
      chainNodes.set(chainIndex, display);
      nodes.push(display);
    }
    displayOf.set(node.id, display.id);
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
      if (!owner || owner.startsWith('c')) continue;
      (node.saved || []).forEach((saved, i) => {
        const id = `s${node.id}_${i}`;
        nodes.push({ id, kind: 'saved', members: [], node: null, saved, owner: node.id });
        edges.push({ id: `se${node.id}_${i}`, source: id, target: owner, edges: [], saved: true });
      });
    }
  }
  return { nodes, edges, displayOf, chains };
}
