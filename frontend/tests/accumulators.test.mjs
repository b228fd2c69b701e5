import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { accumulatorOf, activeEdges, applyStep, createReplay, initialState, stateAt } from '../js/explorer/accumulators.js';
import { scalarValue } from '../js/shared/format.js';

const trace = JSON.parse(readFileSync(new URL('./fixtures/trace-poly.json', import.meta.url)));
const pass = trace.passes[0];
const value = (state, id) => {
  const acc = accumulatorOf(state, id);
  return typeof acc === 'number' ? acc : scalarValue(acc);
};

test('the start state holds ∂f/∂f = 1 at the root and 0 everywhere else', () => {
  const state = initialState(pass);
  assert.equal(value(state, 3), 1);
  for (const id of [0, 1, 2]) assert.equal(value(state, id), 0);
  assert.deepEqual([...state.reached], [3]);
  assert.equal(state.current, null);
  assert.deepEqual(activeEdges(state), []);
});

test("x's accumulator receives −3 then 3 and ends at 3x² − 3 = 0", () => {
  const after = [0, 1, 2, 3, 4].map((k) => stateAt(pass, k));
  assert.deepEqual(after.map((s) => value(s, 0)), [0, 0, -3, 0, 0]);
  const final = after[4];
  assert.deepEqual(final.contributions.get(0).map((c) => scalarValue(c.value)), [-3, 3]);
  assert.deepEqual(final.contributions.get(0).map((c) => c.from), [2, 1]);
  assert.equal(value(final, 2), -1);
  assert.deepEqual(after[2].changed, [0]);
});

test('the reducer is pure: applying a step leaves the previous state untouched', () => {
  const start = initialState(pass);
  const next = applyStep(start, pass.steps[0]);
  assert.equal(value(start, 1), 0);
  assert.equal(value(next, 1), 1);
  assert.equal(start.position, 0);
  assert.equal(next.position, 1);
  assert.equal(start.contributions.size, 0);
});

test('folding step by step equals stateAt, and positions past the end clamp', () => {
  let state = initialState(pass);
  for (const step of pass.steps) state = applyStep(state, step);
  const direct = stateAt(pass, 99);
  assert.equal(direct.position, pass.steps.length);
  for (const id of [0, 1, 2, 3]) assert.equal(value(state, id), value(direct, id));
});

test('the edges carrying the current step contributions point from producer to consumer', () => {
  const edges = activeEdges(stateAt(pass, 1));
  assert.deepEqual(
    edges.map((e) => [e.source, e.target, scalarValue(e.value)]),
    [
      [1, 3, 1],
      [2, 3, -1],
    ],
  );
});

test('a large graph that records only changed accumulators still accumulates correctly', () => {
  const tv = (x) => ({ shape: [], dtype: 'float32', data: x, summary: null, truncated: false });
  const sparse = {
    roots: [2],
    steps: [
      { index: 0, node: 2, grad_output: tv(1), inputs: [{ slot: 0, to: 1, contribution: tv(2) }], accumulators: [{ node: 1, grad: tv(2) }], accumulators_complete: false, changed: [1] },
      { index: 1, node: 1, grad_output: tv(2), inputs: [{ slot: 0, to: 0, contribution: tv(4) }], accumulators: [{ node: 0, grad: tv(4) }], accumulators_complete: false, changed: [0] },
    ],
  };
  const end = stateAt(sparse, 2);
  assert.deepEqual([0, 1, 2].map((id) => value(end, id)), [4, 2, 1]);
});

test('a replay gives the same states as folding from the start, in any order of positions', () => {
  const twoWays = JSON.parse(readFileSync(new URL('./fixtures/trace-two-ways.json', import.meta.url)));
  const pass = twoWays.passes.at(-1);
  const replay = createReplay(pass, { every: 2 });
  const n = pass.steps.length;
  for (const position of [0, 1, 2, 3, n, n - 1, 1, 0, n, 2, 5, 4, n + 3]) {
    const got = replay.at(position);
    const want = stateAt(pass, position);
    assert.equal(got.position, want.position, `position ${position}`);
    assert.deepEqual([...got.values], [...want.values], `values at ${position}`);
    assert.deepEqual([...got.reached].sort(), [...want.reached].sort(), `reached at ${position}`);
    assert.deepEqual([...got.contributions], [...want.contributions], `contributions at ${position}`);
    assert.equal(got.current, want.current);
  }
});
