import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { stepSpans } from '../js/explorer/step-source.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));

test("a step lights its node's code, and the hooks that ran in it", () => {
  // x.register_hook(g + 1) at line 2; y = x * 3 at line 3; y.register_hook(g * 2) at line 4
  const trace = fixture('trace-hooks');
  const [pass] = trace.passes;
  const nodeAt = (position) => trace.nodes.find((n) => n.id === pass.steps[position - 1].node);
  const lit = (position) => stepSpans(pass, position, nodeAt(position)).map(({ span, kind }) => [kind, span.line]);
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
