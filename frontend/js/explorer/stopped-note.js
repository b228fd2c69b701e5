// What the page says of a program that stopped with an error (trace.stopped, docs/trace.md). The
// in-place pitfall's z.backward() runs z's and y.add_'s nodes, then cannot run sqrt's, whose saved
// output add_ changed since; lecture 5's update written without torch.no_grad() stops after its
// backward, at `w -= lr * w.grad`. The graph draws the node red and dashed (graph-model.js); these
// sentences say it where the lesson is read: above the steps (trace-notes.js), at the pass's end
// (step-panel.js) and in the inspector. Anomaly mode's NaN check stops a pass after a node ran: that
// node is the pass's last step, and the sentences say it ran and what it sent on, not that it could not.

import { callsAfter, lineText } from '../shared/errors.js';
import { counted } from '../shared/format.js';
import { nodeTitle } from './state.js';

/** The id of the node a stopped backward() could not run (trace.stopped.node), or null. */
export function stoppedNodeId(trace) {
  return trace.stopped && trace.stopped.node !== undefined ? trace.stopped.node : null;
}

/** PyTorch's message without its closing hint about anomaly detection: the message is the lesson. */
export function engineMessage(stopped) {
  return String(stopped.message).split(' Hint: ')[0];
}

/** " at line 9" for a stop with a line, else '' (every sentence says where it stopped the same way);
 * " at line 22, in train_model() called on line 32" inside the program's functions; " at line 8 of
 * Cell In[1], …" for a notebook's stop in another cell than the recorded block's. */
export function stoppedAtLine(trace) {
  const stopped = trace.stopped;
  return stopped && stopped.line ? ` at ${lineText(stopped.line, stopped.file)}${callsAfter(stopped.calls)}` : '';
}

/** Whether the error stopped a backward pass (PyTorch's engine raised inside it), not the program elsewhere. */
export function stoppedInBackward(trace) {
  return Boolean(trace.stopped && trace.stopped.in_backward);
}

/** The pass the engine stopped: the shown one (the program ended with it). */
function stoppedPass(trace) {
  const passes = trace.passes || [];
  return passes.find((p) => p.index === trace.shown_pass) || passes[passes.length - 1] || null;
}

/** Whether the engine ran the node it stopped at (anomaly mode found NaN in what it sent on), not a
 * node it could not run (a saved value changed in place, a graph already freed). */
export function stoppedAfterNode(trace) {
  const id = stoppedNodeId(trace);
  const pass = stoppedInBackward(trace) && id !== null ? stoppedPass(trace) : null;
  return Boolean(pass && pass.steps.some((step) => step.node === id));
}

/** "y = torch.sqrt(x) (SqrtBackward0)": the node marked, or null when not known; `op` false: "w". */
export function stoppedNode(trace, op = true) {
  const id = stoppedNodeId(trace);
  const node = id === null ? null : trace.nodes.find((n) => n.id === id);
  if (!node) return null;
  return op ? `${nodeTitle(node)} (${node.op})` : nodeTitle(node);
}

// What to write instead, for the errors students meet most, keyed by the start of PyTorch's message
// (or a pattern of it).
const HINTS = [
  [
    'a leaf Variable that requires grad is being used in an in-place operation',
    () => 'Write the update inside a with torch.no_grad() block, so that autograd does not record it: changing a parameter is no part of the function being differentiated.',
  ],
  [
    'grad can be implicitly created only for scalar outputs',
    (trace) => {
      const y = (trace.output && trace.output.name) || 'y';
      return `A vector needs its seed given: ${y}.backward(gradient=torch.ones_like(${y})) differentiates the sum of its elements.`;
    },
  ],
  [
    /^Function '[^']+' returned nan values in its \d+th output\./, // anomaly mode's check
    () => "A NaN in backward comes from a value the forward already made NaN (the square root or log of a negative number, 0/0) or from 0 times an infinite derivative (√x at 0).",
  ],
];

