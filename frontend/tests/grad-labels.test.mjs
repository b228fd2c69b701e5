import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { dotGradAt, stateAt } from '../js/explorer/accumulators.js';
import { gradLines, moduleHookSent } from '../js/explorer/grad-labels.js';
import { scalarValue } from '../js/shared/format.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));
// x = 1; three times: y = x * 2; y.backward()  →  x.grad is 2, 4, 6 after the calls
const accumulation = fixture('trace-accumulation');
const x = accumulation.nodes.find((n) => n.name === 'x');

test("the trace's x.grad is the tensor's real .grad after the program: 6, not the last call's 2", () => {
  assert.equal(scalarValue(x.grad), 6);
});

test(".grad at a step is known once the leaf's own node has run in that call", () => {
  const passes = accumulation.passes;
  const end = (pass) => stateAt(pass, pass.steps.length);
  assert.deepEqual(passes.map((pass) => scalarValue(dotGradAt(pass, end(pass), x))), [2, 4, 6]);
  const third = passes[2];
  assert.equal(dotGradAt(third, stateAt(third, 1), x), undefined); // y ran, x's AccumulateGrad not yet
});

test('the graph labels .grad and what this pass adds apart', () => {
  const third = accumulation.passes[2];
  assert.deepEqual(gradLines(x, third, stateAt(third, third.steps.length)), ['.grad 6', 'this pass adds 2']);
  assert.deepEqual(gradLines(x, third, stateAt(third, 1)), ['accumulator 2']);
  assert.deepEqual(gradLines(x, third, stateAt(third, 0)), []); // nothing has reached x yet
  const y = accumulation.nodes.find((n) => n.id === third.roots[0]);
  assert.deepEqual(gradLines(y, third, stateAt(third, 2)), ['accumulator 1']); // no .grad: not a leaf
});

test('a retained intermediate shows its .grad; torch.autograd.grad leaves .grad alone', () => {
  const twoWays = fixture('trace-two-ways');
  const pass = twoWays.passes[0];
  const z1 = twoWays.nodes.find((n) => n.name === 'z1');
  assert.deepEqual(gradLines(z1, pass, stateAt(pass, pass.steps.length)), ['.grad 1', 'this pass adds 1']);
  const asGrad = { ...pass, kind: 'grad' };
  const leaf = twoWays.nodes.find((n) => n.name === 'x');
  assert.equal(dotGradAt(asGrad, stateAt(asGrad, pass.steps.length), leaf), undefined);
});

test('a name bound again to another leaf: each node shows its own .grad, in either form', async () => {
  // w = 1 (leaf); a = w * 2; w = 3 (another leaf); b = a + w * 5; b.backward(): the first w's .grad is
  // 2, the second's 5, and `pass.grads.w` (the variable) is the second's. Each node was shown 5.
  const { decodeTrace } = await import('../js/explorer/trace-decode.js');
  for (const trace of [fixture('trace-rebound'), decodeTrace(fixture('trace-compact-rebound'))]) {
    const [pass] = trace.passes;
    const leaves = trace.nodes.filter((n) => n.name === 'w');
    assert.equal(leaves.length, 2);
    const end = stateAt(pass, pass.steps.length);
    assert.deepEqual(leaves.map((w) => scalarValue(dotGradAt(pass, end, w))), [2, 5]);
    assert.equal(scalarValue(pass.grads.w), 5);
    assert.deepEqual(gradLines(leaves[0], pass, end), ['.grad 2', 'this pass adds 2']);
  }
});

test("a node whose hook changed its gradient says what it received after the hook, in either form", async () => {
  // x.register_hook(g + 1); y = x * 3; y.register_hook(g * 2); z = (y * y).sum(): y's contributions
  // sum to [6, 12], its hook makes [12, 24]; x receives 3 × that, [36, 72], its hook adds 1
  const { decodeTrace } = await import('../js/explorer/trace-decode.js');
  for (const trace of [fixture('trace-hooks'), decodeTrace(fixture('trace-compact-hooks'))]) {
    const [pass] = trace.passes;
    assert.deepEqual(pass.hooks.map((h) => [h.step, h.span.line, h.changed]), [[2, 4, true], [3, 2, true]]);
    const byName = (name) => trace.nodes.find((n) => n.name === name);
    const [x, y] = [byName('x'), byName('y')];
    assert.deepEqual(gradLines(y, pass, stateAt(pass, 2)), ['accumulator [6, 12]']); // its step has not run
    assert.deepEqual(gradLines(y, pass, stateAt(pass, 3)), ['accumulator [6, 12]', 'after hook [12, 24]']);
    assert.deepEqual(gradLines(x, pass, stateAt(pass, 4)), ['.grad [37, 73]', 'this pass adds [37, 73]', 'before hook [36, 72]']);
  }
});

test("a module's backward hook changes what its node sends: the accumulators it fills show it, no hook line", async () => {
  // lin(x) = 2·x₀ − x₁ + 0.5 with lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,)): the
  // identity PyTorch puts around lin's input receives W = [2, −1] and sends ten times that to x
  const { decodeTrace } = await import('../js/explorer/trace-decode.js');
  for (const trace of [fixture('trace-module-hooks'), decodeTrace(fixture('trace-compact-module-hooks'))]) {
    const [pass] = trace.passes;
    assert.deepEqual(pass.hooks.map((h) => [h.span.line, h.changed, h.kind]), [[8, true, 'module']]);
    const identity = trace.nodes.find((n) => n.label === 'hooks in lin');
    const x = trace.nodes.find((n) => n.name === 'x');
    const after = stateAt(pass, pass.steps.length);
    assert.deepEqual(gradLines(identity, pass, after), ['accumulator [[2, −1]]']);
    assert.deepEqual(gradLines(x, pass, after), ['.grad [[20, −10]]', 'this pass adds [[20, −10]]']);
    // the step panel says the node sent the hook's result, not its identity's product
    const k = pass.hooks[0].step;
    assert.deepEqual([k - 1, k, k + 1].map((s) => moduleHookSent(pass, s)), [false, true, false]);
  }
  const tensorHooked = fixture('trace-hooks').passes[0]; // y.register_hook changes what y receives, not sends
  assert.ok(tensorHooked.hooks.every((h) => !moduleHookSent(tensorHooked, h.step)));
});

test('a trace without hooks shows no hook line', () => {
  const third = accumulation.passes[2];
  assert.equal(third.hooks, undefined);
  assert.ok(!gradLines(x, third, stateAt(third, third.steps.length)).some((line) => line.includes('hook')));
});
