import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  displayZ, revealedSteps, lossScale, lossSeries, pathSeries, plotNumber, stepCount, tableIndices, tableNumber,
} from '../js/optimize/series.js';

// A trajectory answer as columns; null is a value that is not finite (docs/api.md).
const run = {
  step: [1, 2],
  loss: [106, null],
  params: { u: [1, 2], v: [1, 3] },
  grad: { u: [-46, null], v: [-38, 0] },
  final: { params: { u: 5, v: null }, loss: null },
};

test('paths append the final point only when complete, with gaps for non-finite values', () => {
  assert.deepEqual(pathSeries(run, 'u', 'v', 1), { x: [1], y: [1], complete: false });
  assert.deepEqual(pathSeries(run, 'u', 'v'), { x: [1, 2, 5], y: [1, 3, null], complete: true });
});

test('loss series drop what a log axis cannot show', () => {
  assert.deepEqual(lossSeries(run), { x: [1, 2], y: [106, null], zeros: { x: [], y: [] } });
  assert.equal(plotNumber(null), null);
  assert.equal(plotNumber('nan'), null);
  assert.equal(plotNumber(0.5), 0.5);
  assert.equal(stepCount(run), 2);
});

test('the loss axis is log while no loss is below 0, an exact 0 sitting a decade under the least loss', () => {
  const newton = { step: [0, 1], loss: [12.5, 0] };
  const gd = { step: [0, 1, 2], loss: [12.5, 3, 0.5] };
  const scale = lossScale([newton, gd]);
  assert.deepEqual(scale, { type: 'log', floor: 0.05 });
  // the 0 is no point of the log line: it is listed apart, at the floor
  assert.deepEqual(lossSeries(newton, Infinity, scale), { x: [0, 1], y: [12.5, null], zeros: { x: [1], y: [0.05] } });
  assert.deepEqual(lossScale([gd]), { type: 'log', floor: null });
  // not finite values are gaps on either axis and decide nothing
  assert.deepEqual(lossScale([{ step: [0, 1], loss: [2, null] }]), { type: 'log', floor: null });
});

test('a loss below 0 (a saddle of the student\'s own) puts every run on a linear axis, all its points drawn', () => {
  const saddle = { step: [0, 1, 2], loss: [1, -0.5, -4] };
  const bowl = { step: [0, 1], loss: [3, 0] };
  const scale = lossScale([bowl, saddle]);
  assert.deepEqual(scale, { type: 'linear', floor: null });
  assert.deepEqual(lossSeries(saddle, Infinity, scale), { x: [0, 1, 2], y: [1, -0.5, -4], zeros: { x: [], y: [] } });
  assert.deepEqual(lossSeries(bowl, 1, scale).y, [3]);
  // losses that are all exactly 0 have no decade to sit under: linear too
  assert.equal(lossScale([{ step: [0], loss: [0] }]).type, 'linear');
});

test('tables show null as not finite, never as 0', () => {
  assert.equal(tableNumber(null, 4), 'not finite');
  assert.equal(tableNumber(0, 4), '0');
  assert.equal(tableNumber(-1.5, 4), '\u22121.5');
});

test('long tables show head and tail', () => {
  assert.deepEqual(tableIndices(3, 10), { indices: [0, 1, 2], skipped: 0 });
  const long = tableIndices(1000, 4);
  assert.deepEqual(long.indices, [0, 1, 998, 999]);
  assert.equal(long.skipped, 996);
  assert.equal(long.gapAfter, 1);
});

test('heatmap values are log(1 + z − min)', () => {
  assert.deepEqual(displayZ([[1, null], [1 + Math.E - 1, 1]]), [[0, null], [1, 0]]);
});

test('the animation reveals steps by elapsed time, at least one, all once the time is up', () => {
  assert.equal(revealedSteps(300, 0, 750), 1);
  assert.equal(revealedSteps(300, -5, 750), 1);
  assert.equal(revealedSteps(300, 375, 750), 150);
  assert.equal(revealedSteps(300, 376, 750), 151); // ceil: never behind the clock
  assert.equal(revealedSteps(300, 749, 750), 300);
  assert.equal(revealedSteps(300, 750, 750), 300);
  assert.equal(revealedSteps(300, 5000, 750), 300); // a busy machine: the animation still ends on time
  assert.equal(revealedSteps(10, 100, 750), 2);
});
