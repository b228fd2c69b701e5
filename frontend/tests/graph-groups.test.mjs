import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_CHILDREN, ancestorsOf, boxTrail, buildHierarchy, groupPaths, visibleItemOf } from '../js/explorer/graph-groups.js';
import { createSceneLayout, edgesByGroup, layeredLayout } from '../js/explorer/graph-layout.js';
import { mlpTrace, span } from './fixtures/mlp-trace.mjs';

test('each loop iteration is one box, and long loops are split into ranges', () => {
  const trace = mlpTrace(100);
  const paths = groupPaths(trace.nodes);
  assert.deepEqual(paths.get(0), []); // W, made once, stays at the top
  assert.deepEqual(
    paths.get(2 + 4 * 6 + 3).map((p) => p.label),
    ['loop at line 6', 'iteration 7'],
  );
  const hierarchy = buildHierarchy(trace);
  const loop = hierarchy.groups.get('g:loop:6');
  assert.equal(loop.size, 400);
  assert.ok(loop.children.length <= MAX_CHILDREN);
  assert.equal(hierarchy.groups.get(loop.children[0]).label, 'iterations 1–5');
  for (const group of hierarchy.groups.values()) assert.ok(group.children.length <= MAX_CHILDREN, group.id);
  // Layer 7's tanh sits in iteration 7, inside the range 6–10, inside the loop.
  assert.deepEqual(ancestorsOf(hierarchy, 'n29').map((id) => hierarchy.groups.get(id).label), ['loop at line 6', 'iterations 6–10', 'iteration 7']);
});

test('a node with a declared group or module path nests by it', () => {
  const trace = { nodes: [{ id: 0, kind: 'op', module: 'layers.7.fc' }, { id: 1, kind: 'op', group: ['layers', '7', 'act'] }], edges: [] };
  const hierarchy = buildHierarchy(trace);
  assert.deepEqual(ancestorsOf(hierarchy, 'n0').map((id) => hierarchy.groups.get(id).label), ['layers.7']); // 'layers' held only layers.7
  assert.deepEqual(ancestorsOf(hierarchy, 'n1').map((id) => hierarchy.groups.get(id).label), ['layers.7']);
  // layers.7 holds two different boxes of one node each: those are flattened away.
  assert.deepEqual(hierarchy.groups.get('g:m:layers.7').children, ['n0', 'n1']);
});

test('a small graph stays flat', () => {
  const hierarchy = buildHierarchy(mlpTrace(3), { minNodes: 150 });
  assert.equal(hierarchy.groups.size, 1);
  assert.equal(hierarchy.groups.get('root').children.length, 15);
});

test('a node is shown by its outermost closed box', () => {
  const hierarchy = buildHierarchy(mlpTrace(100));
  const [loop, range, iteration] = ancestorsOf(hierarchy, 'n29');
  assert.equal(visibleItemOf(hierarchy, 'n29', () => false), loop);
  assert.equal(visibleItemOf(hierarchy, 'n29', (id) => id === loop), range);
  assert.equal(visibleItemOf(hierarchy, 'n29', (id) => id !== iteration), iteration);
  assert.equal(visibleItemOf(hierarchy, 'n29', () => true), 'n29');
});

test('edges are laid out by the innermost box holding both ends', () => {
  const trace = mlpTrace(100);
  const hierarchy = buildHierarchy(trace);
  const byGroup = edgesByGroup(hierarchy, trace.edges);
  const [loop, range, iteration] = ancestorsOf(hierarchy, 'n29');
  assert.deepEqual(byGroup.get('root').find(([s]) => s === 'n0'), ['n0', loop]);
  assert.ok(byGroup.get(iteration).some(([s, t]) => s === 'n28' && t === 'n29'));
  assert.ok(byGroup.get(range).length >= 4); // iteration 6 → 7 → … → 10
});

test('a layered layout puts each consumer after its producers, without overlaps', () => {
  const items = ['a', 'b', 'c', 'd'].map((id) => ({ id, w: 100, h: 40 }));
  const { positions, width, height } = layeredLayout(items, [['a', 'c'], ['b', 'c'], ['c', 'd']], { direction: 'LR' });
  assert.ok(positions.get('c').x > positions.get('a').x && positions.get('d').x > positions.get('c').x);
  assert.equal(positions.get('a').x, positions.get('b').x);
  assert.ok(Math.abs(positions.get('a').y - positions.get('b').y) >= 40);
  assert.ok(width >= 3 * 100 && height >= 2 * 40);
  const tb = layeredLayout(items, [['a', 'c'], ['b', 'c'], ['c', 'd']], { direction: 'TB' });
  assert.ok(tb.positions.get('d').y > tb.positions.get('c').y);
});

test('opening a box lays out only that box and its ancestors', () => {
  const trace = mlpTrace(100);
  const hierarchy = buildHierarchy(trace);
  const scene = createSceneLayout(hierarchy, trace.edges);
  const size = () => ({ w: 120, h: 50 });
  const closed = scene.layout(size, () => false);
  assert.deepEqual([...closed.items.keys()].sort(), ['g:loop:6', 'n0', 'n1', 'n402'].sort());
  const [loop, range, iteration] = ancestorsOf(hierarchy, 'n29');
  const open = new Set([loop, range, iteration]);
  const opened = scene.layout(size, (id) => open.has(id));
  const box = opened.items.get(iteration);
  const tanh = opened.items.get('n29');
  assert.ok(box.open);
  // The node sits inside its box, which sits inside the range's box.
  assert.ok(Math.abs(tanh.x - box.x) < box.w / 2 && Math.abs(tanh.y - box.y) < box.h / 2);
  assert.ok(opened.items.get(range).w > box.w);
  assert.ok(opened.items.has('n30') === false); // iteration 8 stays closed
});

