import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildHierarchy, visibleItemOf } from '../js/explorer/graph-groups.js';
import { createVisibility } from '../js/explorer/graph-visibility.js';
import { mlpTrace } from './fixtures/mlp-trace.mjs';

// The oracle: every node's visible item and every drawn edge computed from scratch.
function fromScratch(hierarchy, trace, isOpen) {
  const visible = new Map(trace.nodes.map((n) => [n.id, visibleItemOf(hierarchy, `n${n.id}`, isOpen)]));
  const edges = new Map();
  for (const e of trace.edges) {
    const source = visible.get(e.source);
    const target = visible.get(e.target);
    if (source !== target) edges.set(`e:${source}>${target}`, { source, target });
  }
  return { visible, edges };
}

// A small deterministic generator, so a failure names the seed that made it.
function random(seed) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

test('opening and closing boxes in any order keeps the visible items and drawn edges of a full recomputation', () => {
  const trace = mlpTrace(300); // ranges of iterations inside ranges: three levels of boxes
  const hierarchy = buildHierarchy(trace);
  const groupIds = [...hierarchy.groups.keys()].filter((id) => id !== hierarchy.root);
  assert.ok(groupIds.length > 300);
  for (const seed of [1, 2, 3]) {
    const next = random(seed);
    const visibility = createVisibility(hierarchy, trace.nodes, trace.edges);
    let drawn = new Map();
    const openSet = new Set();
    for (let round = 0; round < 25; round += 1) {
      // A few boxes flip each round (a step moving on), sometimes many (a "grouped" untick).
      const flips = round % 10 === 9 ? 200 : 1 + Math.floor(next() * 4);
      for (let k = 0; k < flips; k += 1) {
        const id = groupIds[Math.floor(next() * groupIds.length)];
        if (openSet.has(id)) openSet.delete(id);
        else openSet.add(id);
      }
      const isOpen = (id) => openSet.has(id);
      const { visible, added, removed } = visibility.update(isOpen);
      const oracle = fromScratch(hierarchy, trace, isOpen);
      assert.deepEqual(visible, oracle.visible, `seed ${seed}, round ${round}: visible items`);
      // The reported changes take the previous drawing to the new one.
      for (const id of removed) {
        assert.ok(drawn.has(id), `seed ${seed}, round ${round}: removed ${id} was not drawn`);
        drawn.delete(id);
      }
      for (const { id, source, target } of added) {
        assert.ok(!drawn.has(id), `seed ${seed}, round ${round}: added ${id} twice`);
        drawn.set(id, { source, target });
      }
      assert.deepEqual(drawn, oracle.edges, `seed ${seed}, round ${round}: drawn edges`);
      assert.deepEqual(visibility.edges(), oracle.edges);
      drawn = new Map(drawn);
    }
  }
});

test('a step into the next box looks again only at the nodes under the boxes that changed', () => {
  const trace = mlpTrace(300);
  const hierarchy = buildHierarchy(trace);
  const visibility = createVisibility(hierarchy, trace.nodes, trace.edges);
  const first = visibility.update(() => false);
  const shown = new Set(first.visible.values());
  assert.ok(shown.size < 60, `${shown.size} items drawn with every box closed`);
  // Opening one top-level range box: its edges to its neighbours go, its children's edges come.
  const [range] = hierarchy.groups.get(hierarchy.root).children.filter((id) => hierarchy.groups.has(id));
  const { added, removed } = visibility.update((id) => id === range);
  assert.ok(removed.length > 0 && removed.every((id) => id.includes(range)), removed);
  assert.ok(added.length > 0, 'its children are joined');
  assert.ok(added.every((e) => e.source !== range && e.target !== range), 'an open box has no edges of its own');
});
