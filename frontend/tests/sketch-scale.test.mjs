import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  autoRange, formatTick, linearTicks, logTicks, powerLabel, tickStep, tickTarget, viridis,
} from '../js/shared/sketch-scale.js';

// The sketch drawn before Plotly has loaded must place its ticks where Plotly then places them, or
// the axes jump when Plotly's drawing replaces it. The cases are the lab pages' plots, with the
// ticks Plotly 4.1.1 drew for them (screenshots of both, side by side).

test('tick counts and steps round up to 2, 5 or 10 as Plotly does', () => {
  assert.equal(tickTarget(410, 'x'), 6.125); // the lab's 410 px map: one tick per 80 px, plus one
  assert.equal(tickTarget(410, 'y'), 10); // one per 40 px, at most 9 (+1)
  assert.equal(tickTarget(100, 'y'), 5); // at least 4 (+1)
  assert.equal(tickStep(10, tickTarget(410, 'y')), 2); // Himmelblau's v from −5 to 5: Plotly labels −4 … 4
  assert.equal(tickStep(10, tickTarget(410, 'x')), 2);
  assert.equal(tickStep(9, 10), 1); // the pitfall's 10 steps over 1475 px
  assert.ok(Math.abs(tickStep(2.1, tickTarget(460, 'x')) - 0.5) < 1e-12); // the regression's x
  assert.equal(tickStep(4.6, tickTarget(285, 'y')), 1); // and its y: 1 2 3 4, not every 0.5
});

test('linear ticks fall on multiples of the step inside the range, zero exactly zero', () => {
  assert.deepEqual(linearTicks(-5, 5, 10), { step: 2, ticks: [-4, -2, 0, 2, 4] });
  assert.deepEqual(linearTicks(1, 10, 10).ticks, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(linearTicks(-0.3, 0.3, 5).ticks.map((v) => formatTick(v, 0.2)), ['−0.2', '0', '0.2']);
});

test('tick labels carry the step’s decimals without trailing zeros, and a true minus sign', () => {
  assert.equal(formatTick(0.5, 0.5), '0.5');
  assert.equal(formatTick(1, 0.5), '1');
  assert.equal(formatTick(0.1 + 0.2, 0.1), '0.3');
  assert.equal(formatTick(-4, 2), '−4');
  assert.equal(formatTick(-1e-12, 0.5), '0');
  assert.equal(formatTick(1500, 500), '1500');
});

test('log ticks: powers on a long range, 2 and 5 between on a middling one, every digit on a short one', () => {
  // The pitfall's loss, 10^-8 … 10^0.3 over 340 px: one tick per power.
  assert.deepEqual(logTicks(-8.1, 0.3, 10).map((t) => t.exponent), [-8, -7, -6, -5, -4, -3, -2, -1, 0]);
  // The lab's empty loss plot, 10^-1 … 10^4: 1, 2, 5 of every power (Plotly's 'D2').
  const d2 = logTicks(-1, 4, 10);
  assert.deepEqual(d2.slice(0, 4).map((t) => t.digit ?? `e${t.exponent}`), ['e-1', 2, 5, 'e0']);
  assert.ok(Math.abs(d2[1].at - Math.log10(0.2)) < 1e-12);
  // The regression's MSE, about 1.2 powers: every digit ('D1').
  assert.deepEqual(logTicks(-1.15, 0.05, 8).map((t) => t.digit ?? `e${t.exponent}`), [8, 9, 'e-1', 2, 3, 4, 5, 6, 7, 8, 9, 'e0']);
});

test('powers of ten read as Plotly writes them', () => {
  assert.equal(powerLabel(0, 'power'), '1');
  assert.equal(powerLabel(1, 'power'), '10');
  assert.deepEqual(powerLabel(-3, 'power'), { base: '10', exponent: '−3' });
  assert.equal(powerLabel(-1, undefined), '0.1');
  assert.equal(powerLabel(3, undefined), '1k');
  assert.equal(powerLabel(-5, undefined), '10μ');
});

test('autorange: the values’ extent, padded as Plotly pads it, skipping gaps; Plotly’s ranges for no data', () => {
  assert.deepEqual(autoRange([1, null, Number.NaN, 3]), [1, 3]);
  const [lo, hi] = autoRange([0, 1.8], { pad: true }); // the values over the middle 90 % of the axis
  assert.ok(Math.abs(lo + 0.1) < 1e-12 && Math.abs(hi - 1.9) < 1e-12, [lo, hi]);
  assert.deepEqual(autoRange([0.1, 10, 0, -1], { log: true }), [-1, 1]); // non-positive values have no place on a log axis
  assert.deepEqual(autoRange([], { letter: 'x' }), [-1, 6]);
  assert.deepEqual(autoRange([], { letter: 'y' }), [-1, 4]);
  assert.deepEqual(autoRange([5, 5]), [4, 6]);
});

test('viridis runs from Plotly’s dark purple to its yellow through its teal', () => {
  assert.deepEqual(viridis(0), [0x44, 0x01, 0x54]);
  assert.deepEqual(viridis(1), [0xfd, 0xe7, 0x25]);
  assert.deepEqual(viridis(0.5019607843137255), [0x21, 0x91, 0x8c]); // a stop of Plotly's scale
  assert.deepEqual(viridis(-3), viridis(0));
  assert.deepEqual(viridis(Number.NaN), viridis(0));
});
