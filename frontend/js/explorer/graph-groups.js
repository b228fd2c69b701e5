// The graph's hierarchy: which box each trace node sits in, so a 20,000-node graph is first shown as a
// few dozen boxes. A web trace says the loop turns and calls of the program's functions each node was
// made in (trace.loops, trace.calls): they nest as they ran, each call a box, each loop run of more
// than one turn a box of iterations, the node's module path inside ("layers.7.fc" → layers ▸ layers.7
// ▸ layers.7.fc). Where the trace does not say (a notebook's nodes), a node built again and again at
// the same source span belongs to a loop iteration, and a long statement line of its own is one box. No box holds more than MAX_CHILDREN
// things: longer runs are split into ranges ("iterations 101–200"), so every layout stays small.

import { lineText } from '../shared/errors.js';
import { ownSpan } from './state.js';

/** The most boxes and nodes one box shows when opened (and the top level shows). */
export const MAX_CHILDREN = 40;

/** A graph of modules or calls this small shows its boxes open (the lecture's f(x)); larger, closed. */
export const OPEN_BOXES_UP_TO = 8;

/** A statement line with at least this many nodes of its own becomes a box. */
export const MIN_LINE_GROUP = 3;

export const ROOT = 'root';
const NO_PATH = [];

// Nodes in id (creation) order; the server already sends them so, then no copy is made.
function byId(nodes) {
  for (let i = 1; i < nodes.length; i += 1) if (nodes[i].id < nodes[i - 1].id) return [...nodes].sort((a, b) => a.id - b.id);
  return nodes;
}

// Where a node was made, as loops are told from: its span, and the call of the program's function it
// was made in. A function called from two lines makes its nodes at the same spans twice, in two
// calls: that is no loop (each call is a box of its own); called again and again from one line of a
// loop it is. A span's file is set only by the notebook library, for a function of another cell or
// file: its lines count from 1 there, so line 5 of it is not the block's line 5.
const spanKey = (span, call) =>
  span ? `${span.line}:${span.column}:${span.end_line}:${span.end_column}${span.file ? `@${span.file}` : ''}${call ? ` in ${call}` : ''}` : null;
const placeKey = (line, file) => (file ? `${line}@${file}` : String(line));

/**
 * A node's declared path, as its list of ancestors' names, or null: issue 10's `group`/`module`
 * (dotted, `model.fc1` → model ▸ model.fc1), else the program's function `call` it came from
 * (one box; its text may hold dots, `f(x.T) at line 3`).
 */
