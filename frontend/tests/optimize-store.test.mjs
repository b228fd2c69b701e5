import assert from 'node:assert/strict';
import { test } from 'node:test';

import { normalize } from '../js/optimize/state.js';
import {
  addedAnswered, answered, cleared, createLabStore, divergence, functionChosen, labelsOf, runAdded, runRemoved, upToDate,
} from '../js/optimize/store.js';

// A trajectory answer as columns (docs/api.md): null is a value that is not finite.
const result = (losses, final, reason = 'max_steps') => ({
  reason, stopped_at: losses.length, step: losses.map((_, i) => i + 1), loss: losses, final: { loss: final },
});

test('listeners hear only the keys they asked for, and only when a value changes', () => {
  const store = createLabStore(normalize({}));
  const heard = [];
  store.on(['results'], (_, keys) => heard.push([...keys]));
  store.set({ selected: 0 }); // unchanged: no event
  store.set({ upTo: 5 }); // not listened to
  store.set({ results: [1], selected: 0 });
  assert.deepEqual(heard, [['results']]);
});

test('adding a run keeps the earlier answers and computes only the new one', () => {
  const store = createLabStore(normalize({ runs: [{ optimizer: 'gd', lr: 0.1, start: { u: 1, v: 1 } }] }));
  store.set(answered(store.state, ['first']));
  assert.equal(upToDate(store.state), true);
  store.set(runAdded(store.state));
  assert.equal(store.get('lab').runs.length, 2);
  assert.equal(upToDate(store.state), false); // the added run has no answer yet
  store.set(addedAnswered(store.state, 'second'));
  assert.deepEqual(store.get('results'), ['first', 'second']);
  assert.equal(store.get('selected'), 1); // the table shows the new run
  assert.equal(labelsOf(store.get('lab')).length, 2);
});

test('an empty list is never up to date: the first Add run runs the form', () => {
  const store = createLabStore(normalize({}));
  assert.equal(upToDate(store.state), false);
});

test('removing a run drops its answer; clearing drops every run', () => {
  const runs = [0.1, 0.2, 0.3].map((lr) => ({ optimizer: 'gd', lr, start: { u: 1, v: 1 } }));
  const store = createLabStore(normalize({ runs }));
  store.set(answered(store.state, ['a', 'b', 'c']));
  store.set(runRemoved(store.state, 1));
  assert.deepEqual(store.get('results'), ['a', 'c']);
  assert.deepEqual(store.get('lab').runs.map((r) => r.lr), [0.1, 0.3]);
  store.set(cleared(store.state));
  assert.deepEqual([store.get('results'), store.get('lab').runs], [[], []]);
});

test('answers shrinking keep the selected run in range', () => {
  const store = createLabStore(normalize({}));
  store.set({ results: ['a', 'b', 'c'], selected: 2 });
  store.set(answered(store.state, ['x']));
  assert.equal(store.get('selected'), 0);
});

test('a new function takes its preset start and drops the runs and the surface', () => {
  const store = createLabStore(normalize({ runs: [{ optimizer: 'gd', lr: 0.1, start: { u: 1, v: 1 } }] }));
  store.set({ presets: { rosenbrock: { start: { u: -1.5, v: 2 } } }, surface: {}, results: ['a'] });
  store.set(functionChosen(store.state, 'rosenbrock'));
  assert.deepEqual(store.get('lab').start, { u: -1.5, v: 2 });
  assert.deepEqual([store.get('lab').runs, store.get('results'), store.get('surface')], [[], [], null]);
});

test('a run whose finite loss grew a thousandfold and still rises diverged', () => {
  assert.deepEqual(divergence(result([10, 100, 1e4], 1e5)), { from: 10, to: 1e5 });
  assert.equal(divergence(result([10, 100, 1e4], 1e3)), null); // falling again at the end
  assert.equal(divergence(result([10, 5, 1], 0.5)), null); // converging
  assert.equal(divergence(result([10, 20, 40], 80)), null); // rising, but not by 1000×
  assert.equal(divergence(result([10, null], null, 'diverged')), null); // the server said so
  assert.equal(divergence(result([null, 10], 1e5)), null); // no finite start to compare with
  assert.equal(divergence(result([10, 100], null)), null); // a non-finite end is the server's "diverged"
  assert.equal(divergence(result([0, 1e-3], 2e-3)), null); // from zero: a tiny rise is no blow-up
});
