import assert from 'node:assert/strict';
import { test } from 'node:test';

import { lrAfterSwitch } from '../js/optimize/state.js';
import { costOf, runSummary } from '../js/optimize/step-table.js';

const run = (over) => ({
  function: { parameters: ['u', 'v'] },
  loss: [24, 4, 0.5],
  final: { loss: 1e-9, params: { u: 1, v: 1 } },
  stopped_at: 3,
  reason: 'tolerance',
  evaluations: 3,
  hessians: 0,
  nearest_minimum: null,
  ...over,
});

test('a first-order run says its steps alone; a second-order run what it cost', () => {
  assert.equal(costOf(run()), '');
  assert.equal(costOf(run({ evaluations: 7 })), '7 loss-and-gradient evaluations');
  assert.equal(costOf(run({ hessians: 2 })), '2 Hessians (2×2)');
  assert.equal(
    runSummary(run({ evaluations: 88, stopped_at: 41 })),
    'stopped: loss change below the tolerance at step 41 (88 loss-and-gradient evaluations); final loss 1e−9',
  );
});

test('a singular Hessian is said as the reason Newton stopped', () => {
  const text = runSummary(run({ reason: 'singular', stopped_at: 1, loss: [1], final: { loss: 1, params: { u: 1, v: 0 } }, evaluations: 1 }));
  assert.match(text, /^stopped: the Hessian is singular here, so Newton's step is undefined at step 1; final loss 1/);
});

test('switching to a second-order method starts it at its full step, and back at the default', () => {
  assert.equal(lrAfterSwitch('gd', 'newton', 5e-4), 1);
  assert.equal(lrAfterSwitch('newton', 'lbfgs', 0.5), 0.5); // a damped step the student chose stays
  assert.equal(lrAfterSwitch('lbfgs', 'adam', 1), 5e-4);
  assert.equal(lrAfterSwitch('gd', 'adam', 0.05), 0.05);
});
