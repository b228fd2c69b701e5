// Where the current backward step is in the program: the code that made its node, and the
// register_*hook calls of the program's hooks that ran in that step (pass.hooks). The editor lights
// them as the graph marks the node, so a student stepping through backward sees which line's
// operation PyTorch's engine is differentiating, and which hook it just called.

import { hooksAt } from './grad-labels.js';

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
  for (const hook of hooksAt(pass, position - 1)) {
    if (hook.span) spans.push({ span: hook.span, kind: 'hook' });
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
  const queue = [...(feeds.get(node.id) || [])];
  const seen = new Set(queue);
  for (let k = 0; k < queue.length && k < SEARCHED; k += 1) {
    const next = trace.nodes[queue[k]]; // a node's id is its position (docs/trace.md)
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

const feedsOf = new WeakMap(); // trace -> Map(node id -> the ids of the nodes it feeds)

function consumers(trace) {
  let feeds = feedsOf.get(trace);
  if (!feeds) {
    feeds = new Map();
    for (const edge of trace.edges || []) {
      if (!feeds.has(edge.source)) feeds.set(edge.source, []);
      feeds.get(edge.source).push(edge.target);
    }
    feedsOf.set(trace, feeds);
  }
  return feeds;
}
