// The graph's hierarchy: which box each trace node sits in, so a 20,000-node graph is first shown as a
// few dozen boxes. A node's own `group` (or `module`) path wins ("layers.7.fc" → layers ▸ layers.7 ▸
// layers.7.fc); without one, a node built again and again at the same source span belongs to a loop
// iteration, and a long statement line of its own is one box. No box holds more than MAX_CHILDREN
// things: longer runs are split into ranges ("iterations 101–200"), so every layout stays small.

/** The most boxes and nodes one box shows when opened (and the top level shows). */
export const MAX_CHILDREN = 40;

/** A statement line with at least this many nodes of its own becomes a box. */
export const MIN_LINE_GROUP = 3;

export const ROOT = 'root';
const NO_PATH = [];

// Nodes in id (creation) order; the server already sends them so, then no copy is made.
function byId(nodes) {
  for (let i = 1; i < nodes.length; i += 1) if (nodes[i].id < nodes[i - 1].id) return [...nodes].sort((a, b) => a.id - b.id);
  return nodes;
}

const spanKey = (span) => (span ? `${span.line}:${span.column}:${span.end_line}:${span.end_column}` : null);

/** A node's declared path (issue 10's `group`/`module`), as its list of ancestors' names, or null. */
function declaredPath(node) {
  const path = node.group ?? node.module;
  if (!path) return null;
  const parts = Array.isArray(path) ? path.map(String) : String(path).split(/[./]/).filter(Boolean);
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/**
 * Each node's group path, outermost first, as [{key, label}]. Loops are recognised from spans:
 * ids are creation order, so the k-th node built at a repeated span belongs to iteration k of the
 * loop whose body starts at the first line of that run of repeated spans.
 */
export function groupPaths(nodes) {
  const count = new Map();
  const lineCount = new Map();
  for (const node of nodes) {
    const key = spanKey(node.span);
    if (key) count.set(key, (count.get(key) || 0) + 1);
  }
  for (const node of nodes) {
    const key = spanKey(node.span);
    if (key && count.get(key) === 1) lineCount.set(node.span.line, (lineCount.get(node.span.line) || 0) + 1);
  }
  const ordered = byId(nodes);
  const repeated = (node) => !declaredPath(node) && count.get(spanKey(node.span)) > 1;
  // Each run of consecutive repeated nodes is one loop, named by the first line of its body.
  const loopLineOf = new Map();
  for (let i = 0; i < ordered.length; ) {
    if (!repeated(ordered[i])) {
      i += 1;
      continue;
    }
    let j = i;
    let line = Infinity;
    for (; j < ordered.length && repeated(ordered[j]); j += 1) line = Math.min(line, ordered[j].span.line);
    for (let k = i; k < j; k += 1) loopLineOf.set(ordered[k].id, line);
    i = j;
  }
  const occurrence = new Map();
  const paths = new Map();
  const shared = new Map(); // one path array per box, not one per node
  const pathFor = (key, make) => {
    if (!shared.has(key)) shared.set(key, make());
    return shared.get(key);
  };
  for (const node of ordered) {
    const declared = declaredPath(node);
    const key = spanKey(node.span);
    if (declared) {
      paths.set(node.id, pathFor(`m:${declared.at(-1)}`, () => declared.map((name) => ({ key: `m:${name}`, label: name }))));
    } else if (loopLineOf.has(node.id)) {
      const line = loopLineOf.get(node.id);
      const k = occurrence.get(key) || 0;
      occurrence.set(key, k + 1);
      paths.set(
        node.id,
        pathFor(`loop:${line}:${k}`, () => [
          { key: `loop:${line}`, label: `loop at line ${line}` },
          { key: `loop:${line}:${k}`, label: `iteration ${k + 1}` },
        ]),
      );
    } else if (key && node.kind === 'op' && lineCount.get(node.span.line) >= MIN_LINE_GROUP) {
      paths.set(node.id, pathFor(`line:${node.span.line}`, () => [{ key: `line:${node.span.line}`, label: `line ${node.span.line}` }]));
    } else {
      paths.set(node.id, NO_PATH);
    }
  }
  return paths;
}

// 1, 2, 5, 10, 20, 50, …: the smallest at least `n`, so ranges read "iterations 101–200".
function niceAtLeast(n) {
  for (let scale = 1; ; scale *= 10) {
    for (const step of [1, 2, 5]) if (step * scale >= n) return step * scale;
  }
}

/**
 * The hierarchy of `trace.nodes`: `groups` (id → {id, label, parent, children, size, nodes}),
 * `parentOf` (item id → group id; items are `n<id>` for nodes and group ids), `itemOf(nodeId)`.
 * Only graphs over `minNodes` are grouped; smaller ones are one flat root.
 */
export function buildHierarchy(trace, { minNodes = 0 } = {}) {
  const groups = new Map();
  const parentOf = new Map();
  const root = { id: ROOT, label: 'graph', parent: null, children: [], size: 0 };
  groups.set(ROOT, root);
  const paths = trace.nodes.length > minNodes ? groupPaths(trace.nodes) : new Map();
  for (const node of byId(trace.nodes)) {
    let parent = root;
    for (const step of paths.get(node.id) || NO_PATH) {
      const id = (step.id ||= `g:${step.key}`);
      const label = step.label;
      let group = groups.get(id);
      if (!group) {
        group = { id, label, parent: parent.id, children: [], size: 0 };
        groups.set(id, group);
        parent.children.push(id);
        parentOf.set(id, parent.id);
      }
      parent = group;
    }
    const item = `n${node.id}`;
    parent.children.push(item);
    parentOf.set(item, parent.id);
  }
  for (const id of [...groups.keys()]) splitLongGroups(groups, parentOf, id);
  flattenSingletons(groups, parentOf);
  countNodes(groups, ROOT);
  return { groups, parentOf, root: ROOT };
}

// A box with too many children gets range boxes between it and them, recursively.
function splitLongGroups(groups, parentOf, id) {
  const group = groups.get(id);
  if (group.children.length <= MAX_CHILDREN) return;
  const size = niceAtLeast(Math.ceil(group.children.length / MAX_CHILDREN));
  const children = group.children;
  const ranges = [];
  for (let start = 0; start < children.length; start += size) {
    const members = children.slice(start, start + size);
    const rangeId = `${id}[${start}]`;
    const first = describe(groups, members[0]);
    const last = describe(groups, members.at(-1));
    const label = first.kind === last.kind ? `${first.kind}s ${first.number}–${last.number}` : `${first.text} … ${last.text}`;
    groups.set(rangeId, { id: rangeId, label, parent: id, children: members, size: 0 });
    parentOf.set(rangeId, id);
    for (const member of members) {
      parentOf.set(member, rangeId);
      if (groups.has(member)) groups.get(member).parent = rangeId;
    }
    ranges.push(rangeId);
  }
  group.children = ranges;
  for (const rangeId of ranges) splitLongGroups(groups, parentOf, rangeId);
}

// How a range's first and last member are named: iteration 7, node 12, or the box's own label.
function describe(groups, item) {
  const group = groups.get(item);
  if (!group) return { kind: 'node', number: Number(item.slice(1)), text: `node ${item.slice(1)}` };
  const match = /^(iteration|line)s? (\d+)/.exec(group.label);
  if (match) return { kind: match[1], number: Number(match[2]), text: group.label };
  return { kind: group.label, number: '', text: group.label };
}

// A box around a single thing adds a click and says nothing.
function flattenSingletons(groups, parentOf) {
  for (const group of [...groups.values()]) {
    if (group.id === ROOT || group.children.length !== 1) continue;
    const [only] = group.children;
    const parent = groups.get(group.parent);
    parent.children[parent.children.indexOf(group.id)] = only;
    parentOf.set(only, parent.id);
    if (groups.has(only)) groups.get(only).parent = parent.id;
    groups.delete(group.id);
    parentOf.delete(group.id);
  }
}

function countNodes(groups, id) {
  const group = groups.get(id);
  group.size = group.children.reduce((sum, child) => sum + (groups.has(child) ? countNodes(groups, child) : 1), 0);
  return group.size;
}

/** The group ids from the top down to the box holding `item` (not including the root). */
export function ancestorsOf(hierarchy, item) {
  const path = [];
  for (let id = hierarchy.parentOf.get(item); id && id !== ROOT; id = hierarchy.parentOf.get(id)) path.push(id);
  return path.reverse();
}

/** The item that shows `item` when only the groups `isOpen` accepts are open: itself or its outermost closed box. */
export function visibleItemOf(hierarchy, item, isOpen) {
  for (const id of ancestorsOf(hierarchy, item)) if (!isOpen(id)) return id;
  return item;
}