test('20,000 nodes fully expanded lay out without overlapping siblings', () => {
  const trace = mlpTrace(5000);
  const hierarchy = buildHierarchy(trace);
  const scene = createSceneLayout(hierarchy, trace.edges);
  const { items } = scene.layout(() => ({ w: 120, h: 50 }), () => true);
  assert.equal([...items.keys()].filter((id) => id.startsWith('n')).length, trace.nodes.length);
  const iteration = ancestorsOf(hierarchy, 'n29').at(-1);
  const inside = hierarchy.groups.get(iteration).children.map((id) => items.get(id));
  for (let i = 0; i < inside.length; i += 1) {
    for (let j = i + 1; j < inside.length; j += 1) {
      const [a, b] = [inside[i], inside[j]];
      assert.ok(Math.abs(a.x - b.x) >= (a.w + b.w) / 2 || Math.abs(a.y - b.y) >= (a.h + b.h) / 2, 'siblings overlap');
    }
  }
});

test('iterations of one node each are flattened into their ranges, and every edge joins drawn things', () => {
  const nodes = [{ id: 0, kind: 'input', span: span(1, 4, 41) }];
  const edges = [];
  for (let i = 1; i <= 450; i += 1) {
    nodes.push({ id: i, kind: 'op', span: span(4, 8, 20) });
    edges.push({ id: i - 1, source: i - 1, target: i });
  }
  const hierarchy = buildHierarchy({ nodes, edges });
  assert.deepEqual(ancestorsOf(hierarchy, 'n1').map((id) => hierarchy.groups.get(id).label), ['loop at line 4', 'iterations 1–20']);
  const open = new Set(ancestorsOf(hierarchy, 'n450'));
  const { items } = createSceneLayout(hierarchy, edges).layout(() => ({ w: 100, h: 40 }), (id) => open.has(id));
  for (const group of hierarchy.groups.values()) for (const child of group.children) assert.equal(hierarchy.parentOf.get(child), group.id);
  for (const edge of edges) {
    assert.ok(items.has(visibleItemOf(hierarchy, `n${edge.source}`, (id) => open.has(id))));
    assert.ok(items.has(visibleItemOf(hierarchy, `n${edge.target}`, (id) => open.has(id))));
  }
});

test("a training loop's steps are iterations, each holding its own module boxes; parameters stay outside", async () => {
  const { readFileSync } = await import('node:fs');
  const trace = JSON.parse(readFileSync(new URL('./fixtures/trace-simple-nn-3-steps.json', import.meta.url)));
  const hierarchy = buildHierarchy(trace);
  const labels = (item) => ancestorsOf(hierarchy, item).map((id) => hierarchy.groups.get(id).label);
  const addmm = trace.nodes.filter((n) => n.op === 'AddmmBackward0' && n.module === 'model.fc1').map((n) => `n${n.id}`);
  assert.deepEqual(labels(addmm[1]), ['loop at line 19', 'iteration 2', 'model', 'model.fc1']);
  // A transpose PyTorch made inside nn.Linear has no span: it goes with its iteration's addmm.
  const t = trace.nodes.find((n) => n.op === 'TBackward0' && n.module === 'model.fc1' && n.id > Number(addmm[1].slice(1)) - 3);
  assert.deepEqual(labels(`n${t.id}`), ['loop at line 19', 'iteration 2', 'model', 'model.fc1']);
  // fc1's weight is made once (named on line 22 by `for param in ...`): not an iteration of any loop.
  const weight = trace.nodes.find((n) => n.label === 'model.fc1.weight');
  assert.deepEqual(labels(`n${weight.id}`), ['model', 'model.fc1']);
  // Inside an iteration the model's children are in data-flow order: fc1's box before the relu, fc2 after.
  const iteration = hierarchy.groups.get(ancestorsOf(hierarchy, addmm[1])[2]);
  const names = iteration.children.map((c) => (hierarchy.groups.get(c) ? hierarchy.groups.get(c).label : trace.nodes[Number(c.slice(1))].op));
  assert.deepEqual(names, ['model.fc1', 'ReluBackward0', 'model.fc2', 'SigmoidBackward0']);
});

test('a node with only a call is boxed by that call, dots and all', () => {
  const trace = { nodes: [{ id: 0, kind: 'op', call: 'f(x.T) at line 3' }, { id: 1, kind: 'op', call: 'f(x.T) at line 3' }, { id: 2, kind: 'op' }], edges: [] };
  const hierarchy = buildHierarchy(trace);
  assert.deepEqual(ancestorsOf(hierarchy, 'n0').map((id) => hierarchy.groups.get(id).label), ['f(x.T) at line 3']);
  assert.deepEqual(ancestorsOf(hierarchy, 'n2'), []);
});

