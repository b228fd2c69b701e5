// Which drawn item shows each trace node (itself or its outermost closed box) and which edges join the
// drawn items, kept up to date as boxes open and close. A step that moves into another box opens one
// box and closes another: only the nodes under those boxes and their edges are looked at again, not
// all 20,000 (recomputing everything took most of a step's time at that size).

/**
 * Visibility bookkeeping for `hierarchy` (graph-groups.js) over the trace's `nodes` and `edges`
 * ({source, target} node ids). `update(isOpen)` records which boxes are open and returns
 * {visible: Map node id → item id, added: [{id, source, target}], removed: [edge id]}: the drawn
 * edges (`e:<source item>><target item>`, one per pair of items) that appeared and disappeared.
 */
export function createVisibility(hierarchy, nodes, edges) {
  const { groups, parentOf, root } = hierarchy;
  const open = new Map(); // group id → open at the last update
  const visible = new Map();
  const drawn = new Map(); // edge id → {source, target, count of trace edges it stands for}
  const edgeIds = new Array(edges.length).fill(null);
  const incident = new Map(); // node id → indices of its edges
  edges.forEach((edge, i) => {
    for (const end of edge.source === edge.target ? [edge.source] : [edge.source, edge.target]) {
      const list = incident.get(end);
      if (list) list.push(i);
      else incident.set(end, [i]);
    }
  });
  let started = false; // the first update draws everything
  let leaves = null; // group id → the node ids under it, built the first time a box changes

  function leavesOf(id) {
    if (!leaves) {
      leaves = new Map();
      const collect = (groupId) => {
        const list = [];
        for (const child of groups.get(groupId).children) {
          if (groups.has(child)) for (const n of collect(child)) list.push(n);
          else list.push(Number(child.slice(1)));
        }
        leaves.set(groupId, list);
        return list;
      };
      collect(root);
    }
    return leaves.get(id);
  }

  // The outermost closed box above the node, else the node itself; walked without allocating.
  function visibleItem(nodeId) {
    let shown = `n${nodeId}`;
    for (let id = parentOf.get(shown); id && id !== root; id = parentOf.get(id)) if (!open.get(id)) shown = id;
    return shown;
  }

  function update(isOpen) {
    const changed = new Set();
    for (const id of groups.keys()) {
      if (id === root) continue;
      const now = Boolean(isOpen(id));
      if (open.get(id) !== now) {
        open.set(id, now);
        changed.add(id);
      }
    }
    if (!started) {
      started = true;
      return firstUpdate();
    }
    // Only the outermost changed boxes: the nodes under an inner one are under those too.
    const affected = [];
    for (const id of changed) {
      let outermost = true;
      for (let up = parentOf.get(id); up && up !== root; up = parentOf.get(up)) if (changed.has(up)) outermost = false;
      if (outermost) for (const n of leavesOf(id)) affected.push(n);
    }
    const dirty = new Set();
    for (const nodeId of affected) {
      const item = visibleItem(nodeId);
      if (visible.get(nodeId) === item) continue;
      visible.set(nodeId, item);
      for (const i of incident.get(nodeId) || []) dirty.add(i);
    }
    const countBefore = new Map(); // edge id → its count before this update, for those touched
    const touch = (id) => {
      if (!countBefore.has(id)) countBefore.set(id, drawn.has(id) ? drawn.get(id).count : 0);
    };
    for (const i of dirty) {
      const { source, target } = edges[i];
      const a = visible.get(source);
      const b = visible.get(target);
      const id = a === b ? null : `e:${a}>${b}`;
      const old = edgeIds[i];
      if (old === id) continue;
      if (old !== null) {
        touch(old);
        drawn.get(old).count -= 1;
      }
      if (id !== null) {
        touch(id);
        if (!drawn.has(id)) drawn.set(id, { source: a, target: b, count: 0 });
        drawn.get(id).count += 1;
      }
      edgeIds[i] = id;
    }
    const added = [];
    const removed = [];
    for (const [id, before] of countBefore) {
      const entry = drawn.get(id);
      if (entry.count === 0) drawn.delete(id);
      if (before === 0 && entry.count > 0) added.push({ id, source: entry.source, target: entry.target });
      else if (before > 0 && entry.count === 0) removed.push(id);
    }
    return { visible, added, removed };
  }

  // Everything is new: no edge was drawn, so no sets of what changed (the sets and count maps of the
  // general path were most of a 20,000-node graph's first update).
  function firstUpdate() {
    for (const node of nodes) visible.set(node.id, visibleItem(node.id));
    edges.forEach((edge, i) => {
      const a = visible.get(edge.source);
      const b = visible.get(edge.target);
      if (a === b) return;
      const id = `e:${a}>${b}`;
      edgeIds[i] = id;
      const entry = drawn.get(id);
      if (entry) entry.count += 1;
      else drawn.set(id, { source: a, target: b, count: 1 });
    });
    const added = [];
    for (const [id, { source, target }] of drawn) added.push({ id, source, target });
    return { visible, added, removed: [] };
  }

  return {
    update,
    /** The drawn edges now: Map id → {source, target}. */
    edges: () => new Map([...drawn].map(([id, { source, target }]) => [id, { source, target }])),
    /** The drawn edges, live (kept by `update`; read, never change): Map id → {source, target, count}. */
    drawnEdges: () => drawn,
  };
}
