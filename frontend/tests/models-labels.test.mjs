import assert from 'node:assert/strict';
import { test } from 'node:test';

import { modelLabels } from '../js/models/labels.js';

const run = (id, name, { seed = 0, lr = 0.01, steps = 30, model = 'simple_nn' } = {}) => ({
  id, name, config: { dataset: 'mnist_parity', model, optimizer: { name: 'gd', lr }, steps, seed },
});

test('a name no other model has is the label', () => {
  const labels = modelLabels([run('a', 'logistic · mnist_parity', { model: 'logistic' }), run('b', 'simple_nn · mnist_parity')]);
  assert.deepEqual([...labels.values()], ['logistic · mnist_parity', 'simple_nn · mnist_parity']);
});

test('two runs of one name differing in their seed say their seed', () => {
  const labels = modelLabels([run('a', 'net'), run('b', 'net', { seed: 1 }), run('c', 'other')]);
  assert.deepEqual(Object.fromEntries(labels), { a: 'net · seed 0', b: 'net · seed 1', c: 'other' });
});

test('every field in which they differ is said, in one order', () => {
  const labels = modelLabels([run('a', 'net', { lr: 0.1 }), run('b', 'net', { seed: 1, lr: 0.01 })]);
  assert.deepEqual(Object.fromEntries(labels), { a: 'net · α 0.1, seed 0', b: 'net · α 0.01, seed 1' });
});

test('runs alike in all their config are numbered, and only those', () => {
  const labels = modelLabels([run('a', 'net'), run('b', 'net', { seed: 1 }), run('c', 'net')]);
  assert.deepEqual(Object.fromEntries(labels), { a: 'net · seed 0 #1', b: 'net · seed 1', c: 'net · seed 0 #2' });
  const twins = modelLabels([run('a', 'net'), run('b', 'net')]);
  assert.deepEqual(Object.fromEntries(twins), { a: 'net #1', b: 'net #2' });
});

test('a record whose config is unreadable (null) still gets a label of its own', () => {
  const labels = modelLabels([{ id: 'a', name: 'net', config: null }, run('b', 'net', { seed: 3 })]);
  assert.deepEqual(Object.fromEntries(labels), { a: 'net #1', b: 'net #2' });
  assert.equal(new Set(labels.values()).size, 2);
});

test('a long label is cut in the middle, keeping what tells models apart at its end', async () => {
  const { middleCut } = await import('../js/models/labels.js');
  const fits = (text) => text.length <= 20;
  assert.equal(middleCut('short name', fits), 'short name');
  const cut = middleCut('my very long experiment name · seed 1', fits);
  assert.equal(cut, 'my very lo… · seed 1');
  assert.ok(fits(cut));
  assert.equal(middleCut('abcdef', () => false), 'a…');
});
