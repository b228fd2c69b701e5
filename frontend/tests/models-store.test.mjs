import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  createModelsStore, emptyCurve, ended, finished, loaded, picked, polled, progressed, statusLine, submitted, toggled,
} from '../js/models/store.js';

const job = (id, dataset, status = 'running', extra = {}) => ({
  id, name: id, status, config: { dataset }, progress: 0, curve: emptyCurve(), ...extra,
});

test('opening shows the active jobs and the last two finished, the newest MNIST model’s mistakes', () => {
  const records = [job('a', 'mnist_parity', 'done'), job('b', 'moons', 'done'), job('c', 'mnist_parity', 'done'), job('d', 'moons')];
  const patch = loaded(records);
  assert.deepEqual([...patch.shown].sort(), ['b', 'c', 'd']);
  assert.equal(patch.boundaryTarget, 'd');
  assert.deepEqual(patch.wrong, { a: 'c', b: '' });
});

test('a record whose config the server no longer reads (null) is listed but never a boundary target', () => {
  const records = [job('b', 'moons', 'done'), { ...job('old', 'moons', 'done'), config: null }];
  const patch = loaded(records);
  assert.deepEqual([...patch.shown].sort(), ['b', 'old']);
  assert.equal(patch.boundaryTarget, 'b');
  assert.deepEqual(patch.wrong, { a: '', b: '' });
});

test('a finished MNIST model fills an empty misclassified panel without a reload', () => {
  const store = createModelsStore();
  store.set(submitted(store.state, job('m', 'mnist_parity')));
  assert.deepEqual(store.get('wrong'), { a: '', b: '' });
  const heard = [];
  store.on(['wrong'], (state) => heard.push(state.wrong.a));
  store.set(ended(store.state, job('m', 'mnist_parity', 'done')));
  assert.deepEqual(heard, ['m']);
  assert.equal(finished(store.state).length, 1);
});

test('a finished model does not replace mistakes already shown; the lecture pair does', () => {
  const store = createModelsStore();
  store.set({ wrong: { a: 'old', b: '' } });
  for (const id of ['log', 'net']) store.set(submitted(store.state, job(id, 'mnist_parity')));
  store.set({ lectureIds: ['log', 'net'] });
  store.set(ended(store.state, job('log', 'mnist_parity', 'done')));
  assert.deepEqual(store.get('wrong'), { a: 'old', b: '' });
  store.set(ended(store.state, job('net', 'mnist_parity', 'done')));
  assert.deepEqual(store.get('wrong'), { a: 'net', b: 'log' });
});

test('progress appends curve points to a new record, leaving the old one untouched', () => {
  const store = createModelsStore();
  store.set(submitted(store.state, job('x', 'moons')));
  assert.equal(store.get('boundaryTarget'), 'x'); // a 2-D job's boundary is drawn
  const before = store.get('models')[0];
  const point = { step: 1, train_loss: 0.6, train_accuracy: 0.7, test_loss: null, test_accuracy: 0.65 };
  store.set(progressed(store.state, 'x', { status: 'running', progress: 0.5, points: [point] }));
  const after = store.get('models')[0];
  assert.notEqual(before, after);
  assert.deepEqual([before.curve.step.length, after.progress], [0, 0.5]);
  // the event's records become the curve's columns
  assert.deepEqual(after.curve, { step: [1], train_loss: [0.6], train_accuracy: [0.7], test_loss: [null], test_accuracy: [0.65] });
  store.set(polled(store.state, { id: 'x', status: 'running', progress: 0.75 }));
  assert.equal(store.get('models')[0].progress, 0.75);
  assert.equal(statusLine(store.state), '1 job training, 0 queued — curves update live');
});

test('picking rows: a 2-D one draws its boundary, an MNIST one shows its mistakes', () => {
  const store = createModelsStore();
  store.set(loaded([job('two', 'moons', 'done'), job('mn', 'mnist_parity', 'done'), job('mn2', 'mnist_parity', 'done')]));
  store.set({ wrong: { a: 'mn2', b: 'mn' } });
  store.set(picked(store.state, 'mn'));
  assert.deepEqual(store.get('wrong'), { a: 'mn', b: '' }); // never compared with itself
  store.set(picked(store.state, 'two'));
  assert.equal(store.get('boundaryTarget'), 'two');
  store.set(toggled(store.state, 'two', false));
  assert.equal(store.get('shown').has('two'), false);
  assert.equal(statusLine(store.state), '3 trained models');
});

test('a request answered with a job already listed (an identical one) shows it without a second row', () => {
  const store = createModelsStore();
  store.set(submitted(store.state, job('same', 'moons', 'running', { curve: { ...emptyCurve(), step: [0] } })));
  store.set({ shown: new Set() });
  store.set(submitted(store.state, job('same', 'moons', 'queued')));
  assert.deepEqual(store.get('models').map((m) => [m.id, m.status, m.curve.step.length]), [['same', 'running', 1]]);
  assert.deepEqual([...store.get('shown')], ['same']);
});
