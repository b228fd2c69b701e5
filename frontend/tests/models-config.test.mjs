import assert from 'node:assert/strict';
import { test } from 'node:test';

import { configFromForm, describeConfig, LECTURE_RUNS } from '../js/models/config.js';
import { fillOptimizerSelect, optimizerNames, OPTIMIZERS } from '../js/shared/optimizers.js';

const form = {
  dataset: 'mnist_parity', model: 'simple_nn', hidden: '', activation: '', optimizer: 'gd', lr: '0.01', batch: '64',
  steps: '1000', trainSize: '', noise: '0.1', seed: '0', name: '',
};

test('the lecture comparison is both models, α = 0.01, 1000 full-batch steps, all images', () => {
  assert.deepEqual(LECTURE_RUNS.map((r) => r.model), ['logistic', 'simple_nn']);
  for (const run of LECTURE_RUNS) {
    assert.deepEqual(run.optimizer, { name: 'gd', lr: 0.01 });
    assert.equal(run.steps, 1000);
    assert.equal(run.dataset, 'mnist_parity');
    assert.equal(run.train_size, undefined);
  }
});

test('empty optional fields are left out; gd ignores the batch size', () => {
  assert.deepEqual(configFromForm(form), {
    dataset: 'mnist_parity', model: 'simple_nn', optimizer: { name: 'gd', lr: 0.01 }, steps: 1000, seed: 0,
  });
});

test('2-D sets send noise; sgd sends its batch; logistic drops hidden settings', () => {
  const body = configFromForm({ ...form, dataset: 'moons', model: 'logistic', hidden: '8', optimizer: 'sgd', trainSize: '300' });
  assert.deepEqual(body, {
    dataset: 'moons', model: 'logistic', optimizer: { name: 'sgd', lr: 0.01, batch_size: 64 }, steps: 1000, seed: 0,
    train_size: 300, noise: 0.1,
  });
});

test('configs are described briefly', () => {
  assert.deepEqual(describeConfig({ dataset: 'mnist_parity', optimizer: { name: 'adam', lr: 0.001, batch_size: 32 } }), {
    data: 'MNIST', optimizer: 'adam α=0.001, batch 32',
  });
  // null: a stored config the server no longer reads (GET /api/models still lists the record)
  assert.deepEqual(describeConfig(null), { data: '?', optimizer: '?' });
});

test('each menu offers the update rules its use takes, in the schema\'s order', () => {
  assert.deepEqual(OPTIMIZERS.map((o) => o.name), ['gd', 'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'newton', 'lbfgs']);
  assert.deepEqual(optimizerNames('training'), ['gd', 'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam']);
  assert.deepEqual(optimizerNames('trajectory'), ['gd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'newton', 'lbfgs']);
  const select = {
    ownerDocument: { createElement: () => ({}) },
    replaceChildren(...options) { this.options = options; },
  };
  fillOptimizerSelect(select, 'rmsprop');
  assert.deepEqual(select.options.map((o) => o.value), optimizerNames('training'));
  assert.deepEqual(select.options.filter((o) => o.selected).map((o) => o.value), ['rmsprop']);
  assert.equal(select.options[3].textContent, 'Nesterov momentum');
  fillOptimizerSelect(select, 'newton', 'trajectory');
  assert.deepEqual(select.options.map((o) => o.value), optimizerNames('trajectory'));
  assert.equal(select.options[0].textContent, 'gd (the lecture’s update)');
  assert.deepEqual(select.options.filter((o) => o.selected).map((o) => o.textContent), ['newton']);
});

test('every rule but gd sends its minibatch', () => {
  for (const name of optimizerNames('training').slice(1)) {
    assert.deepEqual(configFromForm({ ...form, optimizer: name, lr: '0.002' }).optimizer, { name, lr: 0.002, batch_size: 64 });
  }
});
