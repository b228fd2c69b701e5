import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { PALETTE, colourFor, gradNorms, logScale } from '../js/explorer/grad-colour.js';
import { moduleBars } from '../js/explorer/grad-norms-plot.js';

// SimpleNN (Linear(6, 4) → ReLU → Linear(4, 1) → sigmoid, BCELoss) trained 3 steps: the server's trace.
const trace = JSON.parse(readFileSync(new URL('./fixtures/trace-simple-nn-3-steps.json', import.meta.url)));

test('each step node gets the norm of the gradient it received; the scale spans whole decades', () => {
  const pass = { steps: [{ node: 0, grad_norm: 2.5e-7 }, { node: 1, grad_norm: 0.4 }, { node: 2, grad_norm: null }, { node: 3, grad_norm: 0 }] };
  const norms = gradNorms(pass);
  assert.deepEqual([...norms], [[0, 2.5e-7], [1, 0.4], [3, 0]]);
  assert.deepEqual(logScale(norms), { lo: -7, hi: 0 }); // zero has no logarithm: it is left out of the scale
  assert.equal(logScale(new Map([[0, 0]])), null);
  assert.equal(logScale(new Map([[0, 1]])).hi, 1); // one decade at least
});

test('colours run through the palette by log10 of the norm, clamped at the ends', () => {
  const scale = { lo: -8, hi: 0 };
  assert.equal(colourFor(1e-8, scale), PALETTE[0]);
  assert.equal(colourFor(1, scale), PALETTE.at(-1));
  assert.equal(colourFor(1e-4, scale), PALETTE[2]); // the middle decade is the middle stop
  assert.equal(colourFor(1e3, scale), PALETTE.at(-1));
  assert.notEqual(colourFor(0, scale), PALETTE[0]); // exactly zero has its own grey
});

test("a real pass: the loss received the largest gradient, and the bars are the server's module norms", () => {
  const pass = trace.passes.at(-1);
  const norms = gradNorms(pass);
  const loss = trace.nodes.filter((n) => n.is_output || n.op === 'BinaryCrossEntropyBackward0').at(-1);
  assert.equal(norms.get(loss.id), 1); // the seed ∂f/∂f = 1
  const bars = moduleBars(pass);
  assert.deepEqual(bars.x, ['model.fc1', 'model.fc2']); // forward order
  assert.deepEqual(bars.y, Object.values(pass.module_grad_norms));
  assert.deepEqual(moduleBars(null), { x: [], y: [] });
});
