import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fitSummary, sweepSummary } from '../js/regression/summary.js';

const closed = { loss: 0.0503271 };

test('a fit is summed up beside the closed form', () => {
  const fit = { method: 'autograd', lr: 0.01, steps: 4000, loss: 0.0729391, diverged: false };
  assert.equal(fitSummary(fit, closed), 'loss 0.07294 (closed form 0.05033)');
  const blown = { method: 'manual', lr: 1, steps: 100, loss: null, diverged: true };
  assert.equal(fitSummary(blown, closed), 'diverged at lr 1: try a smaller one');
});

test('the table is summed up by its lowest finite loss', () => {
  const rows = [
    { lr: 1, steps: 100, loss: null, diverged: true },
    { lr: 0.1, steps: 100, loss: 0.2, diverged: false },
    { lr: 0.1, steps: 6000, loss: 0.0503272, diverged: false },
    { lr: 0.01, steps: 100, loss: 0.9, diverged: false },
  ];
  assert.equal(sweepSummary({ rows, closed_form: closed }), 'lowest loss 0.05033: lr 0.1, 6000 iterations');
  assert.equal(sweepSummary({ rows: rows.slice(0, 1), closed_form: closed }), 'every run diverged (closed form 0.05033)');
});
