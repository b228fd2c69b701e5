import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { codeOf, stepSpans } from '../js/explorer/step-source.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));

test("a step lights its node's code, and the hooks that ran in it", () => {
  // x.register_hook(g + 1) at line 2; y = x * 3 at line 3; y.register_hook(g * 2) at line 4
  const trace = fixture('trace-hooks');
  const [pass] = trace.passes;
  const nodeAt = (position) => trace.nodes.find((n) => n.id === pass.steps[position - 1].node);
  const lit = (position) => stepSpans(pass, position, nodeAt(position), trace).map(({ span, kind }) => [kind, span.line]);
  const [yHook, xHook] = pass.hooks; // y's hook ran at step index 2, x's at 3
  assert.deepEqual(lit(yHook.step + 1), [['step', 3], ['hook', 4]]);
  assert.deepEqual(lit(xHook.step + 1), [['step', 1], ['hook', 2]]); // x's leaf step: where x was made
  assert.deepEqual(lit(1), [['step', nodeAt(1).span.line]]); // no hook ran in the first step
});

test('nothing is lit before the first step, or without a pass', () => {
  const trace = fixture('trace-hooks');
  const [pass] = trace.passes;
  assert.deepEqual(stepSpans(pass, 0, trace.nodes[0]), []);
  assert.deepEqual(stepSpans(null, 1, trace.nodes[0]), []);
});

test('a node made inside a library module lights the call that ran it', () => {
  // lin.register_full_backward_hook(…) at line 8; y = lin(x).sum() at line 9: the identity PyTorch put
  // around lin's input ("hooks in lin") and lin's own nodes have no code of their own
  const trace = fixture('trace-module-hooks');
  const [pass] = trace.passes;
  const byLabel = (label) => trace.nodes.find((n) => n.label === label);
  const call = byLabel('lin(x)').span;
  assert.deepEqual(codeOf(trace, byLabel('hooks in lin')), { span: call, own: false });
  assert.deepEqual(codeOf(trace, byLabel('t in lin')), { span: call, own: false });
  assert.deepEqual(codeOf(trace, byLabel('lin(x)')), { span: call, own: true });
  const [hook] = pass.hooks;
  const lit = stepSpans(pass, hook.step + 1, byLabel('hooks in lin'), trace).map(({ span, kind }) => [kind, span.line]);
  assert.deepEqual(lit, [['call', 9], ['hook', 8]]);
  const root = trace.nodes.find((n) => n.id === pass.roots[0]);
  assert.equal(codeOf({ ...trace, edges: [] }, { ...root, span: null }), null); // nothing it feeds has code
});
