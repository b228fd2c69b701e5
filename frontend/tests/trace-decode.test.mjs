import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { stateAt } from '../js/explorer/accumulators.js';
import { decodeTrace, mergeDetails } from '../js/explorer/trace-decode.js';
import { restoreNonFinite } from '../js/shared/format.js';

const read = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const compact = read('trace-compact-poly.json');
// The same program (x**3 - 3*x at x = 1) in the readable form: the oracle.
const readable = read('trace-poly.json');
// Decoded tensors build their data on first read; compared as the JSON they export.
const plain = (x) => (x === undefined ? x : JSON.parse(JSON.stringify(x)));

test('nodes decode to the readable form, values included', () => {
  const trace = decodeTrace(compact);
  const fields = ['id', 'kind', 'op', 'label', 'name', 'symbol', 'span', 'shape', 'dtype', 'value', 'grad', 'requires_grad', 'is_leaf', 'is_output', 'retains_grad', 'saved'];
  for (const [i, node] of trace.nodes.entries()) {
    for (const field of fields) {
      // The readable fixture predates issue 9, when an operation's `grad` was its accumulator; now it is
      // the tensor's own .grad, null unless retain_grad().
      if (field === 'grad' && !node.is_leaf) assert.equal(node.grad, null);
      else assert.deepEqual(plain(node[field]), readable.nodes[i][field], `node ${i} ${field}`);
    }
  }
  assert.deepEqual(trace.edges, readable.edges.map(({ id, source, target, slot }) => ({ id, source, target, slot })));
  assert.deepEqual(plain(trace.output), readable.output);
  assert.deepEqual(plain(trace.grads), readable.grads);
  assert.deepEqual(plain(trace.grad_history), readable.grad_history);
});

test('steps carry the engine order, incoming gradients and contributions', () => {
  const trace = decodeTrace(compact);
  const [pass] = trace.passes;
  const [oracle] = readable.passes;
  assert.deepEqual(pass.roots, oracle.roots);
  assert.deepEqual(plain(pass.seeds), oracle.seeds);
  assert.deepEqual(plain(pass.grads), oracle.grads);
  assert.equal(pass.steps.length, oracle.steps.length);
  for (const [k, step] of pass.steps.entries()) {
    const want = oracle.steps[k];
    assert.equal(step.node, want.node);
    assert.deepEqual(plain(step.grad_output), want.grad_output);
    assert.deepEqual(
      plain(step.inputs.map(({ slot, to, symbol, contribution }) => ({ slot, to, symbol, contribution }))),
      want.inputs.map(({ slot, to, symbol, contribution }) => ({ slot, to, symbol, contribution })),
    );
  }
  // The reducer reaches the same accumulators from either form: x gets −3 + 3 = 0.
  for (let position = 0; position <= pass.steps.length; position += 1) {
    const a = stateAt(pass, position);
    const b = stateAt(oracle, position);
    for (const id of [0, 1, 2, 3]) assert.deepEqual(plain(a.values.get(id)), b.values.get(id), `node ${id} at ${position}`);
  }
});

test('non-finite numbers decode to NaN and ±Infinity, and export as the readable form writes them', () => {
  const buffer = Buffer.alloc(12);
  [NaN, Infinity, -Infinity].forEach((x, i) => buffer.writeFloatLE(x, 4 * i));
  const trace = {
    ...compact,
    values: { count: 2, dtype: [0, 0], shape: [[3], [2, 2]], offset: [0, -1], summarized: [], buffer: buffer.toString('base64') },
    output: { node: 3, name: null, value: 0 },
  };
  const decoded = decodeTrace({ ...trace, passes: [], nodes: { ...compact.nodes, value: [0, 1, -1, -1], grad: [-1, -1, -1, -1], saved_start: [0, 0, 0, 0, 0] } });
  assert.deepEqual(decoded.output.value.data, [NaN, Infinity, -Infinity]);
  assert.deepEqual(plain(decoded.output.value), {
    shape: [3],
    dtype: 'float32',
    data: [null, null, null],
    nonfinite: [{ index: [0], value: 'nan' }, { index: [1], value: 'inf' }, { index: [2], value: '-inf' }],
    summary: null,
    truncated: false,
  });
  assert.deepEqual(decoded.nodes[1].value, { shape: [2, 2], dtype: 'float32', data: null, nonfinite: [], summary: null, truncated: true });
});

