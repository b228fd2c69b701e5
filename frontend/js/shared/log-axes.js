// Log axes labelled with whole numbers. Plotly labels the ticks between the powers of ten of a short
// log axis with their digit alone, in small type: the regression's MSE axis read "1 9 8 7 6 5 4 3 2
// 0.1 9 8", where a student reads "8" for 0.08, and the optimization lab's "10² 2 5 10 2 5 1". Here
// an axis whose data span two powers of ten or more is labelled at the powers only (the grid lines
// between them stay), and a shorter one at 1, 2 and 5 × 10^k, each written whole ("0.2", "0.5"):
// Plotly's `minorloglabels` 'none' and 'complete' with dtick 'D2' (a span under one power of ten
// Plotly already ticks as a linear axis, each number whole). The sketch drawn before Plotly
// (sketch-plot.js) reads the same settings. Pure: no DOM, so node tests check it.

import { autoRange, axisKey, traceAxes } from './sketch-scale.js';

/**
 * The labelling of a log axis whose range is [lo, hi] in powers of ten: Plotly axis settings, none
 * for a span under one power of ten, which Plotly already ticks as a linear axis, each number whole.
 */
export function logLabelling(lo, hi) {
  if (hi - lo < 1) return {};
  const powers = Math.floor(hi + 1e-9) - Math.ceil(lo - 1e-9) + 1;
  return powers >= 2 ? { minorloglabels: 'none' } : { minorloglabels: 'complete', dtick: 'D2' };
}

/**
 * `layout` with each log axis that says nothing of its own ticks (no dtick, tickvals or
 * minorloglabels) labelled as `logLabelling` says for its range: its `range` if it has one, else the
 * extent of the positive values the traces put on it. `layout` is not changed.
 */
export function readableLogAxes(data, layout = {}) {
  let out = layout;
  for (const [id, { values }] of traceAxes(data)) {
    const key = axisKey(id);
    const spec = layout[key];
    if (spec?.type !== 'log' || 'dtick' in spec || 'tickvals' in spec || 'minorloglabels' in spec) continue;
    const given = Array.isArray(spec.range) && spec.range.every(Number.isFinite);
    const [lo, hi] = given ? [...spec.range].sort((a, b) => a - b) : autoRange(values, { log: true });
    const labelling = logLabelling(lo, hi);
    if (Object.keys(labelling).length === 0) continue;
    if (out === layout) out = { ...layout };
    out[key] = { ...spec, ...labelling };
  }
  return out;
}