/** The hint for a trace's stop, or ''. */
export function stoppedHint(trace) {
  const message = String(trace.stopped.message);
  const found = HINTS.find(([start]) => (typeof start === 'string' ? message.startsWith(start) : start.test(message)));
  return found ? found[1](trace) : '';
}

const withHint = (trace) => {
  const hint = stoppedHint(trace);
  return hint ? ` ${hint}` : '';
};

/** What happened, in one paragraph above the steps; '' for a trace that did not stop. */
export function stoppedSummary(trace) {
  const stopped = trace.stopped;
  if (!stopped) return '';
  const line = stoppedAtLine(trace);
  if (!stoppedInBackward(trace)) {
    const changing = stoppedNode(trace, false);
    const passes = (trace.pass_summaries && trace.pass_summaries.count) || (trace.passes || []).length;
    const when = passes ? `after ${counted(passes, 'backward pass', 'backward passes')}` : 'before any backward pass';
    const what = changing ? `, changing ${changing} in place (red and dashed), ${when}` : `, ${when}: the graph is what it made up to there`;
    return `The program stopped${line}${what}. The error: ${stopped.message}${withHint(trace)}`;
  }
  const pass = stoppedPass(trace);
  const ran = pass ? pass.steps.length : 0;
  const at = stoppedNode(trace);
  const where = `The program stopped${line}, in backward()`;
  let what;
  if (at && stoppedAfterNode(trace)) {
    const which = ran === 1 ? `its first node, ${at}, red and dashed,` : `${counted(ran, 'node')} of this graph, and the last, ${at}, red and dashed,`;
    what = `: the engine ran ${which} sent NaN on, so anomaly detection stopped the pass after it`;
  } else if (ran && at) what = `: the engine ran ${counted(ran, 'node')} of this graph, then could not run ${at}, red and dashed`;
  else if (ran) what = `: the engine ran ${counted(ran, 'node')} of this graph, then raised`;
  else if (at) what = `: the engine could not run this graph's first node, ${at}, red and dashed`;
  else what = ', before the engine ran any node of this graph';
  return `${where}${what}. PyTorch's error: ${engineMessage(stopped)}${withHint(trace)}`;
}

/** The pass's last words when the engine stopped it: where, and why; '' otherwise. */
export function stoppedEnd(trace, pass) {
  if (!stoppedInBackward(trace) || !pass || pass !== stoppedPass(trace)) return '';
  const at = stoppedNode(trace);
  const then = stoppedAfterNode(trace) ? `Then anomaly detection stopped the engine after ${at}, which sent NaN on` : `Then the engine stopped${at ? ` at ${at}` : ''}`;
  return (
    `${then}: ${engineMessage(trace.stopped)} ` +
    'The program ended at this backward(), as Python would: each .grad is what the nodes run before left in it.'
  );
}

/** What the inspector says of the node marked: why the engine could not run it, or what the program
 * was doing to it when it stopped; '' for any other node. */
export function stoppedInspected(trace, node) {
  if (stoppedNodeId(trace) !== node.id) return '';
  if (stoppedAfterNode(trace)) {
    return `The engine ran this node, and what it sent on holds NaN, so anomaly detection stopped the backward pass after it: ${engineMessage(trace.stopped)}${withHint(trace)}`;
  }
  if (stoppedInBackward(trace)) {
    // Why no saved value is listed: PyTorch refused them, and that refusal is where the engine stopped.
    return `PyTorch refuses to hand out what this node saved, so the engine could not run it: ${engineMessage(trace.stopped)}`;
  }
  return `The program stopped${stoppedAtLine(trace)}, changing this tensor in place: ${trace.stopped.message}${withHint(trace)}`;
}

/** The legend's words for the node marked red and dashed. */
export function stoppedKeyText(trace) {
  return stoppedInBackward(trace) ? 'engine stopped here' : 'in-place change refused';
}