test('a layered layout wraps past `wrap` into bands beside each other, each band in flow order', () => {
  const items = Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, w: 100, h: 40 }));
  const edges = items.slice(1).map((item, i) => [items[i].id, item.id]);
  // Top to bottom: columns of three (3 × 40 + 2 gaps of 48 = 216 ≤ 300), left to right.
  const tb = layeredLayout(items, edges, { direction: 'TB', wrap: 300 });
  const at = (layout, i) => layout.positions.get(`n${i}`);
  assert.equal(tb.height, 216);
  assert.equal(tb.width, 4 * 100 + 3 * 48);
  for (const i of [1, 2, 4, 5, 7, 8]) assert.ok(at(tb, i).y > at(tb, i - 1).y && at(tb, i).x === at(tb, i - 1).x);
  for (const i of [3, 6, 9]) assert.ok(at(tb, i).x > at(tb, i - 1).x && at(tb, i).y === at(tb, 0).y);
  // Left to right: rows of two, downward, as text wraps.
  const lr = layeredLayout(items, edges, { direction: 'LR', wrap: 300 });
  assert.equal(lr.width, 248);
  assert.ok(at(lr, 2).y > at(lr, 1).y && at(lr, 2).x === at(lr, 0).x);
  assert.equal(lr.height, 5 * 40 + 4 * 48); // five rows, a rank gap apart unless told
  const rows = layeredLayout(items, edges, { direction: 'LR', wrap: 300, bandGap: 20 });
  assert.equal(rows.height, 5 * 40 + 4 * 20);
  assert.equal(rows.width, 248); // along a row, still a rank gap between layers
  assert.equal(at(rows, 2).y - at(rows, 0).y, 60);
  // A layer longer than `wrap` is a band of its own; no wrap is the plain layout.
  const three = [{ id: 'a', w: 500, h: 40 }, { id: 'b', w: 100, h: 40 }, { id: 'c', w: 100, h: 40 }];
  const wide = layeredLayout(three, [['a', 'b'], ['b', 'c']], { direction: 'LR', wrap: 300 });
  assert.deepEqual([wide.width, wide.height], [500, 128]);
  assert.equal(layeredLayout(items, edges, { direction: 'TB' }).height, 10 * 40 + 9 * 48);
  // Wrapped to one layer a band, a row is the other direction drawn badly: it stays one row.
  assert.deepEqual(layeredLayout(items, edges, { direction: 'LR', wrap: 150 }).height, 40);
});

test('late: each item sits in the layer just before its first consumer', () => {
  // the one-layer example: w → z₁ → z ← b, z → z₂; b is an input like w. c → d → z₂ as the vector
  // output's b → z₃ = b**2 → Q: d a layer early would feed a later row past the end of its own
  const items = ['w', 'z1', 'b', 'z', 'c', 'd', 'z2'].map((id) => ({ id, w: 100, h: 40 })); // in data-flow order
  const edges = [['w', 'z1'], ['z1', 'z'], ['b', 'z'], ['z', 'z2'], ['c', 'd'], ['d', 'z2']];
  const early = layeredLayout(items, edges, { direction: 'LR' });
  const late = layeredLayout(items, edges, { direction: 'LR', late: true });
  assert.deepEqual(['w', 'z1', 'b', 'z', 'z2', 'c', 'd'].map(early.layerOf), [0, 1, 0, 2, 3, 0, 1]);
  assert.deepEqual(['w', 'z1', 'b', 'z', 'z2', 'c', 'd'].map(late.layerOf), [0, 1, 1, 2, 3, 1, 2]);
  for (const [s, t] of edges) assert.ok(late.layerOf(t) > late.layerOf(s), `${s} → ${t}`);
  // an item that feeds none (the output, or a value the program only printed) keeps its layer
  const sink = layeredLayout([...items, { id: 'e', w: 100, h: 40 }], [...edges, ['w', 'e']], { direction: 'LR', late: true });
  assert.equal(sink.layerOf('e'), 1);
  assert.equal(sink.layerOf('w'), 0);
});

test("a training loop's first iteration holds its model calls, as the later ones do", () => {
  // for epoch in range(3): loss = ((model(X) - y) ** 2).mean() on line 8, model = Linear, Tanh, Linear.
  // Iteration 1 makes the parameters among its library operations (t, addmm, tanh: no span), before
  // its first node with one; the later iterations make only operations.
  const nodes = [];
  const add = (node) => nodes.push({ id: nodes.length, ...node });
  for (let epoch = 0; epoch < 3; epoch += 1) {
    if (epoch === 0) {
      add({ kind: 'input', op: 'AccumulateGrad', module: 'model.2' });
      add({ kind: 'input', op: 'AccumulateGrad', module: 'model.0' });
      add({ kind: 'input', op: 'AccumulateGrad', module: 'model.0' });
    }
    add({ kind: 'op', op: 'TBackward0', module: 'model.0' });
    add({ kind: 'op', op: 'AddmmBackward0', module: 'model.0' });
    add({ kind: 'op', op: 'TanhBackward0', module: 'model.1' });
    if (epoch === 0) add({ kind: 'input', op: 'AccumulateGrad', module: 'model.2' });
    add({ kind: 'op', op: 'TBackward0', module: 'model.2' });
    add({ kind: 'op', op: 'AddmmBackward0', module: 'model.2', span: span(8, 12, 20) });
    add({ kind: 'op', op: 'SubBackward0', span: span(8, 12, 24) });
    add({ kind: 'op', op: 'PowBackward0', span: span(8, 11, 30) });
    add({ kind: 'op', op: 'MeanBackward0', span: span(8, 11, 37) });
  }
  const paths = groupPaths(nodes);
  const keys = (id) => paths.get(id).map((p) => p.key);
  const ofKind = (op, module) => nodes.filter((n) => n.op === op && n.module === module).map((n) => n.id);
  ofKind('AddmmBackward0', 'model.0').forEach((id, k) => assert.deepEqual(keys(id), ['loop:8', `loop:8:${k}`, `m:8:${k}:model`, `m:8:${k}:model.0`], `addmm ${id}`));
  ofKind('TanhBackward0', 'model.1').forEach((id, k) => assert.deepEqual(keys(id), ['loop:8', `loop:8:${k}`, `m:8:${k}:model`, `m:8:${k}:model.1`], `tanh ${id}`));
  ofKind('TBackward0', 'model.2').forEach((id, k) => assert.deepEqual(keys(id), ['loop:8', `loop:8:${k}`, `m:8:${k}:model`, `m:8:${k}:model.2`], `t ${id}`));
  // the parameters, made once, stay in their modules' boxes outside the loop
  for (const id of ofKind('AccumulateGrad', 'model.0')) assert.deepEqual(keys(id), ['m:model', 'm:model.0']);
  for (const id of ofKind('AccumulateGrad', 'model.2')) assert.deepEqual(keys(id), ['m:model', 'm:model.2']);
});