test('a readable trace gets its non-finite elements back where nonfinite says', () => {
  const matrix = { shape: [2, 2], dtype: 'float64', data: [[1, null], [null, 2]], nonfinite: [{ index: [0, 1], value: '-inf' }, { index: [1, 0], value: 'nan' }], summary: null, truncated: false };
  const scalar = { shape: [], dtype: 'float32', data: null, nonfinite: [{ index: [], value: 'inf' }], summary: null, truncated: false };
  const trace = restoreNonFinite({ nodes: [{ id: 0, value: matrix, grad: null, saved: [{ name: 'self', value: scalar }] }] });
  assert.deepEqual(trace.nodes[0].value.data, [[1, -Infinity], [NaN, 2]]);
  assert.equal(trace.nodes[0].saved[0].value.data, Infinity);
  assert.deepEqual(JSON.parse(JSON.stringify(trace.nodes[0].value)).data, [[1, null], [null, 2]]);
  const decoded = decodeTrace({ mode: 'program', nodes: [{ id: 0, value: { ...matrix, data: [[1, null], [null, 2]] } }], passes: [] });
  assert.deepEqual(decoded.nodes[0].value.data, [[1, -Infinity], [NaN, 2]]);
});

test('fetched details fill in a step', () => {
  const trace = decodeTrace(compact);
  const [pass] = trace.passes;
  const [oracle] = readable.passes;
  mergeDetails(pass, { steps: [{ index: 0, narration: oracle.steps[0].narration, inputs: oracle.steps[0].inputs }] });
  assert.equal(pass.steps[0].narration, oracle.steps[0].narration);
  assert.equal(pass.steps[0].inputs[1].formula, '-1');
  assert.deepEqual(plain(pass.steps[0].inputs[1].jacobian), oracle.steps[0].inputs[1].jacobian);
  assert.ok(pass.steps[0].detailed && !pass.steps[1].detailed);
});

test("issue 10's columns decode to the readable form: module, call, grad_norm, module_grad_norms", () => {
  // SimpleNN trained 3 steps, traced once compact and once readable (the oracle, slimmed to these fields).
  const trace = decodeTrace(read('trace-compact-simple-nn-3-steps.json'));
  const oracle = read('trace-simple-nn-3-steps.json');
  assert.deepEqual(
    trace.nodes.map((n) => [n.module, n.call]),
    oracle.nodes.map((n) => [n.module, n.call]),
  );
  assert.ok(trace.nodes.some((n) => n.module === 'model.fc1') && trace.nodes.some((n) => n.call === null));
  // Norms travel at float32 precision (the shortest decimal of the float32): equal as float32s.
  const f32 = (x) => (typeof x === 'number' ? Math.fround(x) : x);
  for (const [i, pass] of trace.passes.entries()) {
    assert.deepEqual(pass.steps.map((s) => f32(s.grad_norm)), oracle.passes[i].steps.map((s) => f32(s.grad_norm)));
    const modules = (norms) => Object.fromEntries(Object.entries(norms).map(([k, v]) => [k, f32(v)]));
    assert.deepEqual(modules(pass.module_grad_norms), modules(oracle.passes[i].module_grad_norms));
  }
});

