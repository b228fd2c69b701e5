// Where the current backward step is in the program: the code that made its node, and the
// register_*hook calls of the program's hooks that ran in that step (pass.hooks). The editor lights
// them as the graph marks the node, so a student stepping through backward sees which line's
// operation PyTorch's engine is differentiating, and which hook it just called.

const SEARCHED = 200; // nodes walked looking for the call that ran a node made inside a library module

/**
 * The spans to light at `position` (steps run) of `pass`, whose current step's node is `node`:
 * [{span, kind: 'step' | 'call' | 'hook'}], none before the first step. 'call': the node has no code
 * of its own (made inside a library module: nn.Sequential's layers), the program's call that ran it.
 */
export function stepSpans(pass, position, node, trace) {
  if (!pass || !node || position < 1) return [];
  const code = codeOf(trace, node);
  const spans = code ? [{ span: code.span, kind: code.own ? 'step' : 'call' }] : [];
  for (const hook of pass.hooks || []) {
    if (hook.step === position - 1 && hook.span) spans.push({ span: hook.span, kind: 'hook' });
  }
  return spans;
}

/**
 * The code of `node`: its own span, else the span of the nearest node it feeds that has one (for a
 * layer of `model(x)`, an nn.Sequential, that call: the program's code that ran it), or null.
 * {span, own}.
 */
export function codeOf(trace, node) {
  if (node.span) return { span: node.span, own: true };
  if (!trace) return null;
  const feeds = consumers(trace);
  const byId = nodesById(trace);
  const queue = [...(feeds.get(node.id) || [])];
  const seen = new Set(queue);
  for (let k = 0; k < queue.length && k < SEARCHED; k += 1) {
    const next = byId.get(queue[k]);
    if (next && next.span) return { span: next.span, own: false };
    for (const id of feeds.get(queue[k]) || []) {
      if (!seen.has(id)) {
        seen.add(id);
        queue.push(id);
      }
    }
  }
  return null;
}

const indexes = new WeakMap(); // trace -> {feeds: Map(id -> ids it feeds), byId: Map(id -> node)}

function index(trace) {
  let made = indexes.get(trace);
  if (!made) {
    const feeds = new Map();
    for (const edge of trace.edges || []) {
      if (!feeds.has(edge.source)) feeds.set(edge.source, []);
      feeds.get(edge.source).push(edge.target);
    }
    made = { feeds, byId: new Map(trace.nodes.map((n) => [n.id, n])) };
    indexes.set(trace, made);
  }
  return made;
}

const consumers = (trace) => index(trace).feeds;
const nodesById = (trace) => index(trace).byId;
