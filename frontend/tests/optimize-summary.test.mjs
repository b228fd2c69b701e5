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

test('a path that leaves the map says at which steps, the map cutting it at its edge', async () => {
  const { offMap } = await import('../js/optimize/series.js');
  const ranges = { x: [-2, 2], y: [-1, 3] };
  const newton = {
    step: [1, 2, 3, 4, 5],
    params: { u: [-1.5, -1.45, 1.2, 0.9, 1], v: [2, 2.1, -3.4, 0.8, 1] },
  };
  assert.deepEqual(offMap(newton, ranges, 'u', 'v'), { first: 3, last: 3, count: 1 });
  // a step on the edge is on the map; a value that is not finite decides nothing
  const edge = { step: [1, 2, 3], params: { u: [2, null, -2.5], v: [3, 0, 0] } };
  assert.deepEqual(offMap(edge, ranges, 'u', 'v'), { first: 3, last: 3, count: 1 });
  assert.equal(offMap({ step: [1], params: { u: [0], v: [0] } }, ranges, 'u', 'v'), null);
  const wide = { step: [1, 2, 3, 4], params: { u: [0, 5, 0, 6], v: [0, 0, 0, 0] } };
  assert.deepEqual(offMap(wide, ranges, 'u', 'v'), { first: 2, last: 4, count: 2 });
  assert.match(runSummary(run(), { first: 3, last: 3, count: 1 }), /; off the map at step 3$/);
  assert.match(runSummary(run(), { first: 2, last: 4, count: 2 }), /; off the map at 2 of steps 2–4$/);
  assert.doesNotMatch(runSummary(run()), /off the map/);
});
