import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { LIGHT } from '../js/shared/palette.js';
import { buildGraphModel, displayClasses } from '../js/explorer/graph-model.js';
import { graphToSvg } from '../js/explorer/graph-svg.js';
import { engineMessage, stoppedAfterNode, stoppedEnd, stoppedInspected, stoppedKeyText, stoppedNode, stoppedSummary } from '../js/explorer/stopped-note.js';
import { decodeTrace } from '../js/explorer/trace-decode.js';

// The in-place pitfall traced with on_error 'graph' (the server's answers, both forms):
// y = torch.sqrt(x); y.add_(1); z = 3 * y; z.backward() runs z's and add_'s nodes, then stops at sqrt's.
// And an update written without torch.no_grad(): `w -= 0.1 * w.grad` after the first backward.
const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));
const readable = fixture('trace-inplace-stopped');
const compact = decodeTrace(fixture('trace-compact-inplace-stopped'));
const poly = fixture('trace-poly');
const update = fixture('trace-update-stopped');
const updateCompact = decodeTrace(fixture('trace-compact-update-stopped'));
// Anomaly mode's NaN: x = [4, -1]; y = torch.sqrt(x * 1.0); z = (y * 2).sum(); z.backward() inside
// detect_anomaly(): the engine runs z's, y * 2's and sqrt's nodes, and stops after sqrt's, which sent NaN.
const nan = fixture('trace-nan-stopped');
const nanCompact = decodeTrace(fixture('trace-compact-nan-stopped'));

test('both forms say where the engine stopped, and the compact decoder keeps it', () => {
  assert.deepEqual(compact.stopped, readable.stopped);
  assert.equal(readable.stopped.line, 5);
  const sqrt = readable.nodes.find((n) => n.id === readable.stopped.node);
  assert.equal(sqrt.op, 'SqrtBackward0');
  assert.equal(decodeTrace(fixture('trace-compact-poly')).stopped, null);
});

