import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { LIGHT } from '../js/shared/palette.js';
import { buildGraphModel, displayClasses } from '../js/explorer/graph-model.js';
import { graphToSvg } from '../js/explorer/graph-svg.js';
import { engineMessage, stoppedEnd, stoppedNode, stoppedSummary } from '../js/explorer/stopped-note.js';
import { decodeTrace } from '../js/explorer/trace-decode.js';

// The in-place pitfall traced with on_backward_error 'graph' (the server's answers, both forms):
// y = torch.sqrt(x); y.add_(1); z = 3 * y; z.backward() runs z's and add_'s nodes, then stops at sqrt's.
const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));
const readable = fixture('trace-inplace-stopped');
const compact = decodeTrace(fixture('trace-compact-inplace-stopped'));
const poly = fixture('trace-poly');

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
    "The program stopped at line 5, in backward(), before the engine ran any node of this graph. PyTorch's error: grad can be implicitly created only for scalar outputs",
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
