import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  displayZ, revealedSteps, lossSeries, pathSeries, plotNumber, stepCount, tableIndices, tableNumber,
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
  assert.deepEqual(lossSeries(run), { x: [1, 2], y: [106, null] });
  assert.equal(plotNumber(null), null);
  assert.equal(plotNumber('nan'), null);
  assert.equal(plotNumber(0.5), 0.5);
  assert.equal(stepCount(run), 2);
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
