// Which steps of the shown backward pass ran a box's nodes, and where the step cursor stands among
// them: what the "Step through model.fc7's backward" control (box-step-control.js) offers and says.
// Pure: a pass ({steps: [{node}]}), a hierarchy (graph-groups.js) and a box id in, numbers and words out.

import { counted } from '../shared/format.js';

// Per hierarchy and pass, each box's positions once: the control asks on every step.
const cache = new WeakMap(); // hierarchy → WeakMap(pass → Map(box id → positions))

/** The trace node ids inside box `groupId` of `hierarchy`, at any depth (empty for an unknown id). */
export function nodesInBox(hierarchy, groupId) {
  const nodes = new Set();
  const pending = [groupId];
  while (pending.length) {
    const group = hierarchy.groups.get(pending.pop());
    if (!group) continue;
    for (const child of group.children) {
      if (hierarchy.groups.has(child)) pending.push(child);
      else nodes.add(Number(child.slice(1))); // a node's item is `n<id>`
    }
  }
  return nodes;
}

/**
 * The positions of the steps of `pass` that ran a node inside box `groupId`, ascending. A position is
 * the step cursor's value once that step has run (step k of the engine's order, 0-based, is position
 * k + 1; position 0 is the start state), so the cursor goes to `positions[0] - 1` to stand just
 * before the box's first step.
 */
export function boxStepPositions(pass, hierarchy, groupId) {
  if (!pass || !hierarchy) return [];
  let byPass = cache.get(hierarchy);
  if (!byPass) cache.set(hierarchy, (byPass = new WeakMap()));
  let byBox = byPass.get(pass);
  if (!byBox) byPass.set(pass, (byBox = new Map()));
  let positions = byBox.get(groupId);
  if (positions === undefined) {
    const inside = nodesInBox(hierarchy, groupId);
    positions = [];
    if (inside.size) pass.steps.forEach((step, k) => inside.has(step.node) && positions.push(k + 1));
    byBox.set(groupId, positions);
  }
  return positions;
}

/**
 * The position in `passes` of the first backward call other than `shown` whose steps ran a node of box
 * `groupId`, or -1: a training loop of a few calls draws every iteration's graph, and iteration 1's box
 * has no steps in the last call, the one shown.
 */
export function passOfBox(passes, hierarchy, groupId, shown) {
  if (!passes || !hierarchy) return -1;
  return passes.findIndex((pass, k) => k !== shown && boxStepPositions(pass, hierarchy, groupId).length > 0);
}

/** How many of `positions` are ≤ `position` (binary search: a box of a long pass holds thousands). */
function doneAt(positions, position) {
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (positions[mid] <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Where the cursor at `position` stands among a box's step `positions`: `done` of its `count` steps
 * have run; `at` is k (1-based) when the current step is its k-th step, else 0; `next` is the position
 * of its next step to run, or null once all ran.
 */
export function boxProgress(positions, position) {
  const done = doneAt(positions, position);
  return {
    count: positions.length,
    done,
    at: done > 0 && positions[done - 1] === position ? done : 0,
    next: done < positions.length ? positions[done] : null,
  };
}

/**
 * Where "skip to its next step" goes: between two of a box's steps that other nodes' steps separate
 * (the cursor past its first, its next more than one → away), the position just before its next
 * step; else null (→ or the first step's button do it).
 */
export function skipTarget(positions, position) {
  const { done, next } = boxProgress(positions, position);
  return done > 0 && next !== null && next > position + 1 ? next - 1 : null;
}

/** Whether the box's steps follow one another in the pass (→ walks them without leaving the box). */
export function contiguous(positions) {
  return positions.length > 0 && positions.at(-1) - positions[0] === positions.length - 1;
}

/** "step 212", "steps 212–221", or "4 steps, 212–230" when other steps run between them. */
export function stepsText(positions) {
  if (positions.length === 0) return 'no steps';
  if (positions.length === 1) return `step ${positions[0]}`;
  const range = `${positions[0]}–${positions.at(-1)}`;
  return contiguous(positions) ? `steps ${range}` : `${positions.length} steps, ${range}`;
}

/**
 * The control's button in parts: the verb, the box's name, a filler, where its steps are. The strip
 * keeps one line by dropping the verb where it is narrow, then shortening the filler, then the name
 * (each with an ellipsis), never the steps.
 */
export function buttonParts(label, positions) {
  return { verb: 'Step through ', name: label, aside: "'s backward", tail: `: ${stepsText(positions)}` };
}

/** The control's button: "Step through model.fc7's backward: steps 212–221". */
export function buttonText(label, positions) {
  const { verb, name, aside, tail } = buttonParts(label, positions);
  return verb + name + aside + tail;
}

/**
 * What the control says of the cursor at `position` against the box's step `positions`, without the
 * box's name: "step 3 of 10", "→ runs its step 1 of 10", "3 of 10 done, its next is step 230", "all
 * 10 steps done"; '' when the cursor has not come near it (the button says where its steps are).
 * Beside the button, which names the box, the strip shows only this.
 */
export function progressWords(positions, position) {
  const { count, done, at, next } = boxProgress(positions, position);
  if (count === 0) return 'no steps in this backward call';
  if (at) return `step ${at} of ${count}`;
  if (next === null) return `all ${counted(count, 'step')} done`;
  if (next === position + 1) return `→ runs its step ${done + 1} of ${count}`;
  if (done > 0) return `${done} of ${count} done, its next is step ${next}`;
  return '';
}

/**
 * What the control says, the box named: "model.fc7: step 3 of 10", "model.fc7: → runs its step 1
 * of 10", "model.fc7: 3 of 10 done, its next is step 230", "model.fc7: all 10 steps done"; '' when
 * the cursor has not come near it.
 */
export function progressText(label, positions, position) {
  const words = progressWords(positions, position);
  return words ? `${label}: ${words}` : '';
}