test("a call's internal nodes share its span but are no loop: they go with their call, in its iteration and line", () => {
  // `s = torch.einsum(…)` on line 4 of a loop body (three turns), then a line of its own on line 9
  // whose einsum makes four nodes: the internal ones (no value, a note) carry their call's span
  const nodes = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(2, 4, 30), value: {} }];
  const add = (node) => nodes.push({ id: nodes.length, ...node });
  const internal = (s) => ({ kind: 'op', op: 'BmmBackward0', span: s, value: null, value_note: 'BmmBackward0: an internal node of torch.einsum(…)' });
  for (let turn = 0; turn < 3; turn += 1) {
    add(internal(span(4, 8, 40)));
    add(internal(span(4, 8, 40)));
    add({ kind: 'op', op: 'ViewBackward0', span: span(4, 8, 40), value: {} });
    add({ kind: 'op', op: 'TanhBackward0', span: span(5, 8, 20), value: {} });
  }
  for (let k = 0; k < 3; k += 1) add(internal(span(9, 4, 30)));
  add({ kind: 'op', op: 'ViewBackward0', span: span(9, 4, 30), value: {} });
  const paths = groupPaths(nodes);
  const keys = (id) => paths.get(id).map((p) => p.key);
  for (let turn = 0; turn < 3; turn += 1) {
    for (let k = 1; k <= 4; k += 1) assert.deepEqual(keys(4 * turn + k), ['loop:4', `loop:4:${turn}`], `node ${4 * turn + k}`);
  }
  for (const id of [13, 14, 15, 16]) assert.deepEqual(keys(id), ['line:9'], `node ${id}`);
});

test("a notebook's lines of another cell are not the block's lines: loops and line boxes keep them apart and say where", () => {
  // The notebook library sets span.file for a function defined in another cell ("Cell In[1]"), whose
  // lines count from 1 there: its line 2 is not the block's line 2.
  const other = (line, column, end) => ({ ...span(line, column, end), file: 'Cell In[1]' });
  const nodes = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(1, 0, 30), value: {} }];
  const add = (node) => nodes.push({ id: nodes.length, ...node });
  for (let k = 0; k < 3; k += 1) add({ kind: 'op', op: 'MulBackward0', span: span(2, 4, 9 + k), value: {} }); // the block's line 2
  for (let k = 0; k < 3; k += 1) add({ kind: 'op', op: 'AddBackward0', span: other(2, 4, 9 + k), value: {} }); // Cell In[1]'s line 2
  for (let turn = 0; turn < 3; turn += 1) add({ kind: 'op', op: 'TanhBackward0', span: other(5, 11, 24), value: {} }); // called thrice
  const paths = groupPaths(nodes);
  const labels = (id) => paths.get(id).map((p) => p.label);
  for (const id of [1, 2, 3]) assert.deepEqual(labels(id), ['line 2'], `node ${id}`);
  for (const id of [4, 5, 6]) assert.deepEqual(labels(id), ['line 2 of Cell In[1]'], `node ${id}`);
  for (let turn = 0; turn < 3; turn += 1) assert.deepEqual(labels(7 + turn), ['loop at line 5 of Cell In[1]', `iteration ${turn + 1}`]);
  assert.notEqual(paths.get(1)[0].key, paths.get(4)[0].key);
});

test("a function called from two lines is two call boxes, no loop; called from one line of a loop, a loop of calls", () => {
  // def layer(x, w): h = x @ w (line 3); return torch.tanh(h) (line 4)
  const inLayer = (call) => [
    { kind: 'op', op: 'MmBackward0', span: span(3, 8, 13), call, value: {} },
    { kind: 'op', op: 'TanhBackward0', span: span(4, 11, 24), call, value: {} },
  ];
  const twice = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(7, 0, 40), value: {} }];
  for (const node of [...inLayer('layer(x, w) at line 8'), ...inLayer('layer(a, w) at line 9')]) twice.push({ id: twice.length, ...node });
  const paths = groupPaths(twice);
  assert.deepEqual(paths.get(1).map((p) => p.label), ['layer(x, w) at line 8']);
  assert.deepEqual(paths.get(3).map((p) => p.label), ['layer(a, w) at line 9']); // was: loop at line 3 ▸ iteration 2 ▸ …
  // for _ in range(3): h = layer(h, w)   (line 9): the same call, three turns
  const looped = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(7, 0, 40), value: {} }];
  for (let turn = 0; turn < 3; turn += 1) for (const node of inLayer('layer(h, w) at line 9')) looped.push({ id: looped.length, ...node });
  const loopPaths = groupPaths(looped);
  for (let turn = 0; turn < 3; turn += 1) {
    assert.deepEqual(loopPaths.get(1 + 2 * turn).map((p) => p.label), ['loop at line 3', `iteration ${turn + 1}`, 'layer(h, w) at line 9']);
  }
});

