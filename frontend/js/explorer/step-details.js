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

/**
 * Fetches the window around the shown step whenever it lacks details; bumps `details` in the store
 * when they land. Returns
 * - `all(trace)`: every step of every pass explained, for traces small enough to ask once per pass
 *   (resolves when they are merged; the store hears of them only when the trace is already shown);
 * - `ahead()`: fetch now the window the next → needs (at the start of a pass: its first step's),
 *   called once the graph is drawn so the server's re-run does not share the cores with the
 *   drawing, and answers while the student looks, not after the first →.
 * One set of requests in flight serves both: a window asked for by one is not asked again by the other.
 */
export function mountStepDetails(store) {
  const pending = new Map(); // `${pass}:${from}` → the request's promise

  function fetchWindow(trace, pass, passIndex, from, to) {
    const key = `${passIndex}:${from}`;
    if (!pending.has(key)) {
      const answering = request(trace, passIndex, from, to)
        .then((answer) => {
          mergeDetails(pass, answer);
          if (store.get('trace') === trace) store.set({ details: (store.get('details') || 0) + 1, detailsError: null });
        })
        .finally(() => pending.delete(key));
      pending.set(key, answering);
    }
    return pending.get(key);
  }

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
    try {
      await fetchWindow(trace, pass, passIndex, from, to);
    } catch (error) {
      if (store.get('trace') === trace) store.set({ detailsError: error.message });
    }
  }

  function all(trace) {
    // `pass` is the pass's program-wide index (a training loop's trace holds one of its thousands)
    const small = trace.passes
      .map((pass, i) => [pass, pass.index ?? i])
      .filter(([pass]) => pass.steps.length && pass.steps.length <= DETAIL_WINDOW);
    return Promise.all(small.map(([pass, index]) => fetchWindow(trace, pass, index, 0, pass.steps.length)));
  }

  store.on(['trace', 'position', 'passIndex'], () => ensure());
  return { all, ahead: () => ensure(true) };
}
