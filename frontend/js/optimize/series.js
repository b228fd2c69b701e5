// Pure helpers turning trajectory answers into plot series and table rows.

import { toNumber } from '../shared/format.js';

/** A number for Plotly, or null (a gap) when the server sent nan/inf. */
export function plotNumber(value) {
  const x = toNumber(value);
  return Number.isFinite(x) ? x : null;
}

/** The path of the first `upTo` steps (all when omitted), the final point appended when complete. */
export function pathSeries(result, xName, yName, upTo = Infinity) {
  const points = result.points.slice(0, upTo);
  const x = points.map((p) => plotNumber(p.params[xName]));
  const y = points.map((p) => plotNumber(p.params[yName]));
  const complete = upTo >= result.points.length;
  if (complete) {
    x.push(plotNumber(result.final.params[xName]));
    y.push(plotNumber(result.final.params[yName]));
  }
  return { x, y, complete };
}

/** Loss per step for a log-scale plot (non-positive or non-finite values become gaps). */
export function lossSeries(result, upTo = Infinity) {
  const points = result.points.slice(0, upTo);
  return {
    x: points.map((p) => p.step),
    y: points.map((p) => {
      const v = plotNumber(p.loss);
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
  for (const row of z) for (const v of row) { const x = toNumber(v); if (Number.isFinite(x) && x < low) low = x; }
  if (!Number.isFinite(low)) low = 0;
  return z.map((row) => row.map((v) => {
    const x = toNumber(v);
    return Number.isFinite(x) ? Math.log1p(Math.max(0, x - low)) : null;
  }));
}

/** How many animation frames to show `steps` steps in about `frames` frames: points per frame. */
export function frameStride(steps, frames = 90) {
  return Math.max(1, Math.ceil(steps / frames));
}
