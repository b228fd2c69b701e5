import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  boxProgress, boxStepPositions, buttonParts, buttonText, nodesInBox, passOfBox, progressText, progressWords, skipTarget, stepsText,
} from '../js/explorer/box-steps.js';
import { ancestorsOf, buildHierarchy } from '../js/explorer/graph-groups.js';
import { mlpTrace } from './fixtures/mlp-trace.mjs';

// A backward pass over `trace` in reverse creation order (the engine's order for a chain), each
// leaf's AccumulateGrad right after its first consumer, as the engine runs them.
function reversePass(trace) {
  const steps = [];
  const seen = new Set();
  for (const node of [...trace.nodes].reverse()) {
    if (node.kind !== 'op') continue;
    steps.push({ node: node.id });
    for (const edge of trace.edges) {
      if (edge.target === node.id && !seen.has(edge.source) && trace.nodes[edge.source].kind === 'input') {
        seen.add(edge.source);
        steps.push({ node: edge.source });
      }
    }
  }
  return { steps };
}

test("a box's steps are the steps whose node sits in it at any depth (oracle: each node's ancestors)", () => {
  const trace = mlpTrace(100);
  const hierarchy = buildHierarchy(trace);
  const pass = reversePass(trace);
  for (const box of ['g:loop:6', 'g:loop:6:6', 'g:loop:6[5]']) {
    assert.ok(hierarchy.groups.has(box), box);
    const oracle = [];
    pass.steps.forEach((step, k) => ancestorsOf(hierarchy, `n${step.node}`).includes(box) && oracle.push(k + 1));
    assert.deepEqual(boxStepPositions(pass, hierarchy, box), oracle, box);
    assert.equal(nodesInBox(hierarchy, box).size, hierarchy.groups.get(box).size, box);
  }
  // Iteration 7 (layer 7's mm, mul, add, tanh) runs four steps in a row, late in the pass.
  const layer7 = boxStepPositions(pass, hierarchy, 'g:loop:6:6');
  assert.equal(layer7.length, 4);
  assert.equal(layer7.at(-1) - layer7[0], 3);
  assert.deepEqual(layer7.map((p) => pass.steps[p - 1].node), [2 + 4 * 6 + 3, 2 + 4 * 6 + 2, 2 + 4 * 6 + 1, 2 + 4 * 6]);
  // Cached per pass: the same array each time; an unknown box has no steps.
  assert.equal(boxStepPositions(pass, hierarchy, 'g:loop:6:6'), layer7);
  assert.deepEqual(boxStepPositions(pass, hierarchy, 'no such box'), []);
  assert.deepEqual(boxStepPositions(null, hierarchy, 'g:loop:6:6'), []);
});

