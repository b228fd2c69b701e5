// Step details on demand: a compact trace carries the engine's order, gradients and contributions;
// the formulas, Jacobians and narration of a step come from POST /api/trace/details for a window of
// steps around the one shown (the server re-runs the deterministic program for them).

import { postJSON } from '../shared/api.js';
import { ON_ERROR } from './trace-body.js';
import { mergeDetails } from './trace-decode.js';

/** The server's cap on one details request (MAX_DETAIL_STEPS). */
export const DETAIL_WINDOW = 200;
const BEHIND = 20; // steps kept explained behind the current one, for ← after →
// Stepping (or playing) forward, the next window is asked for this many steps before it is reached:
// at 20,000 nodes a window takes the server about a second (it re-runs the program), so the
// formulas of the step after the window's last are there when the student gets to it.
export const LOOKAHEAD = 50;

function request(trace, passIndex, from, to) {
  return postJSON('/api/trace/details', { source: trace.source, inputs: trace.inputs, pass: passIndex, steps: [from, to], on_error: ON_ERROR });
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
 * Stepping forward, the window after the shown step's is asked for LOOKAHEAD steps before its first.
 */
export function mountStepDetails(store) {
  const pending = new Map(); // `${pass}:${from}` → { pass, from, to, answering }

  function fetchWindow(trace, pass, passIndex, from, to) {
    const key = `${passIndex}:${from}`;
    if (!pending.has(key)) {
      const answering = request(trace, passIndex, from, to)
        .then((answer) => {
          mergeDetails(pass, answer);
          if (store.get('trace') === trace) store.set({ details: (store.get('details') || 0) + 1, detailsError: null });
        })
        .finally(() => pending.delete(key));
      pending.set(key, { pass, from, to, answering });
    }
    return pending.get(key).answering;
  }

  /** Whether step `k` of `pass` is explained or on its way. */
  function covered(pass, k) {
    if (pass.steps[k].detailed) return true;
    for (const asked of pending.values()) if (asked.pass === pass && asked.from <= k && k < asked.to) return true;
    return false;
  }

  /** The first step in [from, to) neither explained nor asked for; -1: none. */
  function firstUncovered(pass, from, to) {
    for (let k = from; k < to; k += 1) if (!covered(pass, k)) return k;
    return -1;
  }

  async function ensure(ahead = false) {
    const trace = store.get('trace');
    const pass = store.pass();
    const position = store.get('position') || (ahead ? 1 : 0);
    if (!trace || !trace.detailsOnDemand || !pass || position === 0) return;
    const step = pass.steps[position - 1];
    if (!step) return;
    const passIndex = pass.index ?? store.get('passIndex');
    const windows = [];
    if (!covered(pass, position - 1)) {
      const from = Math.max(0, position - 1 - BEHIND);
      windows.push(fetchWindow(trace, pass, passIndex, from, Math.min(pass.steps.length, from + DETAIL_WINDOW)));
    }
    const next = firstUncovered(pass, position, Math.min(pass.steps.length, position + LOOKAHEAD));
    if (next >= 0) windows.push(fetchWindow(trace, pass, passIndex, next, Math.min(pass.steps.length, next + DETAIL_WINDOW)));
    try {
      await Promise.all(windows);
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
