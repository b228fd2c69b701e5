// What a graph node says about gradients at the displayed step: its accumulator in this backward
// call, and, once its own node has run, the tensor's real `.grad` (which sums every call).

import { formatTensor } from '../shared/format.js';
import { accumulatorOf, dotGradAt } from './accumulators.js';

/** A tensor in two elements at most, so a vector's node stays narrow enough to read. */
export function shortValue(tensor) {
  return formatTensor(tensor, { maxElements: 2, digits: 4, short: true });
}

/** The node's gradient lines at `state` of `pass` ([] until a gradient reaches it). */
export function gradLines(node, pass, state) {
  if (!state || !state.reached.has(node.id)) return [];
  const accumulator = shortValue(accumulatorOf(state, node.id));
  const grad = dotGradAt(pass, state, node);
  if (grad === undefined) return [`accumulator ${accumulator}`];
  return [`.grad ${grad ? shortValue(grad) : 'None'}`, `this pass adds ${accumulator}`];
}
