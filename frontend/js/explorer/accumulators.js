// The backward pass as a sequence of states: a pure reducer over the engine's recorded steps.
// Position k means "k steps executed": k = 0 is the start (∂f/∂f = 1 at the root, 0 elsewhere).

/** The state before the first step: each root holds its seed gradient, every other node 0. */
export function initialState(pass) {
  const values = new Map();
  const reached = new Set();
  (pass.roots || []).forEach((root, i) => {
    const first = (pass.steps || []).find((s) => s.node === root);
    const seed = pass.seeds && pass.seeds[i] ? pass.seeds[i] : first ? first.grad_output : 1;
    values.set(root, seed);
    reached.add(root);
  });
  return { position: 0, values, reached, executed: new Set(), contributions: new Map(), changed: [], current: null };
}

function applyInPlace(state, step) {
  for (const input of step.inputs || []) {
    if (input.to === null || input.to === undefined) continue;
    const list = state.contributions.get(input.to) || [];
    list.push({ step: step.index, from: step.node, value: input.contribution });
    state.contributions.set(input.to, list);
    state.reached.add(input.to);
  }
  // [{node, grad}]: the nodes that changed, or every node when `accumulators_complete`. A null grad
  // means "nothing has arrived yet": the node keeps its 0.
  const accumulators = step.accumulators || [];
  for (const { node, grad } of accumulators) if (grad !== undefined && grad !== null) state.values.set(node, grad);
  const changed = step.changed || accumulators.map((a) => a.node);
  state.reached.add(step.node);
  state.executed.add(step.node);
  state.changed = changed;
  state.current = step;
  state.position += 1;
  return state;
}

function cloneState(state) {
  const contributions = new Map();
  for (const [id, list] of state.contributions) contributions.set(id, [...list]);
  return { ...state, values: new Map(state.values), reached: new Set(state.reached), executed: new Set(state.executed), contributions };
}

/** The state after `step` runs from `state` (returns a new state; `state` is left untouched). */
export function applyStep(state, step) {
  return applyInPlace(cloneState(state), step);
}

/** The state after the first `position` steps of `pass` (clamped to the pass's length). */
export function stateAt(pass, position) {
  const steps = pass.steps || [];
  const end = Math.max(0, Math.min(position, steps.length));
  const state = initialState(pass);
  for (let k = 0; k < end; k += 1) applyInPlace(state, steps[k]);
  return state;
}

/** The accumulator of `id` in `state`: the recorded TensorValue, or 0 before anything arrived. */
export function accumulatorOf(state, id) {
  return state.values.has(id) ? state.values.get(id) : 0;
}

const byNode = new WeakMap(); // pass -> Map(node id -> its .grad after the call), made once

/** What the call left in each node's `.grad` (`pass.node_grads`), as a Map; null when not sent. */
function nodeGradsOf(pass) {
  if (!pass.node_grads) return null;
  let map = byNode.get(pass);
  if (!map) {
    map = new Map(pass.node_grads.map(({ node, grad }) => [node, grad]));
    byNode.set(pass, map);
  }
  return map;
}

/**
 * The tensor's real `.grad` at `state`, where the trace tells it, else undefined. A leaf's (or a
 * retained tensor's) `.grad` changes once per backward() call, when its own node runs; from then on
 * it is what the call left (`pass.node_grads`, by node): for a leaf, every earlier call's gradient
 * plus this call's accumulator. torch.autograd.grad leaves `.grad` alone. By node, not by name: a
 * name bound again to another tensor (`w = torch.tensor(3., requires_grad=True)`) names two nodes.
 * A trace saved before `node_grads` existed is read by name (`pass.grads`).
 */
export function dotGradAt(pass, state, node) {
  if (!node || !node.name || !(node.is_leaf || node.retains_grad) || pass.kind === 'grad') return undefined;
  if (!state.executed.has(node.id)) return undefined;
  const grads = nodeGradsOf(pass);
  if (grads) return grads.has(node.id) ? grads.get(node.id) : undefined;
  if (!pass.grads || !(node.name in pass.grads)) return undefined;
  return pass.grads[node.name];
}

/** The edges (producer → consumer) that carry gradient in the step just executed, with their values. */
export function activeEdges(state) {
  if (!state.current) return [];
  return (state.current.inputs || [])
    .filter((input) => input.to !== null && input.to !== undefined)
    .map((input) => ({ source: input.to, target: state.current.node, slot: input.slot, value: input.contribution }));
}

/** Steps between the states a replay keeps, so stepping back costs at most this many steps. */
export const CHECKPOINT_EVERY = 256;

/**
 * `stateAt` for a user stepping through a long pass: one step forward costs one step, a step back
 * (or a jump) replays from the nearest kept state. `at(position)` returns a state that the next call
 * may change in place: read it, do not keep it.
 */
export function createReplay(pass, { every = CHECKPOINT_EVERY } = {}) {
  const steps = pass.steps || [];
  const kept = [initialState(pass)]; // kept[i]: the state at position i * every
  let state = null;
  return {
    at(position) {
      const end = Math.max(0, Math.min(position, steps.length));
      if (!state || state.position > end) {
        const from = Math.min(Math.floor(end / every), kept.length - 1);
        state = cloneState(kept[from]);
      }
      while (state.position < end) {
        applyInPlace(state, steps[state.position]);
        if (state.position % every === 0 && kept.length === state.position / every) kept.push(cloneState(state));
      }
      return state;
    },
  };
}
