// The body of POST /api/trace the explorer sends, in a module of its own: the server computes each
// example's at start-up with the same body (api/preset_answers.py; tests/api/test_preset_answers.py
// imports this module in node, which early-trace.js, sending requests when loaded, cannot be).

/**
 * A program that stops with an error (a backward() PyTorch's engine stops, an update outside
 * torch.no_grad()) is answered with the graph made up to it, the steps run and the error (`stopped`),
 * not the error alone: for the page's traces and for their step details (step-details.js), whose
 * re-run must stop the same way.
 */
export const ON_ERROR = 'graph';

/** `iteration` asks for one pass of a training loop. */
export function traceBody(source, inputs, iteration = null) {
  // The compact form (column tables, one float32 buffer) is a tenth of the readable one; what a step
  // says in words and formulas is fetched for the steps shown (step-details.js).
  return { source, inputs, format: 'compact', on_error: ON_ERROR, ...(iteration === null ? {} : { pass_index: iteration }) };
}
