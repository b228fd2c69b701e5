// Pure helpers turning trajectory answers into plot series and table rows.

import { formatNumber, toNumber } from '../shared/format.js';

/** A number for Plotly, or null (a gap) when the value is not finite (the server sends null). */
export function plotNumber(value) {
  if (value === null || value === undefined) return null;
  const x = toNumber(value);
  return Number.isFinite(x) ? x : null;
}

/** A number for a table: null (not finite, docs/api.md) is shown as such, never as 0. */
export function tableNumber(value, digits) {
  return value === null || value === undefined ? 'not finite' : formatNumber(value, digits);
}

/** How many steps a trajectory answer holds (its columns: step, loss, params, grad). */
export function stepCount(result) {
  return result.step.length;
}

/** The path of the first `upTo` steps (all when omitted), the final point appended when complete. */
export function pathSeries(result, xName, yName, upTo = Infinity) {
  const x = result.params[xName].slice(0, upTo).map(plotNumber);
  const y = result.params[yName].slice(0, upTo).map(plotNumber);
  const complete = upTo >= stepCount(result);
  if (complete) {
    x.push(plotNumber(result.final.params[xName]));
    y.push(plotNumber(result.final.params[yName]));
  }
  return { x, y, complete };
}

/**
 * The recorded steps whose point lies outside the map's `ranges` ({x: [lo, hi], y: [lo, hi]}) in the
 * parameters drawn, where the path is cut at the map's edge (Newton on Rosenbrock from (−1.5, 2)
 * jumps below v = −1 and back): {first, last, count} of those steps, or null when the path stays on it.
 */
export function offMap(result, ranges, xName, yName) {
  const xs = result.params[xName];
  const ys = result.params[yName];
  if (!ranges || !xs || !ys) return null;
  let first = null;
  let last = null;
  let count = 0;
  for (let i = 0; i < xs.length; i += 1) {
    const x = plotNumber(xs[i]);
    const y = plotNumber(ys[i]);
    if (x === null || y === null) continue;
    if (x < ranges.x[0] || x > ranges.x[1] || y < ranges.y[0] || y > ranges.y[1]) {
      if (first === null) first = result.step[i];
      last = result.step[i];
      count += 1;
    }
  }
  return count ? { first, last, count } : null;
}

/**
 * The loss plot's axis for these runs, decided on their whole answers (an animation's axis never
 * flips half-way): a log axis while no finite loss is below zero, as convergence reads in orders of
 * magnitude; linear when one is (a function of the student's own, the saddle u² − v², whose curve
 * vanished from a log axis where it crossed 0). On a log axis an exact 0 (Newton lands on the
 * bowl's minimum in one step) is drawn at `floor`, a decade under the least positive loss; losses
 * that are all 0 are linear.
 */
export function lossScale(runs) {
  let least = Infinity;
  let negative = false;
  let zero = false;
  for (const run of runs) {
    for (const loss of run.loss) {
      const v = plotNumber(loss);
      if (v === null) continue;
      if (v < 0) negative = true;
      else if (v === 0) zero = true;
      else if (v < least) least = v;
    }
  }
  if (negative || (zero && least === Infinity)) return { type: 'linear', floor: null };
  return { type: 'log', floor: zero ? least / 10 : null };
}

/**
 * Loss per step on that axis: non-finite values are gaps, and on a log axis so are exact zeros,
 * which are listed apart in `zeros` (drawn at the scale's floor).
 */
export function lossSeries(result, upTo = Infinity, scale = { type: 'log', floor: null }) {
  const x = result.step.slice(0, upTo);
  const zeros = { x: [], y: [] };
  const y = result.loss.slice(0, upTo).map((loss, i) => {
    const v = plotNumber(loss);
    if (v === null || scale.type === 'linear') return v;
    if (v === 0 && scale.floor !== null) {
      zeros.x.push(x[i]);
      zeros.y.push(scale.floor);
    }
    return v > 0 ? v : null;
  });
  return { x, y, zeros };
}

/** Which point indices a table shows: all when few, otherwise the first and last `limit / 2`. */
export function tableIndices(count, limit = 400) {
  if (count <= limit) return { indices: Array.from({ length: count }, (_, i) => i), skipped: 0 };
  const half = Math.floor(limit / 2);
  const head = Array.from({ length: half }, (_, i) => i);
  const tail = Array.from({ length: half }, (_, i) => count - half + i);
  return { indices: [...head, ...tail], skipped: count - 2 * half, gapAfter: half - 1 };
}

/** log(1 + z − min z) for a readable heatmap of functions with steep walls (as the server's figures). */
export function displayZ(z) {
  let low = Infinity;
  for (const row of z) for (const v of row) { const x = plotNumber(v) ?? NaN; if (Number.isFinite(x) && x < low) low = x; }
  if (!Number.isFinite(low)) low = 0;
  return z.map((row) => row.map((v) => {
    const x = plotNumber(v) ?? NaN;
    return Number.isFinite(x) ? Math.log1p(Math.max(0, x - low)) : null;
  }));
}

/**
 * How many steps an animation of `duration` ms shows `elapsed` ms after it started: at least one,
 * all of them once the time is up (the time decides, not a frame count, so a busy machine draws
 * fewer frames instead of a longer animation).
 */
export function revealedSteps(steps, elapsed, duration) {
  if (elapsed >= duration) return steps;
  return Math.min(steps, Math.max(1, Math.ceil((steps * Math.max(0, elapsed)) / duration)));
}