test("a loop is named by its own line, not a line of the function it calls; a turn's one call box says its turn", () => {
  // def layer(x, w): h = x @ w (line 3); return torch.tanh(h) (line 4)
  // for _ in range(3):           (line 9)
  //     h = layer(h, w)          (line 10)
  //     total = total + h.sum()  (line 11)
  const nodes = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(7, 0, 40), value: {} }];
  const add = (node) => nodes.push({ id: nodes.length, ...node });
  const call = 'layer(h, w) at line 10';
  for (let turn = 0; turn < 3; turn += 1) {
    add({ kind: 'op', op: 'MmBackward0', span: span(3, 8, 13), call, value: {} });
    add({ kind: 'op', op: 'TanhBackward0', span: span(4, 11, 24), call, value: {} });
    add({ kind: 'op', op: 'SumBackward0', span: span(11, 20, 27), value: {} });
    add({ kind: 'op', op: 'AddBackward0', span: span(11, 12, 27), value: {} });
  }
  const paths = groupPaths(nodes);
  assert.deepEqual(paths.get(1).map((p) => p.label), ['loop at line 11', 'iteration 1', call]); // was: loop at line 3
  // Without a line of its own, each turn's box holds only its call: the box says which turn it is.
  const calls = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(7, 0, 40), value: {} }];
  for (let turn = 0; turn < 3; turn += 1) {
    calls.push({ id: calls.length, kind: 'op', op: 'MmBackward0', span: span(3, 8, 13), call, value: {} });
    calls.push({ id: calls.length, kind: 'op', op: 'TanhBackward0', span: span(4, 11, 24), call, value: {} });
  }
  const hierarchy = buildHierarchy({ nodes: calls, edges: [] });
  const labels = (item) => ancestorsOf(hierarchy, item).map((id) => hierarchy.groups.get(id).label);
  assert.deepEqual(labels('n3'), ['loop at line 3', `iteration 2: ${call}`]);
});

test("a loop is named by the `for` the web trace says was running, also a loop whose every node is made in a call", () => {
  // def step(w, x):               (line 5)
  //     h = w * x                 (line 6)
  //     return h.sum()            (line 7)
  // for i in range(3):            (line 10)
  //     total = total + step(w, x) (line 11)
  // The nodes of `step` alone: from spans the loop reads like one inside a call of step (line 6).
  const call = 'step(w, x) at line 11';
  const nodes = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(2, 0, 40), value: {} }];
  for (let turn = 0; turn < 3; turn += 1) {
    nodes.push({ id: nodes.length, kind: 'op', op: 'MulBackward0', span: span(6, 8, 13), call, loop: 10, value: {} });
    nodes.push({ id: nodes.length, kind: 'op', op: 'SumBackward0', span: span(7, 11, 18), call, loop: 10, value: {} });
  }
  const hierarchy = buildHierarchy({ nodes, edges: [] });
  const labels = (item) => ancestorsOf(hierarchy, item).map((id) => hierarchy.groups.get(id).label);
  assert.deepEqual(labels('n3'), ['loop at line 10', `iteration 2: ${call}`]); // was: loop at line 6
  // The loop inside one call (`train(w)` at line 12 runs `for` at line 3): its own `for`, though
  // every node is in the call.
  const train = 'train(w) at line 12';
  const inside = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(1, 0, 40), value: {} }];
  for (let turn = 0; turn < 3; turn += 1) {
    inside.push({ id: inside.length, kind: 'op', op: 'MulBackward0', span: span(4, 8, 13), call: train, loop: 3, value: {} });
  }
  assert.deepEqual(groupPaths(inside).get(2).map((p) => p.label), ['loop at line 3', 'iteration 2', train]);
  // A loop's nodes without `loop` (a notebook's) are named as before: the first line of the body.
  const plain = nodes.map(({ loop, ...node }) => node);
  const before = buildHierarchy({ nodes: plain, edges: [] });
  assert.equal(before.groups.get(ancestorsOf(before, 'n3')[0]).label, 'loop at line 6');
});

test('two loops one after the other are two loops; a loop nested in another is one, named by the outer `for`', () => {
  // for i in range(3):     (line 4)
  //     a = a * 2          (line 5)
  // for j in range(3):     (line 6)
  //     b = b * 3          (line 7)
  const nodes = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(2, 0, 40), value: {} }];
  for (let turn = 0; turn < 3; turn += 1) nodes.push({ id: nodes.length, kind: 'op', op: 'MulBackward0', span: span(5, 8, 13), loop: 4, value: {} });
  for (let turn = 0; turn < 3; turn += 1) nodes.push({ id: nodes.length, kind: 'op', op: 'MulBackward0', span: span(7, 8, 13), loop: 6, value: {} });
  const paths = groupPaths(nodes);
  const labels = (id) => paths.get(id).map((p) => p.label);
  assert.deepEqual(labels(2), ['loop at line 4', 'iteration 2']);
  assert.deepEqual(labels(5), ['loop at line 6', 'iteration 2']); // was: loop at line 4 ▸ iteration 2, beside a * 2
  // for i in range(3):     (line 4)
  //     a = a * 2          (line 5)
  //     for j in range(2): (line 6)
  //         a = a * 3      (line 7)
  const nested = [{ id: 0, kind: 'input', op: 'AccumulateGrad', span: span(2, 0, 40), value: {} }];
  for (let turn = 0; turn < 3; turn += 1) {
    nested.push({ id: nested.length, kind: 'op', op: 'MulBackward0', span: span(5, 8, 13), loop: 4, value: {} });
    for (let inner = 0; inner < 2; inner += 1) nested.push({ id: nested.length, kind: 'op', op: 'MulBackward0', span: span(7, 12, 17), loop: 6, value: {} });
  }
  const loops = new Set([...groupPaths(nested).values()].filter((path) => path.length).map((path) => path[0].label));
  assert.deepEqual([...loops], ['loop at line 4']);
});

// A web trace's nodes with the loop turns it sends (loop_run, turn) and its loops table.
// Each run titled as the server titles it, by its header: here "loop at line N" stands for one.
function traceWithRuns(loops, made) {
  const nodes = made.map((node, id) => ({ id, kind: 'op', op: 'MulBackward0', value: {}, ...node }));
  return { nodes, edges: [], loops: loops.map((run) => ({ label: `loop at line ${run.line}`, ...run })) };
}

