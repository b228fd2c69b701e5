// The optimization lab's state: defaults, the URL hash (shareable links) and the request bodies.

import { optimizerNames } from '../shared/optimizers.js';
import { decodeDiff, encodeDiff } from './hash.js';

export const PRESETS = ['himmelblau', 'rosenbrock', 'quadratic', 'least_squares', 'beale', 'accumulation'];
export const OPTIMIZERS = optimizerNames('trajectory');
// Newton's and L-BFGS's step is the whole step the method computes: their learning rate is 1 (a
// first-order method's 5e-4 would take 2,000 steps to make one). They are the methods training does
// not take (the one table, shared/optimizers.js, as the server's TRAJECTORY_ONLY).
const SECOND_ORDER = OPTIMIZERS.filter((name) => !optimizerNames('training').includes(name));

/** The learning rate to show when the optimizer changes from `previous` to `next`: 1 on entering a
 * second-order method, the default on leaving one, else the rate the student set. */
export function lrAfterSwitch(previous, next, lr) {
  const was = SECOND_ORDER.includes(previous);
  const is = SECOND_ORDER.includes(next);
  if (is && !was) return 1;
  if (was && !is) return DEFAULTS.lr;
  return lr;
}
export const OWN = 'source';

export const DEFAULTS = Object.freeze({
  fn: 'himmelblau',
  source: '(u**2 + v - 11)**2 + (u + v**2 - 7)**2',
  kappa: 10,
  start: { u: 1, v: 1 },
  optimizer: 'gd',
  lr: 5e-4,
  steps: 300,
  tol: null,
  clear: true,
  gradient: 'autograd',
  lrs: '1e-4, 5e-4, 1e-3',
  runs: [],
});

/** Ready-made comparisons of the lecture (§10) and beyond. */
export const EXAMPLES = {
  'himmelblau-starts': {
    title: '§10: Himmelblau from three starts',
    state: {
      fn: 'himmelblau', optimizer: 'gd', lr: 5e-4, steps: 300, tol: null, start: { u: 1, v: 1 },
      runs: [[1, 1], [-1, -1], [-1, 1]].map(([u, v]) => ({ optimizer: 'gd', lr: 5e-4, steps: 300, tol: null, clear: true, gradient: 'autograd', start: { u, v } })),
    },
  },
  'rosenbrock-adam-gd': {
    title: 'Adam vs gradient descent on Rosenbrock',
    state: {
      fn: 'rosenbrock', optimizer: 'adam', lr: 0.05, steps: 2000, tol: null, start: { u: -1.5, v: 2 },
      runs: [
        { optimizer: 'gd', lr: 1e-3, steps: 2000, tol: null, clear: true, gradient: 'autograd', start: { u: -1.5, v: 2 } },
        { optimizer: 'adam', lr: 0.05, steps: 2000, tol: null, clear: true, gradient: 'autograd', start: { u: -1.5, v: 2 } },
      ],
    },
  },
  'rosenbrock-second-order': {
    title: 'Newton and L-BFGS vs gradient descent on Rosenbrock',
    state: {
      fn: 'rosenbrock', optimizer: 'lbfgs', lr: 1, steps: 2000, tol: 1e-12, start: { u: -1.5, v: 2 },
      runs: [
        { optimizer: 'gd', lr: 1e-3, steps: 2000, tol: 1e-12, clear: true, gradient: 'autograd', start: { u: -1.5, v: 2 } },
        { optimizer: 'newton', lr: 1, steps: 2000, tol: 1e-12, clear: true, gradient: 'autograd', start: { u: -1.5, v: 2 } },
        { optimizer: 'lbfgs', lr: 1, steps: 2000, tol: 1e-12, clear: true, gradient: 'autograd', start: { u: -1.5, v: 2 } },
      ],
    },
  },
  'quadratic-newton': {
    title: 'Newton takes the ill-conditioned bowl in one step (κ = 10)',
    state: {
      fn: 'quadratic', kappa: 10, optimizer: 'newton', lr: 1, steps: 100, tol: 1e-12, start: { u: -4, v: 3 },
      runs: [
        { optimizer: 'gd', lr: 0.15, steps: 100, tol: 1e-12, clear: true, gradient: 'autograd', start: { u: -4, v: 3 } },
        { optimizer: 'newton', lr: 1, steps: 100, tol: 1e-12, clear: true, gradient: 'autograd', start: { u: -4, v: 3 } },
      ],
    },
  },
  'quadratic-lrs': {
    title: 'Learning rates on an ill-conditioned bowl (κ = 10)',
    state: {
      fn: 'quadratic', kappa: 10, optimizer: 'gd', lr: 0.1, steps: 100, tol: null, start: { u: -4, v: 3 },
      runs: [0.05, 0.15, 0.19, 0.21].map((lr) => ({ optimizer: 'gd', lr, steps: 100, tol: null, clear: true, gradient: 'autograd', start: { u: -4, v: 3 } })),
    },
  },
};

const finite = (x) => typeof x === 'number' && Number.isFinite(x);

function cleanStart(start) {
  if (!start || typeof start !== 'object' || Array.isArray(start)) return null;
  const out = {};
  for (const [name, value] of Object.entries(start)) {
    if (/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) && finite(value)) out[name] = value;
  }
  return out;
}

