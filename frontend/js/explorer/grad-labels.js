// What a graph node says about gradients at the displayed step: its accumulator in this backward
// call, and, once its own node has run, the tensor's real `.grad` (which sums every call).

import { formatTensor } from '../shared/format.js';
import { accumulatorOf, dotGradAt } from './accumulators.js';

/** A tensor in two elements at most, so a vector's node stays narrow enough to read. */
export function shortValue(tensor) {
  return formatTensor(tensor, { maxElements: 2, digits: 4, short: true });
}

/**
 * What the node received once the program's hook (`y.register_hook(h)`, `pass.hooks`) changed the
 * gradient its accumulator summed, when its step has run at `state`; else undefined. PyTorch's
 * engine runs a tensor's hooks just before its node, so the step's grad_output is the hooks' result.
 * (A module's backward hook runs after its node and changes what it sends on: the accumulators it
 * sends to show that, so it adds no line here.)
 */
export function hookedGradient(node, pass, state) {
  const k = pass && pass.hooks ? hookIndex(pass).changedAt.get(node.id) : undefined;
  return k !== undefined && k < state.position ? pass.steps[k].grad_output : undefined;
}

/** The program's hooks that ran in step k of `pass`, in the order they ran ([] when none). */
export function hooksAt(pass, k) {
  return (pass && pass.hooks && hookIndex(pass).byStep.get(k)) || [];
}

/** Did a module's backward hook replace what step k's node sent on (a tuple it returned)? */
export function moduleHookSent(pass, k) {
  return hooksAt(pass, k).some((h) => h.changed && h.kind === 'module');
}

// pass -> {byStep: Map(step -> its hooks), changedAt: Map(node id -> the step a tensor's hook changed
// what it received at)}
const hookIndexes = new WeakMap();

/** Made once per pass: every node's gradient lines and every step ask, and a program may hook many. */
function hookIndex(pass) {
  let index = hookIndexes.get(pass);
  if (!index) {
    index = { byStep: new Map(), changedAt: new Map() };
    for (const hook of pass.hooks) {
      if (!index.byStep.has(hook.step)) index.byStep.set(hook.step, []);
      index.byStep.get(hook.step).push(hook);
      const step = pass.steps[hook.step];
      if (hook.changed && hook.kind !== 'module' && step) index.changedAt.set(step.node, hook.step);
    }
    hookIndexes.set(pass, index);
  }
  return index;
}

/** The node's gradient lines at `state` of `pass` ([] until a gradient reaches it). */
export function gradLines(node, pass, state) {
  if (!state || !state.reached.has(node.id)) return [];
  const accumulator = shortValue(accumulatorOf(state, node.id));
  const grad = dotGradAt(pass, state, node);
  const hooked = hookedGradient(node, pass, state);
  if (grad === undefined) {
    return hooked === undefined ? [`accumulator ${accumulator}`] : [`accumulator ${accumulator}`, `after hook ${shortValue(hooked)}`];
  }
  const dotGrad = `.grad ${grad ? shortValue(grad) : 'None'}`;
  // a leaf's hook changes what AccumulateGrad adds to .grad: the accumulator is what arrived before it
  if (hooked !== undefined) return [dotGrad, `this pass adds ${shortValue(hooked)}`, `before hook ${accumulator}`];
  return [dotGrad, `this pass adds ${accumulator}`];
}
