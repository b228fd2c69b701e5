// What the page says of a backward() that PyTorch's engine stopped (trace.stopped, docs/trace.md):
// the in-place pitfall's z.backward() runs z's and y.add_'s nodes, then cannot run sqrt's, whose saved
// output add_ changed since. The graph draws that node red and dashed (graph-model.js); these sentences
// say it where the lesson is read: above the steps (trace-notes.js) and at the pass's end (step-panel.js).

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

/** The pass the engine stopped: the shown one (the program ended with it). */
function stoppedPass(trace) {
  const passes = trace.passes || [];
  return passes.find((p) => p.index === trace.shown_pass) || passes[passes.length - 1] || null;
}

/** "y = torch.sqrt(x) (SqrtBackward0)": the node the engine stopped at, or null when not known. */
export function stoppedNode(trace) {
  const id = stoppedNodeId(trace);
  const node = id === null ? null : trace.nodes.find((n) => n.id === id);
  return node ? `${nodeTitle(node)} (${node.op})` : null;
}

/** What happened, in one paragraph above the steps; '' for a trace whose backward() was not stopped. */
export function stoppedSummary(trace) {
  const stopped = trace.stopped;
  if (!stopped) return '';
  const pass = stoppedPass(trace);
  const ran = pass ? pass.steps.length : 0;
  const at = stoppedNode(trace);
  const where = `The program stopped${stopped.line ? ` at line ${stopped.line}` : ''}, in backward()`;
  let what;
  if (ran && at) what = `: the engine ran ${counted(ran, 'node')} of this graph, then could not run ${at}, red and dashed`;
  else if (ran) what = `: the engine ran ${counted(ran, 'node')} of this graph, then raised`;
  else if (at) what = `: the engine could not run this graph's first node, ${at}, red and dashed`;
  else what = ', before the engine ran any node of this graph';
  return `${where}${what}. PyTorch's error: ${engineMessage(stopped)}`;
}

/** The pass's last words when the engine stopped it: where, and why; '' otherwise. */
export function stoppedEnd(trace, pass) {
  if (!trace.stopped || !pass || pass !== stoppedPass(trace)) return '';
  const at = stoppedNode(trace);
  return (
    `Then the engine stopped${at ? ` at ${at}` : ''}: ${engineMessage(trace.stopped)} ` +
    'The program ended at this backward(), as Python would: each .grad is what the nodes run before left in it.'
  );
}
