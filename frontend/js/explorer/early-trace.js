// A shared link's trace request leaves as soon as the page starts, not after the explorer's module
// graph (Cytoscape, CodeMirror, KaTeX: a few hundred ms to fetch and parse) has loaded: the server
// traces while the browser parses. index.html loads this module on its own (async, first in <head>);
// main.js takes the answer with requestTrace, the same module instance.

import { postJSON } from '../shared/api.js';
import { readLocation } from '../shared/url-state.js';

/** The body of POST /api/trace the explorer sends; `iteration` asks for one pass of a training loop. */
export function traceBody(source, inputs, iteration = null) {
  // The compact form (column tables, one float32 buffer) is a tenth of the readable one; what a step
  // says in words and formulas is fetched for the steps shown (step-details.js).
  return { source, inputs, format: 'compact', ...(iteration === null ? {} : { pass_index: iteration }) };
}

let early = null;
const link = readLocation();
if (link.source) {
  const body = traceBody(link.source, link.inputs);
  const answer = postJSON('/api/trace', body);
  // Rejections are handled where run() awaits it; one never taken must not log an unhandled rejection.
  answer.catch(() => {});
  early = { key: JSON.stringify(body), answer };
}

/** POST /api/trace: the answer to the request sent at load when `body` is the same (once), else a new request. */
export function requestTrace(body) {
  const taken = early;
  early = null;
  if (taken && taken.key === JSON.stringify(body)) return taken.answer;
  return postJSON('/api/trace', body);
}