test('the note names the node, the steps run and PyTorch’s message without its hint', () => {
  for (const trace of [readable, compact]) {
    assert.equal(stoppedNode(trace), 'y = torch.sqrt(x) (SqrtBackward0)');
    const summary = stoppedSummary(trace);
    assert.match(summary, /^The program stopped at line 5, in backward\(\): the engine ran 2 nodes of this graph, then could not run y = torch\.sqrt\(x\) \(SqrtBackward0\)/);
    assert.match(summary, /modified by an inplace operation/);
    assert.ok(!summary.includes('Hint'), summary);
    const pass = trace.passes[trace.passes.length - 1];
    assert.match(stoppedEnd(trace, pass), /^Then the engine stopped at y = torch\.sqrt\(x\) \(SqrtBackward0\): one of the variables/);
  }
  // No step run: a seed PyTorch could not make (a vector output without gradient=), a graph already freed.
  const none = { ...readable, passes: [{ ...readable.passes[0], steps: [] }] };
  assert.equal(
    stoppedSummary({ ...none, stopped: { ...readable.stopped, node: null, message: 'grad can be implicitly created only for scalar outputs' } }),
    "The program stopped at line 5, in backward(), before the engine ran any node of this graph. PyTorch's error: grad can be implicitly created only for scalar outputs " +
      'A vector needs its seed given: z.backward(gradient=torch.ones_like(z)) differentiates the sum of its elements.',
  );
  assert.match(stoppedSummary(none), /: the engine could not run this graph's first node, y = torch\.sqrt\(x\) \(SqrtBackward0\), red and dashed\./);
  assert.match(stoppedSummary({ ...readable, stopped: { ...readable.stopped, node: null } }), /: the engine ran 2 nodes of this graph, then raised\./);
  assert.equal(engineMessage({ message: 'a. Hint: b' }), 'a.');
  assert.equal(stoppedSummary(poly), '');
  assert.equal(stoppedEnd(poly, poly.passes[0]), '');
});

test('the stopped node is drawn red and dashed, on the page and in the SVG export', () => {
  const model = buildGraphModel(readable);
  const classes = Object.fromEntries(model.nodes.map((d) => [d.node.op, displayClasses(d, readable)]));
  assert.deepEqual(classes, { AccumulateGrad: 'input', SqrtBackward0: 'op stopped', AddBackward0: 'op', MulBackward0: 'output' });
  assert.ok(buildGraphModel(poly).nodes.every((d) => !displayClasses(d, poly).includes('stopped')));
  const svg = graphToSvg([{ x: 0, y: 0, width: 80, height: 40, kind: 'op', lines: ['y'], stopped: true, active: true }], []);
  assert.match(svg, new RegExp(`stroke="${LIGHT.error}" stroke-width="5" stroke-dasharray="8 5"`));
  assert.ok(svg.includes(`fill="${LIGHT.errorBg}"`));
});

test('an update outside torch.no_grad() names the leaf it was changing, after the pass that ran whole', () => {
  assert.deepEqual(updateCompact.stopped, update.stopped);
  for (const trace of [update, updateCompact]) {
    assert.equal(trace.stopped.in_backward, false);
    assert.equal(
      stoppedSummary(trace),
      'The program stopped at line 5, changing w in place (red and dashed), after 1 backward pass. ' +
        'The error: a leaf Variable that requires grad is being used in an in-place operation. ' +
        'Write the update inside a with torch.no_grad() block, so that autograd does not record it: ' +
        'changing a parameter is no part of the function being differentiated.',
    );
    // The pass ran whole: its end is the usual one, not "the engine stopped".
    assert.equal(stoppedEnd(trace, trace.passes[0]), '');
    assert.equal(stoppedKeyText(trace), 'in-place change refused');
    const w = trace.nodes.find((n) => n.id === trace.stopped.node);
    assert.match(stoppedInspected(trace, w), /^The program stopped at line 5, changing this tensor in place: a leaf Variable/);
    assert.equal(stoppedInspected(trace, trace.nodes.find((n) => n.id !== w.id)), '');
  }
  const classes = buildGraphModel(update).nodes.map((d) => displayClasses(d, update));
  assert.deepEqual(classes.filter((c) => c.includes('stopped')), ['input stopped']);
  // An error before any backward, changing nothing in place: where, and what the graph is.
  const forward = { ...update, passes: [], pass_summaries: { ...update.pass_summaries, count: 0 }, stopped: { ...update.stopped, node: null, line: 2, message: 'boom' } };
  assert.equal(stoppedSummary(forward), 'The program stopped at line 2, before any backward pass: the graph is what it made up to there. The error: boom');
  // Raised inside the program's functions (§6's train_model): the calls follow the line, once.
  const inFunction = { ...update, stopped: { ...update.stopped, line: 22, calls: [{ function: 'train_model', line: 32 }] } };
  assert.match(stoppedSummary(inFunction), /^The program stopped at line 22, in train_model\(\) called on line 32, changing w in place \(red and dashed\), after 1 backward pass\. The error: a leaf Variable that requires grad is being used in an in-place operation\. Write/);
  const w = inFunction.nodes.find((n) => n.id === inFunction.stopped.node);
  assert.match(stoppedInspected(inFunction, w), /^The program stopped at line 22, in train_model\(\) called on line 32, changing this tensor in place: a leaf/);
  assert.equal(stoppedKeyText(readable), 'engine stopped here');
  assert.match(stoppedInspected(readable, readable.nodes.find((n) => n.id === readable.stopped.node)), /^PyTorch refuses to hand out what this node saved/);
});

test('a NaN anomaly mode found is said to come from the node that ran and sent it, not one it could not run', () => {
  assert.deepEqual(nanCompact.stopped, nan.stopped);
  for (const trace of [nan, nanCompact]) {
    const sqrt = trace.nodes.find((n) => n.id === trace.stopped.node);
    assert.equal(sqrt.op, 'SqrtBackward0');
    assert.equal(stoppedAfterNode(trace), true);
    const summary = stoppedSummary(trace);
    assert.equal(
      summary,
      "The program stopped at line 5, in backward(): the engine ran 3 nodes of this graph, and the last, y = torch.sqrt(x * 1.0) (SqrtBackward0), red and dashed, sent NaN on, so anomaly detection stopped the pass after it. PyTorch's error: Function 'SqrtBackward0' returned nan values in its 0th output. " +
        "A NaN in backward comes from a value the forward already made NaN (the square root or log of a negative number, 0/0) or from 0 times an infinite derivative (√x at 0).",
    );
    assert.ok(!summary.includes('could not run'), summary);
    const pass = trace.passes[trace.passes.length - 1];
    assert.match(stoppedEnd(trace, pass), /^Then anomaly detection stopped the engine after y = torch\.sqrt\(x \* 1\.0\) \(SqrtBackward0\), which sent NaN on: Function 'SqrtBackward0' returned nan/);
    assert.match(stoppedInspected(trace, sqrt), /^The engine ran this node, and what it sent on holds NaN, so anomaly detection stopped the backward pass after it: Function/);
    assert.equal(stoppedInspected(trace, trace.nodes[0]), '');
    assert.equal(stoppedKeyText(trace), 'engine stopped here');
  }
  // The node drawn red and dashed is sqrt's, and it alone.
  const classes = buildGraphModel(nan).nodes.filter((d) => displayClasses(d, nan).includes('stopped')).map((d) => d.node.op);
  assert.deepEqual(classes, ['SqrtBackward0']);
  // The root alone ran (a scalar sqrt(-1).backward()): its first node, not "the last of 1 node".
  const first = { ...nan, passes: [{ ...nan.passes[0], steps: nan.passes[0].steps.slice(-1) }] };
  assert.match(stoppedSummary(first), /: the engine ran its first node, y = torch\.sqrt\(x \* 1\.0\) \(SqrtBackward0\), red and dashed, sent NaN on,/);
  // The in-place pitfall's node never ran: those sentences stay.
  assert.equal(stoppedAfterNode(readable), false);
  assert.equal(stoppedAfterNode(update), false);
});
