import assert from 'node:assert/strict';
import { test } from 'node:test';

import { boundaryTraces } from '../js/models/boundary.js';
import { curveTraces } from '../js/models/curves.js';

const model = {
  id: 'a', name: 'net',
  curve: { // columns, as GET /api/models/{id} answers them
    step: [0, 10], train_loss: [0.7, null], test_loss: [0.71, 0.3], train_accuracy: [0.5, 0.9], test_accuracy: [0.49, 0.88],
  },
};

test('each model gets a solid test and a dotted train curve', () => {
  const traces = curveTraces([model], 'loss');
  assert.deepEqual(traces.map((t) => [t.name, t.line.dash]), [['net · test', 'solid'], ['net · train', 'dot']]);
  assert.deepEqual(traces[0].y, [0.71, 0.3]);
  assert.deepEqual(traces[0].x, [0, 10]);
  assert.ok(Number.isNaN(traces[1].y[1]));
});

test('accuracy is shown in percent', () => {
  assert.deepEqual(curveTraces([model], 'accuracy')[0].y, [49, 88]);
});

test('the boundary is a heatmap, the 0.5 contour and the points of each class', () => {
  const grid = { x: [0, 1], y: [0, 1], probability: [[0.1, 0.6], [0.4, 0.9]], points: { x: [0, 1, 2], y: [3, 4, 5], label: [1, 0, 1] } };
  const traces = boundaryTraces(grid);
  assert.deepEqual(traces.map((t) => t.type), ['heatmap', 'contour', 'scatter', 'scatter']);
  assert.equal(traces[1].contours.start, 0.5);
  assert.deepEqual(traces[3].x, [0, 2]);
  assert.deepEqual(traces[2].y, [4]);
});

test('the traced graph becomes rows and narrated backward steps', async () => {
  const { backwardSteps, graphRows } = await import('../js/models/graph-table.js');
  const payload = {
    nodes: [
      { id: 0, op: 'AccumulateGrad', label: 'w', shape: [1, 2], is_leaf: true, value: { data: [[1, 2]] }, grad: { data: [[0.25, 0.5]] } },
      { id: 1, op: 'SigmoidBackward0', label: 'sigmoid', shape: [1, 1], is_leaf: false, value: { data: [[0.5]] }, grad: null },
    ],
    passes: [{ steps: [{ narration: 'an earlier pass' }] }, { steps: [{ narration: 'σ sends P(1 − P)' }, { narration: '' }] }],
  };
  assert.deepEqual(graphRows(payload), [
    ['w', 'AccumulateGrad', '[1, 2]', '1, 2', '0.25, 0.5'],
    ['sigmoid', 'SigmoidBackward0', '[1, 1]', '0.5', ''],
  ]);
  assert.deepEqual(backwardSteps(payload), ['σ sends P(1 − P)']);
});
