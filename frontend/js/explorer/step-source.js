// Where the current backward step is in the program: the code that made its node, and the
// register_*hook calls of the program's hooks that ran in that step (pass.hooks). The editor lights
// them as the graph marks the node, so a student stepping through backward sees which line's
// operation PyTorch's engine is differentiating, and which hook it just called.

/**
 * The spans to light at `position` (steps run) of `pass`, whose current step's node is `node`:
 * [{span, kind: 'step' | 'hook'}], none before the first step.
 */
export function stepSpans(pass, position, node) {
  if (!pass || !node || position < 1) return [];
  const spans = node.span ? [{ span: node.span, kind: 'step' }] : [];
  for (const hook of pass.hooks || []) {
    if (hook.step === position - 1 && hook.span) spans.push({ span: hook.span, kind: 'hook' });
  }
  return spans;
}