function cleanRun(run) {
  if (!run || typeof run !== 'object') return null;
  const start = cleanStart(run.start);
  if (!start || !OPTIMIZERS.includes(run.optimizer) || !(finite(run.lr) && run.lr > 0)) return null;
  return {
    optimizer: run.optimizer,
    lr: run.lr,
    steps: Number.isInteger(run.steps) && run.steps > 0 ? run.steps : DEFAULTS.steps,
    tol: finite(run.tol) && run.tol >= 0 ? run.tol : null,
    clear: run.clear !== false,
    gradient: run.gradient === 'manual' ? 'manual' : 'autograd',
    start,
  };
}

/** A full, valid state from any partial object (unknown or malformed fields fall back to defaults). */
export function normalize(partial) {
  const p = partial && typeof partial === 'object' ? partial : {};
  const fn = PRESETS.includes(p.fn) || p.fn === OWN ? p.fn : DEFAULTS.fn;
  return {
    fn,
    source: typeof p.source === 'string' && p.source.length <= 20000 ? p.source : DEFAULTS.source,
    kappa: finite(p.kappa) && p.kappa >= 1 ? p.kappa : DEFAULTS.kappa,
    start: cleanStart(p.start) || { ...DEFAULTS.start },
    optimizer: OPTIMIZERS.includes(p.optimizer) ? p.optimizer : DEFAULTS.optimizer,
    lr: finite(p.lr) && p.lr > 0 ? p.lr : DEFAULTS.lr,
    steps: Number.isInteger(p.steps) && p.steps > 0 ? p.steps : DEFAULTS.steps,
    tol: finite(p.tol) && p.tol >= 0 ? p.tol : null,
    clear: p.clear !== false,
    gradient: p.gradient === 'manual' ? 'manual' : 'autograd',
    lrs: typeof p.lrs === 'string' ? p.lrs.slice(0, 200) : DEFAULTS.lrs,
    runs: Array.isArray(p.runs) ? p.runs.slice(0, 12).map(cleanRun).filter(Boolean) : [],
  };
}

/** The hash (without '#') for `state`: only what differs from the defaults, as JSON. */
export function encodeState(state) {
  return encodeDiff(normalize(state), DEFAULTS);
}

/** The state in `hash` (with or without '#'); anything malformed gives the defaults. */
export function decodeState(hash) {
  return normalize(decodeDiff(hash));
}

/** Numbers from a comma- or space-separated list ("1e-4, 5e-4"); throws naming a bad entry. */
export function parseNumberList(text) {
  const parts = String(text).split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) throw new Error('give at least one number');
  return parts.map((part) => {
    const x = Number(part);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`"${part}" is not a positive number`);
    return x;
  });
}

/** The run the form describes now. */
export function currentRun(state) {
  return {
    optimizer: state.optimizer, lr: state.lr, steps: state.steps, tol: state.tol,
    clear: state.clear, gradient: state.gradient, start: { ...state.start },
  };
}

/** The function part of a request body: a preset or the user's source. */
export function functionBody(state) {
  if (state.fn === OWN) return { source: state.source };
  const body = { preset: state.fn };
  if (state.fn === 'quadratic') body.condition_number = state.kappa;
  return body;
}

/** The /api/surface body of the lab's map: parameters beyond its two held at their start values. */
export function surfaceBody(state) {
  return { ...functionBody(state), nx: 120, ny: 120, fixed: { ...state.start }, fixed_default: 0 };
}

/** The /api/trajectory body of one run. */
export function trajectoryBody(state, run) {
  const body = {
    ...functionBody(state),
    start: run.start,
    optimizer: { name: run.optimizer, lr: run.lr },
    steps: run.steps,
    clear_grad: run.clear,
    gradient: run.gradient,
  };
  if (run.tol !== null && run.tol !== undefined) body.loss_tol = run.tol;
  return body;
}

/** The /api/trajectories body of every run in the state (the form's run when none is listed). */
export function trajectoriesBody(state) {
  const runs = state.runs.length ? state.runs : [currentRun(state)];
  return { runs: runs.map((run) => trajectoryBody(state, run)) };
}

/** A legend label: "adam lr=0.05 from (−1.5, 2)". */
export function runLabel(run) {
  const start = Object.values(run.start).map((v) => String(v)).join(', ');
  return `${run.optimizer} lr=${run.lr} from (${start})${run.clear ? '' : ' no clearing'}`;
}

/** "u=1, v=-1" → { u: 1, v: -1 }; throws naming the entry that is not name=number. */
export function parseStart(text) {
  const out = {};
  const parts = String(text).split(/[,;]+/).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('give a start such as u=1, v=1');
  for (const part of parts) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)$/.exec(part);
    const value = match ? Number(match[2]) : NaN;
    if (!match || !Number.isFinite(value)) throw new Error(`start: "${part}" is not name=number`);
    out[match[1]] = value;
  }
  return out;
}

/** { u: 1, v: -1 } → "u=1, v=-1". */
export function formatStart(start) {
  return Object.entries(start).map(([name, value]) => `${name}=${value}`).join(', ');
}

/** The start for `parameters`: known values kept, the others from `defaults` or 0. */
export function startFor(parameters, current, defaults = {}) {
  const out = {};
  for (const name of parameters) out[name] = name in current ? current[name] : (name in defaults ? defaults[name] : 0);
  return out;
}