test('a summarized tensor reads its statistics and first elements from the buffer', () => {
  // Value 1 is a 3×4 tensor too large to send: min, max, mean, std, then its first 8 elements.
  const numbers = [0.5, 1, -2, 3, 4, NaN, 0.25, 1.5, 2, 3, 4, 5, 6, 7];
  const buffer = Buffer.alloc(4 * numbers.length);
  numbers.forEach((x, i) => buffer.writeFloatLE(x, 4 * i));
  const trace = {
    ...compact,
    values: { count: 2, dtype: [0, 0], shape: [[2], [3, 4]], offset: [0, 2], summarized: [1], buffer: buffer.toString('base64') },
    output: { node: 3, name: null, value: 1 },
  };
  const decoded = decodeTrace({ ...trace, passes: [], nodes: { ...compact.nodes, value: [0, 1, -1, -1], grad: [-1, -1, -1, -1], saved_start: [0, 0, 0, 0, 0] } });
  assert.deepEqual(plain(decoded.nodes[0].value.data), [0.5, 1]);
  assert.deepEqual(decoded.output.value, {
    shape: [3, 4],
    dtype: 'float32',
    data: null,
    nonfinite: [],
    summary: { min: -2, max: 3, mean: 4, std: null, head: [0.25, 1.5, 2, 3, 4, 5, 6, 7] },
    truncated: true,
  });
});