test('nested loops nest: each turn of the outer loop holds its own run of the inner one', () => {
  // h = w * 1                      (line 3)
  // for i in range(3):             (line 4)
  //     h = h + 100 * i            (line 5)
  //     for k in range(2):         (line 6)
  //         h = h + (10 * i + k)   (line 7)
  //         h = h * 1              (line 8)
  const loops = [{ line: 4, outer: null, outer_turn: null, module: null, call: null }];
  const made = [{ kind: 'input', op: 'AccumulateGrad', span: span(2, 0, 40) }, { span: span(3, 4, 9) }];
  for (let i = 0; i < 3; i += 1) {
    made.push({ span: span(5, 8, 19), loop: 4, loop_run: 0, turn: i });
    loops.push({ line: 6, outer: 0, outer_turn: i, module: null, call: null });
    for (let k = 0; k < 2; k += 1) {
      made.push({ span: span(7, 12, 28), loop: 6, loop_run: loops.length - 1, turn: k });
      made.push({ span: span(8, 12, 17), loop: 6, loop_run: loops.length - 1, turn: k });
    }
  }
  const hierarchy = buildHierarchy(traceWithRuns(loops, made));
  const labels = (item) => ancestorsOf(hierarchy, item).map((id) => hierarchy.groups.get(id).label);
  assert.deepEqual(labels('n7'), ['loop at line 4', 'iteration 2']); // h + 100 * i of turn i = 1
  // the second inner turn of the outer turn i = 1 (before: one loop box, this node in "iteration 4")
  assert.deepEqual(labels('n10'), ['loop at line 4', 'iteration 2', 'loop at line 6', 'iteration 2']);
  assert.deepEqual(labels('n1'), []);
  // three runs of the inner loop, one in each outer iteration
  const inner = [...hierarchy.groups.values()].filter((g) => g.label === 'loop at line 6');
  assert.equal(inner.length, 3);
  assert.deepEqual(inner.map((g) => hierarchy.groups.get(g.parent).label), ['iteration 1', 'iteration 2', 'iteration 3']);
});

test("a loop in a model's forward is inside the model's box; a loop in a function, inside its call's box", () => {
  // class RNN: forward(xs): for t in range(2): h = torch.tanh(self.cell(h) + xs[t])   (for at line 15)
  // def run(model, xs): out = model(xs); for j in range(2): out = out * 2   (for at line 21); return out.sum()
  // loss = run(model, xs)   (line 27)
  const call = 'run(model, xs) at line 27';
  const calls = [{ label: call, outer: null, loop_run: null, turn: null, module: null }];
  const loops = [
    { line: 15, outer: null, outer_turn: null, module: 'model', call, call_run: 0 },
    { line: 21, outer: null, outer_turn: null, module: null, call, call_run: 0 },
  ];
  const made = [
    { kind: 'input', op: 'AccumulateGrad', module: 'model.cell', span: null },
    { kind: 'input', op: 'AccumulateGrad', module: 'model.cell', span: null },
  ];
  const inRun = { call, call_run: 0 };
  made.push({ op: 'TanhBackward0', module: 'model', ...inRun, span: span(14, 12, 28) }); // h = torch.tanh(xs[0])
  for (let t = 0; t < 2; t += 1) {
    made.push({ op: 'TBackward0', module: 'model.cell', ...inRun, span: null, loop: 15, loop_run: 0, turn: t });
    made.push({ op: 'AddmmBackward0', module: 'model.cell', ...inRun, span: null, loop: 15, loop_run: 0, turn: t });
    made.push({ op: 'AddBackward0', module: 'model', ...inRun, span: span(16, 23, 44), loop: 15, loop_run: 0, turn: t });
    made.push({ op: 'TanhBackward0', module: 'model', ...inRun, span: span(16, 16, 45), loop: 15, loop_run: 0, turn: t });
  }
  made.push({ op: 'MulBackward0', ...inRun, span: span(22, 14, 21), loop: 21, loop_run: 1, turn: 0 });
  made.push({ op: 'MulBackward0', ...inRun, span: span(22, 14, 21), loop: 21, loop_run: 1, turn: 1 });
  made.push({ op: 'SumBackward0', ...inRun, span: span(23, 11, 20) });
  const hierarchy = buildHierarchy({ ...traceWithRuns(loops, made), calls });
  const labels = (item) => ancestorsOf(hierarchy, item).map((id) => hierarchy.groups.get(id).label);
  // before: loop at line 15 ▸ iteration 2 ▸ model ▸ model.cell, a `model` box inside each iteration
  assert.deepEqual(labels('n8'), [call, 'model', 'loop at line 15', 'iteration 2', 'model.cell']);
  assert.deepEqual(labels('n9'), [call, 'model', 'loop at line 15', 'iteration 2']);
  assert.deepEqual(labels('n2'), [call, 'model']);
  // the parameters, once, in the call's model beside the loop (the module ran in both turns)
  assert.deepEqual(labels('n0'), [call, 'model', 'model.cell']);
  assert.equal([...hierarchy.groups.values()].filter((g) => g.label === 'model').length, 1);
  // the loop in run(...) and the call's own sum after it: one call box
  assert.deepEqual(labels('n11'), [call, 'loop at line 21']);
  assert.deepEqual(labels('n13'), [call]);
});

test('a loop whose nodes were all made in one turn gets no box (a training loop shows its last pass)', () => {
  // for epoch in range(20):  (line 9)   loss = criterion(model(X), y)  (line 10)   loss.backward()
  const loops = [{ line: 9, outer: null, outer_turn: null, module: null, call: null }];
  const made = [
    { kind: 'input', op: 'AccumulateGrad', module: 'model', span: null },
    { op: 'AddmmBackward0', module: 'model', span: null, loop: 9, loop_run: 0, turn: 19 },
    { op: 'MseLossBackward0', module: 'criterion', span: span(10, 11, 33), loop: 9, loop_run: 0, turn: 19 },
  ];
  const trace = traceWithRuns(loops, made);
  const paths = groupPaths(trace.nodes, trace);
  assert.deepEqual(paths.get(1).map((p) => p.key), ['m:model']);
  assert.deepEqual(paths.get(2).map((p) => p.key), ['m:criterion']);
});

