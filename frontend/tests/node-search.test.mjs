import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { findNodes, foldForSearch } from '../js/explorer/node-search.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));
const poly = fixture('trace-poly'); // x**3 - 3*x: nodes x, z₁ = x**3, z₂ = 3*x, f (no variable names)
const twoWays = fixture('trace-two-ways'); // the program names z1 and z2 itself
const ids = (trace, query) => findNodes(trace.nodes, query).map((n) => n.id);

test('subscripts, LaTeX and spaces fold to one spelling, case ignored', () => {
  assert.equal(foldForSearch('Z₁₂'), 'z12');
  assert.equal(foldForSearch('z_{1}'), 'z1');
  assert.equal(foldForSearch('z_1'), 'z1');
  assert.equal(foldForSearch(' x ** 3 '), 'x**3');
});

test('the names drawn on the graph find their node, whichever way the subscript is written', () => {
  for (const query of ['z1', 'z₁', 'Z1', 'z_1', 'z_{1}']) assert.equal(ids(poly, query)[0], 1, query);
  for (const query of ['z1', 'z₁', 'Z1']) assert.equal(ids(twoWays, query)[0], 1, query);
  assert.equal(ids(poly, 'z₂')[0], 2);
  assert.deepEqual(ids(poly, 'f'), [3]);
});

test('the source text and the grad_fn name find a node too, case-insensitively', () => {
  assert.deepEqual(ids(poly, 'powbackward'), [1]);
  assert.deepEqual(ids(poly, 'SubBackward0'), [3]);
  assert.deepEqual(ids(poly, 'accumulategrad'), [0]);
  assert.equal(ids(twoWays, 'x**3')[0], 1); // drawn as "x ** 3"
  assert.equal(ids(poly, 'x ** 3')[0], 1); // drawn as "x**3"
});

test('a node named exactly comes before the nodes that merely contain the query', () => {
  const found = ids(poly, 'x');
  assert.equal(found[0], 0); // the leaf x, then every node whose text mentions x
  assert.ok(found.length > 1);
});

test('an empty or unknown query finds nothing', () => {
  assert.deepEqual(ids(poly, ''), []);
  assert.deepEqual(ids(poly, '   '), []);
  assert.deepEqual(ids(poly, 'nope'), []);
});