test('a transposed value reads the numbers of the value it transposes', () => {
  const buffer = Buffer.alloc(4 * 6);
  [1, 2, 3, 4, 5, 6].forEach((x, i) => buffer.writeFloatLE(x, 4 * i));
  const trace = {
    ...compact,
    values: { count: 2, dtype: [0, 0], shape: [[2, 3], [3, 2]], offset: [0, -1], summarized: [], transposed: { value: [1], of: [0] }, buffer: buffer.toString('base64') },
    output: { node: 3, name: null, value: 1 },
  };
  const decoded = decodeTrace({ ...trace, passes: [], nodes: { ...compact.nodes, value: [0, 1, -1, -1], grad: [-1, -1, -1, -1], saved_start: [0, 0, 0, 0, 0] } });
  assert.deepEqual(plain(decoded.nodes[0].value.data), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(decoded.output.value, {
    shape: [3, 2],
    dtype: 'float32',
    data: [[1, 4], [2, 5], [3, 6]],
    nonfinite: [],
    summary: null,
    truncated: false,
  });
});

test('a transposed value lists its non-finite elements where the transpose has them', () => {
  const buffer = Buffer.alloc(4 * 4);
  [1, NaN, Infinity, 4].forEach((x, i) => buffer.writeFloatLE(x, 4 * i));
  const trace = {
    ...compact,
    values: { count: 2, dtype: [0, 0], shape: [[2, 2], [2, 2]], offset: [0, -1], summarized: [], transposed: { value: [1], of: [0] }, buffer: buffer.toString('base64') },
    output: { node: 3, name: null, value: 1 },
  };
  const decoded = decodeTrace({ ...trace, passes: [], nodes: { ...compact.nodes, value: [0, 1, -1, -1], grad: [-1, -1, -1, -1], saved_start: [0, 0, 0, 0, 0] } });
  assert.deepEqual(decoded.output.value.data, [[1, Infinity], [NaN, 4]]);
  assert.deepEqual(decoded.output.value.nonfinite, [{ index: [0, 1], value: 'inf' }, { index: [1, 0], value: 'nan' }]);
  assert.deepEqual(plain(decoded.output.value).data, [[1, null], [null, 4]]);
});

test('a node with several outputs decodes with the gradient each output received', () => {
  // record() of `a, b = x.split([4, 2]); loss = (a * a).sum() + (b * 3).sum()` at x = 0, 0.5, …, 2.5
  const trace = decodeTrace(read('trace-compact-split.json'));
  const oracle = read('trace-split.json'); // the readable form of the same recording
  const pass = trace.passes.at(-1);
  const split = pass.steps.find((s) => s.grad_outputs);
  assert.ok(split, 'the split node has its outputs');
  assert.equal(trace.nodes[split.node].op, 'SplitWithSizesBackward0');
  const want = oracle.passes.at(-1).steps.find((s) => s.node === split.node).grad_outputs;
  assert.deepEqual(plain(split.grad_outputs), want);
  assert.deepEqual(plain(split.grad_outputs).map((g) => g.data), [[0, 1, 2, 3], [3, 3]]); // 2a, then 3
  assert.deepEqual(plain(split.grad_outputs[0]), plain(split.grad_output));
  assert.equal(pass.steps.filter((s) => s.grad_outputs).length, 1);
});

test("a program's autograd Function and each pass's start sentence decode as the server wrote them", () => {
  // `class Exp(torch.autograd.Function)` (tests/custom_functions.py); `y = Exp.apply(x).sum()`, backward()
  const trace = decodeTrace(read('trace-compact-exp.json'));
  assert.deepEqual(trace.autograd_functions, { ExpBackward: 'Exp' }); // the step panel's "as Exp.backward computed it"
  assert.equal(trace.nodes[1].op, 'ExpBackward');
  const [pass] = trace.passes;
  assert.equal(pass.start_narration, 'Start: the output y = Exp.apply(x).sum() holds ∂f/∂f = 1 (the seed gradient); every other accumulator is 0.');
});

test('a payload made before autograd_functions and start_narration decodes with none of either', () => {
  assert.equal(compact.autograd_functions, undefined); // the fixture predates both (additive fields)
  const trace = decodeTrace(compact);
  assert.deepEqual(trace.autograd_functions, {});
  assert.equal(trace.passes[0].start_narration, undefined);
});

test("a notebook span's file (another cell's function) is read from span_files; other spans have none", () => {
  const payload = structuredClone(compact);
  payload.nodes.texts = [...payload.nodes.texts, 'Cell In[1]'];
  payload.nodes.span_files = { node: [1], text: [payload.nodes.texts.length - 1] };
  const trace = decodeTrace(payload);
  const oracle = readable.nodes[1].span;
  assert.deepEqual(plain(trace.nodes[1].span), { ...oracle, file: 'Cell In[1]' });
  for (const node of trace.nodes.filter((n) => n.id !== 1)) assert.ok(!node.span || !('file' in node.span), `node ${node.id}`);
});

test("a node's loop (the `for`/`while` line running when it was made) is read from nodes.loop, 0 being none", () => {
  const payload = structuredClone(compact);
  payload.nodes.loop = payload.nodes.op.map((_, i) => (i === 1 ? 4 : 0));
  const trace = decodeTrace(payload);
  assert.equal(trace.nodes[1].loop, 4);
  for (const node of trace.nodes.filter((n) => n.id !== 1)) assert.ok(!('loop' in node), `node ${node.id}`);
  assert.ok(decodeTrace(compact).nodes.every((node) => !('loop' in node))); // absent: no node has one
});

test("each node's loop run, turn and call, and the runs' and calls' tables, decode to the readable form's", () => {
  // for i in range(2): (for k in range(2): h = h + (10 * i + k)); h = scale(h), scale(h, by=2) looping twice
  const trace = decodeTrace(read('trace-compact-loops.json'));
  const oracle = read('trace-loops.json'); // the readable form of the same program
  assert.deepEqual(trace.loops, oracle.loops);
  assert.equal(trace.loops.length, 5); // the outer run, and per outer turn one run of the inner loop and one of scale's
  assert.deepEqual(trace.calls, oracle.calls);
  assert.equal(trace.calls.length, 2); // scale(h), once per outer turn
  assert.deepEqual(
    trace.calls.map((call) => [call.loop_run, call.turn, call.held]),
    [[0, 0, 'by = 2'], [0, 1, 'by = 2']], // scale(h, by=2): its default bound
  );
  for (const [i, node] of trace.nodes.entries()) {
    for (const field of ['loop', 'loop_run', 'turn', 'call_run']) assert.equal(node[field], oracle.nodes[i][field], `node ${i} ${field}`);
  }
  assert.deepEqual(decodeTrace(compact).loops, []); // none: no node made in a loop
  assert.deepEqual(decodeTrace(compact).calls, []); // nor in a call
});
