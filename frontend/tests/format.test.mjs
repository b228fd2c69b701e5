import assert from 'node:assert/strict';
import { test } from 'node:test';

import { counted, flatten, formatNumber, formatShape, formatTensor, scalarValue, tensorMatrix, toNumber, zeroTensor } from '../js/shared/format.js';

const tv = (shape, data, extra = {}) => ({ shape, dtype: 'float32', data, summary: null, truncated: false, ...extra });

test('non-finite spellings from the server become numbers', () => {
  assert.ok(Number.isNaN(toNumber('nan')));
  assert.equal(toNumber('inf'), Infinity);
  assert.equal(toNumber('-inf'), -Infinity);
  assert.equal(toNumber(2.5), 2.5);
  assert.ok(Number.isNaN(toNumber(null))); // null is not finite (docs/api.md), never 0
});

test('numbers use a true minus sign, trimmed digits and exponents at the extremes', () => {
  assert.equal(formatNumber(-3), '\u22123');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(-0), '0');
  assert.equal(formatNumber(0.75), '0.75');
  assert.equal(formatNumber(1 / 3), '0.3333');
  assert.equal(formatNumber(2.0000001), '2');
  assert.equal(formatNumber(123456), '1.235e5');
  assert.equal(formatNumber(-0.00001234), '\u22121.234e\u22125');
  assert.equal(formatNumber('nan'), 'nan');
  assert.equal(formatNumber('-inf'), '\u2212∞');
  assert.equal(formatNumber(1e-30 * 0), '0');
});

test('shapes read as scalar or with multiplication signs', () => {
  assert.equal(formatShape([]), 'scalar');
  assert.equal(formatShape([5, 2]), '5×2');
});

test('tensors render compactly and cap the number of elements', () => {
  assert.equal(formatTensor(tv([], -2)), '\u22122');
  assert.equal(formatTensor(tv([3], [1, 2, 3])), '[1, 2, 3]');
  assert.equal(formatTensor(tv([2, 2], [[1, 2], [3, 4]])), '[[1, 2], [3, 4]]');
  assert.equal(formatTensor(tv([8], [1, 2, 3, 4, 5, 6, 7, 8]), { maxElements: 3 }), '[1, 2, 3, …]');
  assert.equal(formatTensor(null), '—');
  assert.equal(formatTensor(0), '0');
  const summary = tv([1000], null, { truncated: true, summary: { min: -1, max: 1, mean: 0, std: 0.5, head: [1] } });
  assert.equal(formatTensor(summary), '1000: min \u22121, max 1, mean 0');
  assert.equal(formatTensor(summary, { short: true }), '1000, mean 0');
});

test('a short cell shows a cut matrix as its shape and mean, as a summarized one', () => {
  const column = tv([4, 1], [[1], [2], [3], [-10]]);
  assert.equal(formatTensor(column, { maxElements: 3, short: true }), '4×1, mean \u22121');
  assert.equal(formatTensor(column, { maxElements: 3 }), '[[1], [2], [3], …]'); // the long form lists
  assert.equal(formatTensor(tv([2, 2], [[1, 2], [3, 4]]), { maxElements: 4, short: true }), '[[1, 2], [3, 4]]');
  assert.equal(formatTensor(tv([8], [1, 2, 3, 4, 5, 6, 7, 8]), { maxElements: 3, short: true }), '[1, 2, 3, …]');
});

test('matrix view: scalar is 1×1, a vector one column, 3-D has none', () => {
  assert.deepEqual(tensorMatrix(tv([], 'inf')), [[Infinity]]);
  assert.deepEqual(tensorMatrix(tv([2], [1, 2])), [[1], [2]]);
  assert.deepEqual(tensorMatrix(tv([1, 2], [[1, 2]])), [[1, 2]]);
  assert.equal(tensorMatrix(tv([1, 1, 1], [[[1]]])), null);
  assert.equal(tensorMatrix(tv([9], null, { truncated: true })), null);
});

test('flatten, scalarValue and zeroTensor', () => {
  assert.deepEqual(flatten([[1, 2], [3]]), [1, 2, 3]);
  assert.equal(scalarValue(tv([1, 1], [[4]])), 4);
  assert.equal(scalarValue(tv([2], [1, 2])), null);
  assert.deepEqual(zeroTensor([2, 1]).data, [[0], [0]]);
});

test('a Jacobian (a TensorValue [outputs, inputs]) comes as rows; a summarized one as null', async () => {
  const { jacobianMatrix } = await import('../js/shared/format.js');
  assert.deepEqual(jacobianMatrix(tv([1, 1], [[3]])), [[3]]);
  assert.deepEqual(jacobianMatrix(tv([1, 3], [[1, 'nan', '-inf']])), [[1, NaN, -Infinity]]);
  assert.deepEqual(jacobianMatrix(tv([2, 2], [[1, 2], [3, 4]])), [[1, 2], [3, 4]]);
  assert.equal(jacobianMatrix(tv([50, 50], null, { truncated: true })), null);
  assert.equal(jacobianMatrix(null), null);
});

test('counted says one thing in the singular and every other count in the plural', () => {
  assert.equal(counted(1, 'node'), '1 node');
  assert.equal(counted(0, 'node'), '0 nodes');
  assert.equal(counted(102, 'step'), '102 steps');
  assert.equal(counted(1, 'match', 'matches'), '1 match');
  assert.equal(counted(2, 'backward pass', 'backward passes'), '2 backward passes');
});
