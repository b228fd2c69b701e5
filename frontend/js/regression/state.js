// The regression page's state, its URL hash and its request bodies.

import { decodeDiff, encodeDiff } from '../optimize/hash.js';

export const DEFAULTS = Object.freeze({
  method: 'autograd',
  lr: 1e-2,
  iterations: 4000,
  degree: 2,
  lrs: '1, 0.1, 0.01, 0.001',
  counts: '100, 2000, 4000, 6000, 8000',
  table: false, // the exercise table was run: a shared link runs it again
});

const positive = (x) => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** A valid state from any partial object. */
export function normalize(p = {}) {
  return {
    method: p.method === 'manual' ? 'manual' : 'autograd',
    lr: positive(p.lr) ? p.lr : DEFAULTS.lr,
    iterations: Number.isInteger(p.iterations) && p.iterations > 0 ? p.iterations : DEFAULTS.iterations,
    degree: Number.isInteger(p.degree) && p.degree >= 1 && p.degree <= 8 ? p.degree : DEFAULTS.degree,
    lrs: typeof p.lrs === 'string' ? p.lrs.slice(0, 200) : DEFAULTS.lrs,
    counts: typeof p.counts === 'string' ? p.counts.slice(0, 200) : DEFAULTS.counts,
    table: p.table === true,
  };
}

export const encodeState = (state) => encodeDiff(normalize(state), DEFAULTS);
export const decodeState = (hash) => normalize(decodeDiff(hash));

/** The /api/regression/polynomial body for gradient descent (with the server's figure). */
export function fitBody(state) {
  return { method: state.method, lr: state.lr, steps: state.iterations, degree: state.degree, figure: true };
}

/** The closed-form fit's body (the line the page draws beside gradient descent's). */
export function closedFormBody(state) {
  return { method: 'closed_form', degree: state.degree };
}

/** The sweep body from parsed lists. */
export function sweepBody(state, lrs, counts) {
  return { method: state.method, lrs, steps: counts, degree: state.degree };
}

/** Whole numbers ≥ 1 from "100, 2000"; throws naming a bad entry. */
export function parseCounts(text) {
  const parts = String(text).split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) throw new Error('give at least one iteration count');
  return parts.map((part) => {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 1) throw new Error(`"${part}" is not a whole number ≥ 1`);
    return n;
  });
}