test("a loop's iterations are in turn order, though a later turn may hold a lower id", () => {
  // Ids are a topological order, not creation order: the second layer's first turn (`h = zeros`,
  // `cell(h)`) reads nothing of the first layer and is numbered before it.
  const loops = [{ line: 10, outer: null, outer_turn: null, module: null, call: null }];
  const made = [
    { span: span(14, 16, 23), loop: 10, loop_run: 0, turn: 1 },
    { span: span(14, 16, 23), loop: 10, loop_run: 0, turn: 0 },
    { span: span(14, 26, 31), loop: 10, loop_run: 0, turn: 0 },
    { span: span(14, 26, 31), loop: 10, loop_run: 0, turn: 1 },
  ];
  const hierarchy = buildHierarchy(traceWithRuns(loops, made));
  const loop = [...hierarchy.groups.values()].find((g) => g.label === 'loop at line 10');
  assert.deepEqual(loop.children.map((id) => hierarchy.groups.get(id).label), ['iteration 1', 'iteration 2']);
});

test("a node's box trail names its boxes outermost first, without the ranges a long box is split into", () => {
  // 100 layers built in a loop (mlpTrace): layer 7's tanh is in loop ▸ iterations 6–10 ▸ iteration 7
  const hierarchy = buildHierarchy(mlpTrace(100));
  assert.deepEqual(boxTrail(hierarchy, 'n29'), ['loop at line 6', 'iteration 7']);
  assert.deepEqual(boxTrail(hierarchy, 'n0'), []); // W, outside every box
});

test("an iteration of `for t in range(…)` says its t, as the program does; ranges of them still read as iterations", () => {
  // for t in range(10, 0, -1):   (line 3)  60 turns would be split into ranges; 3 here
  const loops = [{ line: 3, outer: null, outer_turn: null, module: null, call: null, variable: 't', start: 10, step: -1 }];
  const made = [];
  for (let turn = 0; turn < 3; turn += 1) {
    made.push({ span: span(4, 8, 13), loop: 3, loop_run: 0, turn });
    made.push({ span: span(4, 16, 21), loop: 3, loop_run: 0, turn });
  }
  const hierarchy = buildHierarchy(traceWithRuns(loops, made));
  assert.deepEqual(boxTrail(hierarchy, 'n3'), ['loop at line 3', 'iteration 2 (t = 9)']);
  // a long loop's range boxes are named by their first and last iteration's numbers
  const long = [];
  for (let turn = 0; turn < 60; turn += 1) {
    long.push({ span: span(4, 8, 13), loop: 3, loop_run: 0, turn });
    long.push({ span: span(4, 16, 21), loop: 3, loop_run: 0, turn });
  }
  const ranged = buildHierarchy(traceWithRuns(loops, long));
  const loop = [...ranged.groups.values()].find((g) => g.label === 'loop at line 3');
  assert.equal(ranged.groups.get(loop.children[0]).label, 'iterations 1–2');
});

test('an iteration over a sequence the program named says its item, `cell = self.cells[1]`; a while loop says nothing', () => {
  const loops = [
    { line: 10, outer: null, outer_turn: null, module: 'model', call: null, variable: 'cell', start: null, step: null, over: 'self.cells' },
    { line: 20, outer: null, outer_turn: null, module: null, call: null, variable: null, start: null, step: null, over: null },
  ];
  const made = [];
  for (let turn = 0; turn < 2; turn += 1) {
    made.push({ module: 'model', span: span(11, 8, 13), loop: 10, loop_run: 0, turn });
    made.push({ module: 'model', span: span(11, 16, 21), loop: 10, loop_run: 0, turn });
  }
  for (let turn = 0; turn < 2; turn += 1) {
    made.push({ span: span(21, 8, 13), loop: 20, loop_run: 1, turn });
    made.push({ span: span(21, 16, 21), loop: 20, loop_run: 1, turn });
  }
  const hierarchy = buildHierarchy(traceWithRuns(loops, made));
  // (the model's box holds only the loop: a box around one thing is dropped)
  assert.deepEqual(boxTrail(hierarchy, 'n3'), ['loop at line 10', 'iteration 2 (cell = self.cells[1])']);
  assert.deepEqual(boxTrail(hierarchy, 'n7'), ['loop at line 20', 'iteration 2']);
});

