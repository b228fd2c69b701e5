// The optimization lab's one store and its transitions (pure: each returns a patch for store.set).

import { Store } from '../shared/store.js';
import { plotNumber } from './series.js';
import { currentRun, normalize, runLabel } from './state.js';

/** The lab's store: `lab` is the shareable state (form and runs, in the URL hash); the rest is fetched or derived. */
export function createLabStore(lab) {
  return new Store({
    lab, // normalize()d state: function, form values, the list of runs
    presets: {}, // name → /api/presets entry
    surface: null, // the /api/surface answer drawn under the paths
    results: [], // one /api/trajectory answer per run of lab.runs (or the form's run)
    selected: 0, // the run whose steps the table shows
    upTo: Infinity, // animation: steps revealed so far
  });
}

/** The runs the state describes: its list, or the form's run when the list is empty. */
export const runsOf = (lab) => (lab.runs.length ? lab.runs : [currentRun(lab)]);

/** Legend labels of the runs the results belong to. */
export const labelsOf = (lab) => runsOf(lab).map(runLabel);

/** Every run answered anew: `results` replace the old ones. */
export function answered(state, results) {
  return { results, selected: Math.max(0, Math.min(state.selected, results.length - 1)) };
}

/** One run added to the list (the form's run when `run` is omitted). */
export function runAdded(state, run = currentRun(state.lab)) {
  return { lab: normalize({ ...state.lab, runs: [...state.lab.runs, run] }) };
}

/** Whether every listed run has its answer, so an added run is the only one to compute. */
export const upToDate = (state) => state.lab.runs.length > 0 && state.results.length === state.lab.runs.length;

/** The answer to the run just added appended to the earlier ones. */
export function addedAnswered(state, result) {
  return { results: [...state.results, result], selected: state.results.length };
}

/** Run `i` removed with its answer. */
export function runRemoved(state, i) {
  const runs = [...runsOf(state.lab)];
  runs.splice(i, 1);
  const results = state.results.filter((_, j) => j !== i);
  return { lab: normalize({ ...state.lab, runs }), results, selected: 0 };
}

/** Every run cleared (the form stays). */
export function cleared(state) {
  return { lab: normalize({ ...state.lab, runs: [] }), results: [], selected: 0 };
}

/** A new function: its default start, no runs, no surface yet. */
export function functionChosen(state, fn) {
  const defaults = state.presets[fn] ? state.presets[fn].start : state.lab.start;
  return { lab: normalize({ ...state.lab, fn, start: defaults, runs: [] }), results: [], selected: 0, surface: null };
}

/**
 * Whether a run that "ran all steps" blew up anyway: its loss, still finite, ended at least a
 * thousand times above where it started (and above 1,000) and was still rising. Returns {from, to} or null.
 */
export function divergence(result, factor = 1e3) {
  if (result.reason === 'diverged') return null; // the server said so already
  // Columns (docs/api.md): null is a loss that is not finite; with every=k the rows are a subsample.
  const losses = result.loss.map((v) => plotNumber(v) ?? NaN);
  const last = plotNumber(result.final.loss) ?? NaN;
  if (losses.length < 2 || !Number.isFinite(losses[0]) || !Number.isFinite(last)) return null;
  const first = Math.abs(losses[0]);
  const before = losses[losses.length - 1];
  const rising = Math.abs(last) > Math.abs(before);
  return rising && Math.abs(last) >= factor * Math.max(first, 1) ? { from: losses[0], to: last } : null;
}
