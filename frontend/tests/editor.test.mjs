import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { nodeAtPosition, offsetOf, parseInputValue, pastedOverAll, warningLines } from '../js/explorer/editor.js';

const poly = JSON.parse(readFileSync(new URL('./fixtures/trace-poly.json', import.meta.url)));

test('warnings that name a line mark that line (where detach cut the graph)', () => {
  const lines = warningLines({ warnings: ['The path was cut by `y.detach()` on line 3.', 'no line here'] });
  assert.deepEqual([...lines.keys()], [3]);
  assert.equal(warningLines(null).size, 0);
});

test('a source position maps to the node with the tightest span around it', () => {
  assert.equal(nodeAtPosition(poly.nodes, 1, 8).id, 2); // inside "3*x"
  assert.equal(nodeAtPosition(poly.nodes, 1, 5).id, 3); // " - " belongs to the whole expression
  assert.equal(nodeAtPosition(poly.nodes, 1, 0).id, 0); // "x" itself beats "x**3"
  assert.equal(nodeAtPosition(poly.nodes, 2, 0), null);
});

test('offsets count earlier lines and their newlines, clamped to the text', () => {
  assert.equal(offsetOf('ab\ncd', 2, 1), 4);
  assert.equal(offsetOf('ab\ncd', 9, 9), 5);
});

test('inputs accept JSON and the Python spellings students type', () => {
  assert.deepEqual(parseInputValue('[1., .5, (2, 3)]'), [1, 0.5, [2, 3]]);
  assert.equal(parseInputValue(' -2.5 '), -2.5);
  assert.throws(() => parseInputValue('__import__("os")'));
});

test('a paste over the whole text is a new program; a paste into it, or typing it over, is an edit', () => {
  const update = (event, ranges, length) => ({
    transactions: [{ isUserEvent: (e) => e === event }],
    changes: { iterChangedRanges: (f) => ranges.forEach(([from, to]) => f(from, to, from, to)) },
    startState: { doc: { length } },
  });
  assert.equal(pastedOverAll(update('input.paste', [[0, 10]], 10)), true);
  assert.equal(pastedOverAll(update('input.paste', [[3, 10]], 10)), false); // pasted into the example
  assert.equal(pastedOverAll(update('input.type', [[0, 10]], 10)), false); // select all, then type
});

test("a call's internal nodes share its span, and its text still names the call's result", () => {
  const call = { line: 1, column: 0, end_line: 1, end_column: 20 };
  const nodes = [
    { id: 0, kind: 'op', op: 'BmmBackward0', span: call, value: null, value_note: 'BmmBackward0: an internal node of torch.einsum(…)' },
    { id: 1, kind: 'op', op: 'ViewBackward0', span: call, value: { shape: [] } },
  ];
  assert.equal(nodeAtPosition(nodes, 1, 3).id, 1);
  // an internal node whose value was read back from what PyTorch saved is still the call's, not its own
  const shown = { ...nodes[0], value: { shape: [2, 3, 3] }, value_note: `${nodes[0].value_note}; shown as PyTorch saved it for the backward pass` };
  assert.equal(nodeAtPosition([shown, nodes[1]], 1, 3).id, 1);
});