test("a model's module boxes: fc7's steps, its leaves' AccumulateGrads included", () => {
  // x → fc1 → relu → fc2 → loss, each Linear a weight, bias, t and addmm made in its forward.
  const nodes = [
    { id: 0, kind: 'input', op: 'AccumulateGrad', module: 'model.fc1' },
    { id: 1, kind: 'input', op: 'AccumulateGrad', module: 'model.fc1' },
    { id: 2, kind: 'input', op: 'AccumulateGrad', module: 'model.fc2' },
    { id: 3, kind: 'input', op: 'AccumulateGrad', module: 'model.fc2' },
    { id: 4, kind: 'op', op: 'TBackward0', module: 'model.fc1' },
    { id: 5, kind: 'op', op: 'AddmmBackward0', module: 'model.fc1' },
    { id: 6, kind: 'op', op: 'ReluBackward0', module: 'model' },
    { id: 7, kind: 'op', op: 'TBackward0', module: 'model.fc2' },
    { id: 8, kind: 'op', op: 'AddmmBackward0', module: 'model.fc2' },
    { id: 9, kind: 'op', op: 'MeanBackward0', is_output: true },
  ];
  const hierarchy = buildHierarchy({ nodes, edges: [] });
  const pass = { steps: [9, 8, 3, 7, 2, 6, 5, 1, 4, 0].map((node) => ({ node })) };
  assert.deepEqual(boxStepPositions(pass, hierarchy, 'g:m:model.fc2'), [2, 3, 4, 5]);
  assert.deepEqual(boxStepPositions(pass, hierarchy, 'g:m:model.fc1'), [7, 8, 9, 10]);
  assert.deepEqual(boxStepPositions(pass, hierarchy, 'g:m:model'), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('where the cursor stands among a box’s steps', () => {
  const positions = [5, 6, 9];
  assert.deepEqual(boxProgress(positions, 0), { count: 3, done: 0, at: 0, next: 5 });
  assert.deepEqual(boxProgress(positions, 4), { count: 3, done: 0, at: 0, next: 5 });
  assert.deepEqual(boxProgress(positions, 5), { count: 3, done: 1, at: 1, next: 6 });
  assert.deepEqual(boxProgress(positions, 6), { count: 3, done: 2, at: 2, next: 9 });
  assert.deepEqual(boxProgress(positions, 7), { count: 3, done: 2, at: 0, next: 9 });
  assert.deepEqual(boxProgress(positions, 9), { count: 3, done: 3, at: 3, next: null });
  assert.deepEqual(boxProgress(positions, 12), { count: 3, done: 3, at: 0, next: null });
  // Against a linear count over a long box (the binary search).
  const long = Array.from({ length: 500 }, (_, i) => 3 * i + 1);
  for (const position of [0, 1, 2, 3, 4, 700, 1498, 1499, 2000]) {
    assert.equal(boxProgress(long, position).done, long.filter((p) => p <= position).length, position);
  }
});

test('what the control says', () => {
  assert.equal(buttonText('model.fc7', [212, 213, 214, 215]), "Step through model.fc7's backward: steps 212–215");
  assert.equal(stepsText([5, 6, 9]), '3 steps, 5–9');
  assert.equal(stepsText([7]), 'step 7');
  assert.equal(stepsText([]), 'no steps');
  const fc7 = [212, 213, 214, 215];
  assert.equal(progressText('model.fc7', fc7, 0), ''); // far from it: the button says where
  assert.equal(progressText('model.fc7', fc7, 211), 'model.fc7: → runs its step 1 of 4');
  assert.equal(progressText('model.fc7', fc7, 213), 'model.fc7: step 2 of 4');
  assert.equal(progressText('model.fc7', fc7, 215), 'model.fc7: step 4 of 4');
  assert.equal(progressText('model.fc7', fc7, 216), 'model.fc7: all 4 steps done');
  assert.equal(progressText('f', [5, 6, 9], 7), 'f: 2 of 3 done, its next is step 9');
  assert.equal(progressText('f', [5, 6, 9], 8), 'f: → runs its step 3 of 3');
  assert.equal(progressText('iteration 2', [], 3), 'iteration 2: no steps in this backward call');
});

test('the strip shortens the box name, never the steps or the words beside it', () => {
  // The button's parts: all but the steps give way; together they are its whole text.
  assert.deepEqual(buttonParts('model.fc7', [5, 6, 9]), { verb: 'Step through ', name: 'model.fc7', aside: "'s backward", tail: ': 3 steps, 5–9' });
  // Beside the button, which names the box, the status shows its words alone.
  assert.equal(progressWords([212, 213, 214, 215], 213), 'step 2 of 4');
  assert.equal(progressWords([5, 6, 9], 7), '2 of 3 done, its next is step 9');
  assert.equal(progressWords([5, 6, 9], 0), '');
  assert.equal(progressWords([], 3), 'no steps in this backward call');
});

test('skipping to a box’s next step is offered only across other nodes’ steps', () => {
  const positions = [5, 6, 9];
  // Before its first step the first-step button does it; between 5 and 6, → does it.
  assert.deepEqual([0, 4, 5].map((p) => skipTarget(positions, p)), [null, null, null]);
  // Past step 6, its next is 9: the cursor goes to 8, so → runs it; at 8 → does it; after 9 nothing.
  assert.deepEqual([6, 7, 8, 9, 10].map((p) => skipTarget(positions, p)), [8, 8, null, null, null]);
  assert.equal(progressText('f', positions, skipTarget(positions, 6)), 'f: → runs its step 3 of 3');
});

test('a box with no steps in the call shown names the call that ran it (a loop of backward calls)', () => {
  const trace = mlpTrace(100);
  const hierarchy = buildHierarchy(trace);
  const whole = reversePass(trace);
  // Three calls: the first ran iterations 1–3's nodes, the second none of them, the third the rest.
  const inFirst = new Set([...nodesInBox(hierarchy, 'g:loop:6:0'), ...nodesInBox(hierarchy, 'g:loop:6:1'), ...nodesInBox(hierarchy, 'g:loop:6:2')]);
  const first = { steps: whole.steps.filter((s) => inFirst.has(s.node)) };
  const third = { steps: whole.steps.filter((s) => !inFirst.has(s.node)) };
  const passes = [first, { steps: [] }, third];
  assert.ok(first.steps.length > 0 && third.steps.length > 0);
  assert.equal(passOfBox(passes, hierarchy, 'g:loop:6:1', 2), 0); // shown: the third; its call is the first
  assert.equal(passOfBox(passes, hierarchy, 'g:loop:6:6', 0), 2);
  assert.equal(passOfBox(passes, hierarchy, 'g:loop:6:6', 2), -1); // the shown call has its steps: none other
  assert.equal(passOfBox(passes, hierarchy, 'no such box', 2), -1);
  assert.equal(passOfBox(undefined, hierarchy, 'g:loop:6:1', 2), -1);
});
