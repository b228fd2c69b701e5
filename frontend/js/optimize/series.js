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

/** Loss per step for a log-scale plot (non-positive or non-finite values become gaps). */
export function lossSeries(result, upTo = Infinity) {
  return {
    x: result.step.slice(0, upTo),
    y: result.loss.slice(0, upTo).map((loss) => {
      const v = plotNumber(loss);
      return v !== null && v > 0 ? v : null;
    }),
  };
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
