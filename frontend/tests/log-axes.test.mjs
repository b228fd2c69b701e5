import assert from 'node:assert/strict';
import test from 'node:test';

import { logLabelling, readableLogAxes } from '../js/shared/log-axes.js';
import { digitLabel, logTicks, tickTarget } from '../js/shared/sketch-scale.js';

// A log axis is labelled with whole numbers: its powers of ten alone when its data span two or
// more of them, else 1, 2 and 5 × 10^k written whole (never Plotly's bare digits "9 8 7").

test('two powers of ten or more: the powers only; fewer: 1, 2 and 5 written whole', () => {
  assert.deepEqual(logLabelling(-1.15, 0.05), { minorloglabels: 'none' }); // 0.07 … 1.1: 0.1 and 1
  assert.deepEqual(logLabelling(-3.2, 2.1), { minorloglabels: 'none' });
  assert.deepEqual(logLabelling(-1, 0), { minorloglabels: 'none' }); // both ends are powers
  assert.deepEqual(logLabelling(-1.3, -0.2), { minorloglabels: 'complete', dtick: 'D2' }); // 0.05 … 0.63: 0.1 only
  // Under one power of ten Plotly already writes each tick's number whole (its linear 'L' ticks).
  assert.deepEqual(logLabelling(-0.7, -0.1), {});
  assert.deepEqual(logLabelling(2.0, 2.03), {});
});

test('a log axis gets the labelling of its data’s range; its own tick settings and other axes are left alone', () => {
  const layout = {
    xaxis: { title: { text: 'iteration' } },
    yaxis: { type: 'log', title: { text: 'MSE' } },
    yaxis2: { type: 'log', dtick: 1 },
    yaxis3: { type: 'log', range: [-1.3, -0.2] },
  };
  const data = [
    { x: [1, 2, 3], y: [1.2, 0.3, 0.07] },
    { x: [1, 2], y: [0.5, 0.2], yaxis: 'y2' },
    { x: [1, 2], y: [100, 1e-5], yaxis: 'y3' }, // its range is given: the data do not decide
    { x: [1], y: [0.3], yaxis: 'y4' }, // no such axis in the layout
  ];
  const out = readableLogAxes(data, layout);
  assert.equal(out.yaxis.minorloglabels, 'none');
  assert.equal(out.yaxis.title.text, 'MSE');
  assert.deepEqual(out.yaxis2, { type: 'log', dtick: 1 });
  assert.deepEqual(out.yaxis3, { type: 'log', range: [-1.3, -0.2], minorloglabels: 'complete', dtick: 'D2' });
  assert.equal(out.xaxis, layout.xaxis);
  assert.equal('yaxis4' in out, false);
  assert.equal(layout.yaxis.minorloglabels, undefined); // not changed
  const short = readableLogAxes([{ x: [0, 1], y: [0.05, 0.6] }], { yaxis: { type: 'log' } });
  assert.deepEqual(short.yaxis, { type: 'log', minorloglabels: 'complete', dtick: 'D2' });
  const shorter = { yaxis: { type: 'log' } };
  assert.equal(readableLogAxes([{ x: [0, 1], y: [100.5, 106] }], shorter), shorter);
  const linear = { yaxis: { title: 'loss' } };
  assert.equal(readableLogAxes(data, linear), linear);
});

test('the sketch places D2 ticks when asked and labels a digit tick as Plotly writes it whole', () => {
  // 0.049 … 0.63 on a tall axis would be 'D1' by its length; 'D2' keeps 1, 2, 5.
  const ticks = logTicks(-1.31, -0.2, 10, 'D2');
  assert.deepEqual(ticks.map((t) => [t.exponent, t.digit ?? 1]), [[-2, 5], [-1, 1], [-1, 2], [-1, 5]]);
  assert.equal(digitLabel(2, -1, undefined), '0.2');
  assert.equal(digitLabel(5, -2, undefined), '0.05');
  assert.equal(digitLabel(2, 1, undefined), '20');
  assert.equal(digitLabel(2, 4, undefined), '20k');
  assert.equal(digitLabel(2, 0, 'power'), '2');
  assert.equal(digitLabel(2, 1, 'power'), '2x10');
  assert.deepEqual(digitLabel(5, -3, 'power'), { base: '5x10', exponent: '−3' });
});

test('under one power of ten the sketch ticks the numbers themselves, as Plotly does', () => {
  // The optimization lab's loss plot after three steps of gd (loss 106 … 102.4, a 372 px axis): the
  // range and the ticks Plotly 4.1.1 drew, 102.5 … 106 every 0.5 ('L0.5').
  const ticks = logTicks(2.009510872114847, 2.026137180693713, tickTarget(372, 'y'));
  assert.deepEqual(ticks.map((t) => t.value), [102.5, 103, 103.5, 104, 104.5, 105, 105.5, 106]);
  for (const t of ticks) assert.ok(Math.abs(t.at - Math.log10(t.value)) < 1e-12);
});