export function declaredPath(node) {
  const path = node.group ?? node.module;
  if (!path) return node.call ? [String(node.call)] : null;
  const parts = Array.isArray(path) ? path.map(String) : String(path).split(/[./]/).filter(Boolean);
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** Does the trace say which module or call made its nodes (then it is drawn as boxes at any size)? */
export function hasDeclaredGroups(trace) {
  return trace.nodes.some((node) => Boolean(node.group ?? node.module ?? node.call));
}

/**
 * Each node's group path, outermost first, as [{key, label}]; `runs`: the trace's {loops, calls}.
 * Where those do not say, loops are recognised from spans:
 * ids are creation order, so the k-th node built at a repeated span belongs to iteration k of the
 * loop whose body starts at the first line of that run of repeated spans. An operation without a
 * span (made inside a library module, e.g. an nn.Linear's addmm) goes with the next node that has
 * one. Declared paths (modules, calls) nest inside the iteration, so 20 training steps are 20
 * iterations each holding its own model.fc1, not one model.fc1 of 20 steps.
 */
export function groupPaths(nodes, runs = {}) {
  const ordered = byId(nodes);
  const paths = pathsInOrder(ordered, runs);
  return new Map(ordered.map((node, i) => [node.id, paths[i]]));
}

// Calls visit(run, turn) for each loop turn a node was made in, innermost first: its own
// (node.loop_run, node.turn), then out through each run's `outer` (trace.loops, web traces only).
function eachTurnOut(node, loops, visit) {
  for (let run = node.loop_run, turn = node.turn; run !== undefined && run !== null && loops[run]; ) {
    visit(run, turn);
    [run, turn] = [loops[run].outer, loops[run].outer_turn];
  }
}

// Which runs get a box: those whose nodes here were made in two turns or more. A training loop's
// graph is one pass, made in one turn of it: no box around that (the presets draw so).
function drawnRuns(ordered, loops) {
  const seen = new Float64Array(loops.length).fill(NaN); // run → a turn of it with nodes here, or -1 once two were
  const see = (run, turn) => {
    if (Number.isNaN(seen[run])) seen[run] = turn;
    else if (seen[run] !== turn) seen[run] = -1;
  };
  for (const node of ordered) eachTurnOut(node, loops, see);
  const drawn = new Set();
  seen.forEach((turn, run) => turn === -1 && drawn.add(run));
  return drawn;
}

// `path` without the boxes `outer` already opened (a loop in model's forward: model ▸ loop ▸ … ▸
// model.cell, not model again inside each iteration).
function withoutPrefix(path, outer) {
  let k = 0;
  while (k < outer.length && k < path.length && path[k] === outer[k]) k += 1;
  return k === outer.length ? path.slice(k) : path;
}

// What a turn's loop variable held, as the program would say it (iteration 3 is `t = 2`, or
// `cell = self.cells[2]`), or '' when the trace does not say (a while loop, a generator).
function heldAt({ variable, start, step, over }, turn) {
  if (!variable) return '';
  if (start !== null && start !== undefined) return `${variable} = ${start + turn * step}`;
  return over ? `${variable} = ${over}[${turn}]` : '';
}

// A module path's boxes, outermost first (`model.fc1` → model, model.fc1).
function modulePath(module) {
  return module ? declaredPath({ module }) : [];
}

// The loop turns and calls a node was made in, outermost first: [{run, turn}] for a loop turn,
// [{call}] for a call of the program's function (web traces: trace.loops and trace.calls). Of a
// loop and a call both running, the inner one started inside the other: the loop if it started in
// that call (its call_run), else the call, which then started in that loop's turn.
function contextsOf(node, { loops, calls }) {
  const chain = [];
  let run = node.loop_run ?? null;
  let turn = node.turn;
  let call = node.call_run ?? null;
  for (let left = loops.length + calls.length; left >= 0 && (run !== null || call !== null); left -= 1) {
    const loop = run !== null ? loops[run] : null;
    if (run !== null && !loop) break; // a table that does not say: stop at what it does
    if (loop && (call === null || (loop.call_run ?? null) === call)) {
      chain.push({ run, turn });
      run = loop.outer ?? null;
      turn = loop.outer_turn;
      call = loop.call_run ?? null;
    } else {
      const made = calls[call];
      if (!made) break;
      chain.push({ call });
      run = made.loop_run ?? null;
      turn = made.turn;
      call = made.outer ?? null;
    }
  }
  return chain.reverse();
}

// The boxes a node itself names inside its loops and calls: its module's; a call's label only when
// the trace does not number calls (a notebook's), else the call is one of its contexts.
function ownBoxes(node) {
  return node.call_run === undefined || node.call_run === null ? declaredPath(node) || [] : modulePath(node.group ?? node.module);
}

/**
 * The boxes of a chain of loop turns and calls (contextsOf), then `own` (module boxes): each context
 * inside the module it ran in, a drawn loop run then its iteration, a call its own box. Box keys
 * carry the iterations and calls they are in, so iteration 2's model.cell is not iteration 1's, and
 * `f(x) + f(x)` is two boxes. Outside every loop and call they are the plain `m:` keys, so the
 * module a loop runs in is the same box as its own nodes outside the loop. Null when the chain
 * holds no drawn run and no call.
 */
function contextPath(chain, own, runs, drawn) {
  const steps = [];
  let outer = [];
  let scope = '';
  for (const { run, turn, call } of chain) {
    if (call !== undefined) {
      const { module, span } = runs.calls[call];
      const label = runs.callTitles[call];
      const around = modulePath(module);
      for (const name of withoutPrefix(around, outer)) steps.push({ key: `m:${scope}${name}`, label: name });
      scope = `${scope}c${call}/`;
      steps.push({ key: `call:${scope}`, label, span }); // the call in the program, lit when its box is hovered
      outer = around;
      continue;
    }
    if (!drawn.has(run)) continue;
    const loop = runs.loops[run];
    const around = modulePath(loop.module); // the call it ran in is a context of its own
    for (const name of withoutPrefix(around, outer)) steps.push({ key: `m:${scope}${name}`, label: name });
    // titled by its header as a call box is by its call (`for t in range(3) at line 11`); its line is
    // lit when it or one of its iterations is hovered
    const span = { line: loop.line, column: 0, end_line: loop.line };
    steps.push({ key: `loop:${scope}run${run}`, label: loop.label, span });
    scope = `${scope}run${run}:${turn}/`;
    const held = heldAt(loop, turn);
    steps.push({ key: `loop:${scope}`, label: `iteration ${turn + 1}${held ? ` (${held})` : ''}`, turn, span });
    outer = around;
  }
  if (!steps.length) return null;
  for (const name of withoutPrefix(own, outer)) steps.push({ key: `m:${scope}${name}`, label: name });
  return steps;
}

// Each call's box title: its label, and the numbers its parameters held (`n = 2`) when another call
// of that label is around it, inside it or beside it (a recursion's `f(x, n - 1) at line 6` inside
// another), where the label alone would not tell them apart. A loop's calls are told apart by their
// iterations.
function callTitles(calls) {
  const beside = new Map(); // `outer:loop_run:turn:label` → how many calls
  const place = (c) => `${c.outer}:${c.loop_run}:${c.turn}:${c.label}`;
  for (const c of calls) beside.set(place(c), (beside.get(place(c)) || 0) + 1);
  const repeated = calls.map((c) => beside.get(place(c)) > 1);
  calls.forEach((c, k) => {
    for (let up = c.outer, left = calls.length; up !== null && up !== undefined && calls[up] && left > 0; left -= 1) {
      if (calls[up].label === c.label) repeated[k] = repeated[up] = true;
      up = calls[up].outer;
    }
  });
  return calls.map((c, k) => (repeated[k] && c.held ? `${c.label} (${c.held})` : c.label));
}

// The contexts two chains share, outermost first.
function commonChain(a, b) {
  let k = 0;
  while (k < a.length && k < b.length && a[k].run === b[k].run && a[k].turn === b[k].turn && a[k].call === b[k].call) k += 1;
  return k === a.length ? a : a.slice(0, k);
}

// A parameter goes in its module's box in the innermost call all its module's operations were made
// in: a model called only inside `train_step(model, X, y)` has its weights in that call's
// model.fc1, not in a model.fc1 of their own beside the call; an RNN cell run in each turn of a loop
// in `run(model, xs)` has them in run's model ▸ model.cell, beside the loop. Not in a loop's
// iteration (the layers of a stacked RNN keep theirs in model ▸ model.cells, beside the loop over
// them), nor in a call a module ran in only once of several.
function withTheirModule(ordered, byRun, runs, drawn) {
  const shared = new Map(); // module path → the chain its operations share so far
  const chains = new Map(); // `run:turn:call` → its chain, one per context
  ordered.forEach((node) => {
    if (node.kind !== 'op' || !node.module) return;
    const key = `${node.loop_run}:${node.turn}:${node.call_run}`;
    let chain = chains.get(key);
    if (chain === undefined) chains.set(key, (chain = contextsOf(node, runs)));
    const seen = shared.get(node.module);
    shared.set(node.module, seen === undefined ? chain : commonChain(seen, chain));
  });
  const made = new Map(); // module path → its parameters' path
  ordered.forEach((node, i) => {
    if (node.kind !== 'input' || !node.module || byRun[i] || !shared.get(node.module)) return;
    let path = made.get(node.module);
    if (path === undefined) {
      const chain = shared.get(node.module);
      const inCall = chain.findLastIndex((context) => context.call !== undefined);
      path = inCall < 0 ? null : contextPath(chain.slice(0, inCall + 1), modulePath(node.module), runs, drawn);
      made.set(node.module, path);
    }
    if (path) byRun[i] = path;
  });
}

// groupPaths' work on the nodes in id order: each one's path, in that order (an array, not a Map by id).
function pathsInOrder(ordered, { loops = [], calls = [] } = {}) {
  const n = ordered.length;
  // The web trace says which turn of which loop run and which call made each node: those in a drawn
  // run or a call are boxed by them. The rest (a notebook's nodes, a comprehension's) are told from
  // repeated spans, below.
  const drawn = loops.length ? drawnRuns(ordered, loops) : new Set();
  const byRun = new Array(n);
  if (drawn.size || calls.length) {
    const runs = { loops, calls, callTitles: callTitles(calls) };
    const made = new Map(); // `run:turn:call:declared` → its path, one array per box
    for (let i = 0; i < n; i += 1) {
      const node = ordered[i];
      const inRun = node.loop_run !== undefined && node.loop_run !== null;
      const inCall = node.call_run !== undefined && node.call_run !== null;
      if (!inRun && !inCall) continue;
      const key = `${node.loop_run}:${node.turn}:${node.call_run}:${node.group ?? node.module ?? node.call ?? ''}`;
      let path = made.get(key);
      if (path === undefined) made.set(key, (path = contextPath(contextsOf(node, runs), ownBoxes(node), runs, drawn)));
      if (path) byRun[i] = path;
    }
    withTheirModule(ordered, byRun, runs, drawn);
  }
  // Per node (by its place in id order) its span's key, made once, and a number per distinct key:
  // Maps keyed by node and by key string were most of this function's time at 20,000 nodes.
  const keys = new Array(n);
  const keyNumber = new Map(); // span key → its number
  const count = []; // key number → nodes at that span
  const number = new Int32Array(n).fill(-1);
  // Own spans only: a call's internal nodes share its span (state.js ownSpan), and counted as its
  // nodes they would make one torch.einsum look like a loop of eight turns.
  for (let i = 0; i < n; i += 1) {
    if (byRun[i]) continue; // boxed by its loop run already (its spans are that loop's alone)
    const key = spanKey(ownSpan(ordered[i]), ordered[i].call);
    keys[i] = key;
    if (key === null) continue;
    let k = keyNumber.get(key);
    if (k === undefined) {
      k = count.length;
      keyNumber.set(key, k);
      count.push(0);
    }
    number[i] = k;
    count[k] += 1;
  }
  const lineCount = new Map();
  // A line's nodes: those made there once, and the internal nodes of a call there made once.
  const lineOf = new Array(n);
  for (let i = 0; i < n; i += 1) {
    if (byRun[i]) continue;
    const at = number[i] >= 0 ? number[i] : ordered[i].span ? keyNumber.get(spanKey(ordered[i].span, ordered[i].call)) : undefined;
    if (at !== undefined && count[at] === 1) {
      lineOf[i] = placeKey(ordered[i].span.line, ordered[i].span.file);
      lineCount.set(lineOf[i], (lineCount.get(lineOf[i]) || 0) + 1);
    }
  }
  // A module's parameters are made once, wherever the program named them (`for p in model.parameters()`).
  const repeated = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) {
    repeated[i] = number[i] >= 0 && count[number[i]] > 1 && !(ordered[i].kind === 'input' && ordered[i].module) && !byRun[i] ? 1 : 0;
  }
  const spanless = (node) => !ownSpan(node) && node.kind === 'op';
  const parameter = (node) => node.kind === 'input' && Boolean(node.module);
  // Each run of consecutive repeated nodes is a loop (or several, one after the other: below); the
  // k-th node at a span is iteration k, and a span-less operation takes its successor's iteration.
  const iterationOf = new Array(n); // place in id order → {key, label, k}: its loop, and which turn
  const occurrence = new Int32Array(count.length);
  for (let i = 0; i < n; ) {
    if (!repeated[i]) {
      i += 1;
      continue;
    }
    // One loop's run ends where the next repeated node is a sibling loop's (`for …: a = a * 2`, then
    // `for …: b = b * 3`: before, one loop whose iteration 1 held both loops' first turns). The web
    // trace says which `for`/`while` was running when a node was made (node.loop, the innermost);
    // each loop's nodes span first…last of the run, and loops whose spans overlap are one (a loop
    // nested in another, or in a function it calls, alternates with it); a notebook's say none.
    let runEnd = i; // one past the last repeated node of the run
    const reach = new Map(); // loop line → [first, last] place in the run
    for (let j = i; j < n && (repeated[j] || spanless(ordered[j])); j += 1) {
      if (!repeated[j]) continue;
      runEnd = j + 1;
      const line = ordered[j].loop;
      if (!line) continue;
      const seen = reach.get(line);
      if (seen) seen[1] = j;
      else reach.set(line, [j, j]);
    }
    const spans = [...reach.entries()].sort((a, b) => a[1][0] - b[1][0]);
    let end = runEnd;
    for (let k = 1, last = spans.length ? spans[0][1][1] : 0; k < spans.length; k += 1) {
      if (spans[k][1][0] > last) {
        end = last + 1;
        break;
      }
      last = Math.max(last, spans[k][1][1]);
    }
    // Named by its `for`/`while` line: of the loops in it, the outer one, whose nodes repeat the
    // fewest times (an inner loop's, once per turn of both), the first on a tie; so `for …: step(w)`
    // is named by its `for`, not by a line of `def step`. Without loops (a notebook's nodes) by the
    // first line of its body: its own lines first (not in a module's forward nor in a function it
    // calls, both may be defined above the loop), then outside modules, then any; a loop whose
    // every node is made inside a call by a line of that function.
    let loop = null;
    let fewest = Infinity;
    let first = null;
    let outside = null;
    let own = null;
    for (let j = i; j < end; j += 1) {
      if (!repeated[j]) continue;
      const { span, module, call } = ordered[j];
      if (ordered[j].loop && count[number[j]] < fewest) [loop, fewest] = [ordered[j].loop, count[number[j]]];
      if (!first || span.line < first.line) first = span;
      if (!module && (!outside || span.line < outside.line)) outside = span;
      if (!module && !call && (!own || span.line < own.line)) own = span;
    }
    const named = loop !== null ? { line: loop } : own || outside || first;
    const key = placeKey(named.line, named.file);
    const label = `loop at ${lineText(named.line, named.file)}`;
    for (let k = i; k < end; k += 1) {
      if (repeated[k]) iterationOf[k] = { key, label, k: occurrence[number[k]]++ };
    }
    // The first iteration's library operations come before its first node with a span (an
    // nn.Linear's t and addmm before the loss line), among the module's parameters, made once then:
    // they are that iteration's too (else iteration 1's model calls sat outside its box, later ones inside).
    let start = i;
    for (let j = i - 1; j >= 0 && !iterationOf[j] && (spanless(ordered[j]) || parameter(ordered[j])); j -= 1) {
      if (spanless(ordered[j])) start = j;
    }
    let carried = null;
    for (let k = end - 1; k >= start; k -= 1) {
      if (repeated[k]) carried = iterationOf[k];
      else if (k >= i || spanless(ordered[k])) iterationOf[k] = carried;
    }
    i = end;
  }
  const paths = new Array(n);
  const shared = new Map(); // one path array per box, not one per node
  const pathFor = (key, make) => {
    let path = shared.get(key);
    if (path === undefined) shared.set(key, (path = make()));
    return path;
  };
  for (let i = 0; i < n; i += 1) {
    const node = ordered[i];
    const declared = declaredPath(node);
    const iteration = iterationOf[i];
    if (byRun[i]) {
      paths[i] = byRun[i];
    } else if (iteration) {
      const { key, label, k } = iteration;
      const loop = [
        { key: `loop:${key}`, label },
        { key: `loop:${key}:${k}`, label: `iteration ${k + 1}` },
      ];
      const inner = declared ? declared.map((name) => ({ key: `m:${key}:${k}:${name}`, label: name })) : [];
      paths[i] = pathFor(`loop:${key}:${k}:${declared ? declared.at(-1) : ''}`, () => [...loop, ...inner]);
    } else if (declared) {
      paths[i] = pathFor(`m:${declared.at(-1)}`, () => declared.map((name) => ({ key: `m:${name}`, label: name })));
    } else if (lineOf[i] !== undefined && node.kind === 'op' && lineCount.get(lineOf[i]) >= MIN_LINE_GROUP) {
      const { span } = node;
      paths[i] = pathFor(`line:${lineOf[i]}`, () => [{ key: `line:${lineOf[i]}`, label: lineText(span.line, span.file) }]);
    } else {
      paths[i] = NO_PATH;
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
  const ordered = byId(trace.nodes);
  const paths = ordered.length > minNodes ? pathsInOrder(ordered, { loops: trace.loops || [], calls: trace.calls || [] }) : null;
  // Each box's children's sort keys as they are added (orderByFlow): a node's from its id, a box's
  // (NaN here) once its own children are known.
  const childKeys = new Map([[root, []]]);
  const innermost = new Map(); // path (shared by the nodes of a box) → its box, found once
  for (let i = 0; i < ordered.length; i += 1) {
    const node = ordered[i];
    const path = paths ? paths[i] : NO_PATH;
    let parent = innermost.get(path);
    if (parent === undefined) {
      parent = root;
      for (const step of path) {
        const id = (step.id ||= `g:${step.key}`);
        let group = groups.get(id);
        if (!group) {
          group = { id, label: step.label, parent: parent.id, children: [], size: 0 };
          if (step.turn !== undefined) group.turn = step.turn;
          if (step.span) group.span = step.span;
          groups.set(id, group);
          childKeys.set(group, []);
          parent.children.push(id);
          childKeys.get(parent).push(NaN);
          parentOf.set(id, parent.id);
        }
        parent = group;
      }
      innermost.set(path, parent);
    }
    const item = `n${node.id}`;
    parent.children.push(item);
    childKeys.get(parent).push(node.kind === 'op' ? node.id : node.id - LEAF_SHIFT);
    parentOf.set(item, parent.id);
  }
  orderByFlow(groups, childKeys);
  for (const id of [...groups.keys()]) splitLongGroups(groups, parentOf, id);
  flattenSingletons(groups, parentOf);
  countNodes(groups, ROOT);
  return { groups, parentOf, root: ROOT };
}

// Children in data-flow order (the layout's contract): a box goes where its first operation was made,
// not where its first leaf was (leaves get the lowest ids, so model.fc2's bias would put fc2 before fc1).
// Leaves first, then operations, each by id: one number per item, a leaf's shifted below every
// operation's (objects and a comparator reading them took a third of the hierarchy's time at 20,000 nodes).
const LEAF_SHIFT = 2 ** 50;
function orderByFlow(groups, childKeys) {
  const boxKey = new Map(); // box → its sort key: the lowest operation id inside, else the lowest leaf id − LEAF_SHIFT
  const keysOf = (group) => {
    const keys = childKeys.get(group);
    if (boxKey.has(group)) return keys;
    // Every box holds something (boxes are made for the nodes in them).
    let op = Infinity;
    let leaf = Infinity;
    for (let i = 0; i < keys.length; i += 1) {
      if (Number.isNaN(keys[i])) {
        const box = groups.get(group.children[i]);
        keysOf(box);
        keys[i] = boxKey.get(box);
      }
      if (keys[i] >= 0) op = Math.min(op, keys[i]);
      else leaf = Math.min(leaf, keys[i]);
    }
    boxKey.set(group, op < Infinity ? op : leaf);
    return keys;
  };
  for (const group of groups.values()) {
    const keys = keysOf(group);
    // A loop run's iterations go in turn order: ids are a topological order, so an iteration that
    // does not read the one before (a second layer's first turn, `h = zeros`) may hold a lower id.
    if (group.children.every((id) => groups.get(id)?.turn !== undefined)) {
      group.children.sort((a, b) => groups.get(a).turn - groups.get(b).turn);
      continue;
    }
    let sorted = true; // nodes come in id order: most boxes are in order already
    for (let i = 1; i < keys.length && sorted; i += 1) sorted = keys[i - 1] < keys[i];
    if (sorted) continue;
    const order = keys.map((_, i) => i).sort((a, b) => keys[a] - keys[b]);
    const children = group.children;
    group.children = order.map((i) => children[i]);
  }
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

// A box around a single thing adds a click and says nothing, but which turn of its loop it is: an
// iteration holding one call box gives it its number ("iteration 2: step(w) at line 15"), else a loop
// of calls showed the same label on every turn.
function flattenSingletons(groups, parentOf) {
  for (const group of [...groups.values()]) {
    if (group.id === ROOT || group.children.length !== 1) continue;
    const [only] = group.children;
    if (groups.has(only) && /^iteration \d+( \(.*\))?$/.test(group.label)) groups.get(only).label = `${group.label}: ${groups.get(only).label}`;
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

/**
 * The labels of the boxes around `item`, outermost first, without the range boxes a long box is split
 * into ("iterations 1–50" says nothing "iteration 7" does not): "model ▸ for t in range(3) at line 11
 * ▸ iteration 3 (t = 2) ▸ model.cell" tells where a step is when the boxes' titles are off screen (nested frames at a
 * phone's edge, titles above a view of the step).
 */
export function boxTrail(hierarchy, item) {
  return ancestorsOf(hierarchy, item)
    .filter((id) => !RANGE.test(id))
    .map((id) => hierarchy.groups.get(id).label);
}
const RANGE = /\[\d+\]$/; // splitLongGroups' ids: `${box}[${start}]`

/** The item that shows `item` when only the groups `isOpen` accepts are open: itself or its outermost closed box. */
export function visibleItemOf(hierarchy, item, isOpen) {
  for (const id of ancestorsOf(hierarchy, item)) if (!isOpen(id)) return id;
  return item;
}
