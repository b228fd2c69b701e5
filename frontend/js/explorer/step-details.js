// Step details on demand: a compact trace carries the engine's order, gradients and contributions;
// the formulas, Jacobians and narration of a step come from POST /api/trace/details for a window of
// steps around the one shown (the server re-runs the deterministic program for them).

import { postJSON } from '../shared/api.js';
import { mergeDetails } from './trace-decode.js';

/** The server's cap on one details request (MAX_DETAIL_STEPS). */
export const DETAIL_WINDOW = 200;
const BEHIND = 20; // steps kept explained behind the current one, for ← after →

function request(trace, passIndex, from, to) {
  return postJSON('/api/trace/details', { source: trace.source, inputs: trace.inputs, pass: passIndex, steps: [from, to] });
}

/** Every step of every pass explained, for traces small enough to ask once per pass. */
export async function fetchAllDetails(trace) {
  // `pass` is the pass's program-wide index (a training loop's trace holds one of its thousands)
  const windows = trace.passes.map((pass, i) => (pass.steps.length && pass.steps.length <= DETAIL_WINDOW ? [pass.index ?? i, pass.steps.length] : null));
  const answers = await Promise.all(windows.map((w) => (w ? request(trace, w[0], 0, w[1]) : null)));
  answers.forEach((answer, i) => answer && mergeDetails(trace.passes[i], answer));
}

/**
 * Fetches the window around the shown step whenever it lacks details; bumps `details` in the store
 * when they land. Returns `ahead()`: fetch now the window the next → needs (at the start of a pass:
 * its first step's), called once the graph is drawn so the server's re-run does not share the cores
 * with the drawing, and answers while the student looks, not after the first →.
 */
export function mountStepDetails(store) {
  const pending = new Set();
  async function ensure(ahead = false) {
    const trace = store.get('trace');
    const pass = store.pass();
    const position = store.get('position') || (ahead ? 1 : 0);
    if (!trace || !trace.detailsOnDemand || !pass || position === 0) return;
    const step = pass.steps[position - 1];
    if (!step || step.detailed) return;
    const passIndex = pass.index ?? store.get('passIndex');
    const from = Math.max(0, position - 1 - BEHIND);
    const to = Math.min(pass.steps.length, from + DETAIL_WINDOW);
    const key = `${passIndex}:${from}`;
    if (pending.has(key)) return;
    pending.add(key);
    try {
      const answer = await request(trace, passIndex, from, to);
      if (store.get('trace') !== trace) return;
      mergeDetails(pass, answer);
      store.set({ details: (store.get('details') || 0) + 1 });
    } catch (error) {
      store.set({ detailsError: error.message });
    } finally {
      pending.delete(key);
    }
  }
  store.on(['trace', 'position', 'passIndex'], () => ensure());
  return { ahead: () => ensure(true) };
}
