// A link's trace request leaves as soon as the page starts, not after the explorer's module graph
// (Cytoscape, CodeMirror, KaTeX: a few hundred ms to fetch and parse) has loaded: the server traces
// while the browser parses. index.html loads this module on its own (async, first in <head>);
// main.js takes the answers with requestExamples and requestTrace, the same module instance.

import { getJSON, postJSON } from '../shared/api.js';
import { readLocation } from '../shared/url-state.js';
import { traceBody } from './trace-body.js';

/** The example a link without a program of its own opens. */
export const DEFAULT_EXAMPLE = 'polynomial';

export { traceBody };

/**
 * The example a page opened at `link` shows, and its inputs (main.js's start() chooses the same):
 * the link's example, else the default one, else the first; null when the link has its own program.
 */
export function openingExample(examples, link) {
  if (link.source || !examples.length) return null;
  const example = examples.find((e) => e.id === (link.example || DEFAULT_EXAMPLE)) || examples[0];
  const inputs = Object.keys(link.inputs).length ? link.inputs : example.inputs || {};
  return { example, inputs };
}

/**
 * The examples menu the server wrote into the page (index.html's `examples-data` block, the same
 * list GET /api/examples answers), as a resolved promise; null when the page has none (served from
 * elsewhere, or the block is unreadable), so the menu is fetched.
 */
export function embeddedExamples(doc = document) {
  const block = doc.getElementById('examples-data');
  if (!block) return null;
  try {
    const examples = JSON.parse(block.textContent);
    return Array.isArray(examples) ? Promise.resolve(examples) : null;
  } catch {
    return null;
  }
}

let early = null;
let earlyExamples = null;
let traceAsked = false; // main.js has asked for a trace: an example's early one would be for nothing

function sendEarly(body) {
  const answer = postJSON('/api/trace', body);
  // Rejections are handled where run() awaits it; one never taken must not log an unhandled rejection.
  answer.catch(() => {});
  early = { key: JSON.stringify(body), answer };
}

const link = readLocation();
if (link.source) {
  sendEarly(traceBody(link.source, link.inputs));
} else {
  // An example's link (and the bare page, which opens the default example): the examples menu and
  // then the example's trace leave before main.js has loaded, instead of one after the other once
  // it has (measured: the polynomial example's trace left ~0.4 s after the page opened).
  earlyExamples = embeddedExamples() || getJSON('/api/examples');
  earlyExamples.then((examples) => {
    performance.mark('explorer:examples-received'); // ui13's cold-open breakdown (bench/cold_open_bench.py)
    const opening = openingExample(examples, link);
    if (opening && !traceAsked) sendEarly(traceBody(opening.example.source, opening.inputs));
  }, () => {});
}

/** GET /api/examples: the answer to the request sent at load (once), else a new request. */
export function requestExamples() {
  const taken = earlyExamples;
  earlyExamples = null;
  return taken || getJSON('/api/examples');
}

/** POST /api/trace: the answer to the request sent at load when `body` is the same (once), else a new request. */
export function requestTrace(body) {
  traceAsked = true;
  const taken = early;
  early = null;
  if (taken && taken.key === JSON.stringify(body)) return taken.answer;
  return postJSON('/api/trace', body);
}
