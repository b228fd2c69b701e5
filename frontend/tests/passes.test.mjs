// A training loop's passes: which iteration is shown, where its pass is, what the loss plot draws.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { holdsEveryPass, iterationText, openIteration, passCount, positionOfPass } from '../js/explorer/pass-picker.js';
import { passTraces } from '../js/explorer/passes-plot.js';

const summaries = { count: 20, kind: Array(20).fill('backward'), loss: Array.from({ length: 20 }, (_, i) => 1 / (i + 1)), grad_norms: { 'model.fc1.weight': Array(20).fill(0.5) } };
const trace = { passes: [{ index: 19, steps: [{}, {}] }], pass_summaries: summaries, shown_pass: 19 };

function fakeStore(state) {
  return { state, get: (k) => state[k], set: (patch) => Object.assign(state, patch) };
}

test('the shown pass is named by its iteration among all the passes', () => {
  assert.equal(passCount(trace), 20);
  assert.equal(positionOfPass(trace, 19), 0);
  assert.equal(positionOfPass(trace, 3), -1);
  assert.equal(iterationText(trace, 0), 'iteration 20 of 20');
  // a one-pass program says nothing; an older trace without summaries counts its passes
  assert.equal(iterationText({ passes: [{ index: 0, steps: [] }], pass_summaries: { count: 1 } }, 0), '');
  assert.equal(iterationText({ passes: [{ steps: [] }, { steps: [] }] }, 1), 'iteration 2 of 2');
});

test('the backward-call menu picks the pass when the trace holds them all, else the number box', () => {
  assert.equal(holdsEveryPass(trace), false); // 1 of 20 held: a training loop, the number box
  const three = { passes: [0, 1, 2].map((index) => ({ index, steps: [] })), pass_summaries: { count: 3 } };
  assert.equal(holdsEveryPass(three), true);
  assert.equal(holdsEveryPass({ passes: [{ steps: [] }, { steps: [] }] }), true); // no summaries
  assert.equal(holdsEveryPass({ passes: [{ index: 0, steps: [] }], pass_summaries: { count: 1 } }), false);
  assert.equal(holdsEveryPass(null), false);
});

test('opening an iteration uses a recorded pass, else asks the server for it (clamped)', () => {
  const asked = [];
  const store = fakeStore({ trace, passIndex: 0, position: 5 });
  openIteration(store, 20, (i) => asked.push(i));
  assert.deepEqual(asked, []);
  assert.equal(store.state.position, 0);
  openIteration(store, 7, (i) => asked.push(i));
  openIteration(store, 999, (i) => asked.push(i)); // past the end: the last, which is recorded
  openIteration(store, 0, (i) => asked.push(i));
  assert.deepEqual(asked, [6, 0]);
});

test('the plot draws every loss, the gradient norms on request and the shown iteration', () => {
  const traces = passTraces(summaries, 19);
  assert.deepEqual(traces[0].y, summaries.loss);
  assert.deepEqual(traces[0].x.slice(0, 3), [1, 2, 3]);
  assert.equal(traces[1].name, '‖∇ model.fc1.weight‖');
  assert.equal(traces[1].visible, 'legendonly');
  assert.deepEqual([traces[2].x, traces[2].y], [[20], [0.05]]);
  assert.equal(passTraces({ ...summaries, count: 4000, loss: Array(4000).fill(1) }, null)[0].mode, 'lines');
  // parameters of modules: one line per module
  const byModule = passTraces({ ...summaries, module_grad_norms: { 'model.fc1': Array(20).fill(0.7) } }, 19);
  assert.deepEqual(byModule.map((t) => t.name), ['loss', '‖∇ model.fc1‖', 'shown']);
});