test("each call of the program's function is a box of its own: a recursion nests, `g(x) + g(x)` is two boxes", () => {
  // def f(x, n): return x * 1 if n == 0 else f(x, n - 1) + 10 * n   (line 3)
  // def g(x): h = x * x; return h * 2   (lines 6, 7)
  // y = f(x, 2) + g(x) + g(x)   (line 9)
  const top = 'f(x, 2) at line 9';
  const inner = 'f(x, n - 1) at line 3';
  const calls = [
    { label: top, held: 'n = 2', outer: null, loop_run: null, turn: null, module: null },
    { label: inner, held: 'n = 1', outer: 0, loop_run: null, turn: null, module: null },
    { label: inner, held: 'n = 0', outer: 1, loop_run: null, turn: null, module: null },
    { label: 'g(x) at line 9', held: null, outer: null, loop_run: null, turn: null, module: null },
    { label: 'g(x) at line 9', held: null, outer: null, loop_run: null, turn: null, module: null },
  ];
  const made = [
    { kind: 'input', op: 'AccumulateGrad', span: span(2, 4, 40) },
    { span: span(3, 30, 35), call: inner, call_run: 2 }, // x * 1, at n = 0
    { span: span(3, 41, 63), call: inner, call_run: 2 }, // + 10 * n, n = 1
    { span: span(3, 41, 63), call: inner, call_run: 1 }, // n = 2
    { span: span(3, 41, 63), call: top, call_run: 0 }, // n = 3
    { span: span(6, 8, 13), call: 'g(x) at line 9', call_run: 3 },
    { span: span(7, 11, 16), call: 'g(x) at line 9', call_run: 3 },
    { span: span(6, 8, 13), call: 'g(x) at line 9', call_run: 4 },
    { span: span(7, 11, 16), call: 'g(x) at line 9', call_run: 4 },
    { span: span(9, 4, 28) },
  ];
  const hierarchy = buildHierarchy({ nodes: made.map((node, id) => ({ id, kind: 'op', value: {}, ...node })), edges: [], calls });
  const labels = (item) => ancestorsOf(hierarchy, item).map((id) => hierarchy.groups.get(id).label);
  // the calls of one label say what n held; the top call, alone with its label, says nothing more
  const [one, zero] = [`${inner} (n = 1)`, `${inner} (n = 0)`];
  assert.deepEqual(labels('n1'), [top, one, zero]);
  assert.deepEqual(labels('n2'), [top, one, zero]);
  assert.deepEqual(labels('n3'), [top, one]);
  assert.deepEqual(labels('n4'), [top]);
  // before: one box "loop at line 3" whose iterations were the calls
  assert.ok([...hierarchy.groups.values()].every((g) => !g.label.startsWith('loop')));
  assert.deepEqual(labels('n5'), ['g(x) at line 9']);
  assert.deepEqual(labels('n7'), ['g(x) at line 9']);
  assert.notEqual(hierarchy.parentOf.get('n5'), hierarchy.parentOf.get('n7'));
  assert.equal(hierarchy.parentOf.get('n5'), hierarchy.parentOf.get('n6'));
});

test("a model run only inside a call is inside the call's box, with its parameters", () => {
  // def train_step(model, X, y): loss = ((model(X) - y) ** 2).mean()   (line 8)
  // for epoch in range(2): train_step(model, X, y)   (lines 10, 11); the graph: both passes
  const call = 'train_step(model, X, y) at line 11';
  const loops = [{ line: 10, outer: null, outer_turn: null, module: null, call: null, call_run: null }];
  const calls = [0, 1].map((turn) => ({ label: call, outer: null, loop_run: 0, turn, module: null }));
  const made = [
    { kind: 'input', op: 'AccumulateGrad', module: 'model', span: null }, // model.weight
    { kind: 'input', op: 'AccumulateGrad', module: 'head', span: null }, // head.weight, used in the last pass only
  ];
  for (const turn of [0, 1]) {
    const inCall = { call, call_run: turn, loop: 10, loop_run: 0, turn };
    made.push({ op: 'TBackward0', module: 'model', span: null, ...inCall });
    made.push({ op: 'AddmmBackward0', module: 'model', span: null, ...inCall });
    made.push({ op: 'MeanBackward0', span: span(8, 11, 40), ...inCall });
  }
  const lastOnly = { call, call_run: 1, loop: 10, loop_run: 0, turn: 1 };
  made.push({ op: 'TBackward0', module: 'head', span: null, ...lastOnly });
  made.push({ op: 'MmBackward0', module: 'head', span: null, ...lastOnly });
  const hierarchy = buildHierarchy({ ...traceWithRuns(loops, made), calls });
  const labels = (item) => ancestorsOf(hierarchy, item).map((id) => hierarchy.groups.get(id).label);
  // an iteration holding one box is that box, titled with both ("iteration 1: train_step(…) at line 11")
  const inTurn = (k) => ['loop at line 10', `iteration ${k}: ${call}`];
  assert.deepEqual(labels('n3'), [...inTurn(1), 'model']); // before: model beside the call, not in it
  assert.deepEqual(labels('n6'), [...inTurn(2), 'model']);
  assert.deepEqual(labels('n4'), inTurn(1));
  // model ran in both calls: its weight is in neither (at the top, where a box of one is no box)
  assert.deepEqual(labels('n0'), []);
  assert.deepEqual(labels('n1'), [...inTurn(2), 'head']); // head ran in one: its weight is there
  assert.equal(hierarchy.parentOf.get('n1'), hierarchy.parentOf.get('n9'));
});

test('a source sits level with the middle of what it feeds when told, its band no taller', () => {
  // x (an ellipse 160 tall) feeds three stacked 80-tall nodes; each of them feeds one more
  const items = [{ id: 'x', w: 100, h: 160 }, ...['a', 'b', 'c', 'd'].map((id) => ({ id, w: 100, h: 80 }))];
  const edges = [['x', 'a'], ['x', 'b'], ['x', 'c'], ['c', 'd']];
  const plain = layeredLayout(items, edges, { direction: 'LR', nodeGap: 20 });
  const centred = layeredLayout(items, edges, { direction: 'LR', nodeGap: 20, centreSources: true });
  const y = (layout, id) => layout.positions.get(id).y;
  // stacked a, b, c span 3 × 80 + 2 × 20 = 280; x's top at the band's top made it 40 taller (320)
  assert.equal(plain.height, 320);
  assert.equal(centred.height, 280);
  const fed = ['a', 'b', 'c'].map((id) => y(centred, id));
  assert.equal(y(centred, 'x'), (Math.min(...fed) + Math.max(...fed)) / 2); // level with their middle
  assert.equal(y(plain, 'x'), Math.min(...['a', 'b', 'c'].map((id) => y(plain, id)))); // at their top
  // a source whose one consumer is level with it stays put (the one-layer example's w)
  const pair = layeredLayout([{ id: 'w', w: 100, h: 120 }, { id: 'z', w: 100, h: 80 }], [['w', 'z']], { centreSources: true });
  assert.equal(pair.positions.get('w').y, pair.positions.get('z').y);
});
