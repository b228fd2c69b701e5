// A link that carries its program (#src=…) asks for the trace before the page's modules load: the
// request used to leave only once Cytoscape, CodeMirror and every panel had been fetched, parsed
// and mounted (0.2–1 s after navigation, while the server sat idle). index.html loads this module
// first, async; main.js takes the answer if it is for the request it would have made itself.

import { postJSON } from '../shared/api.js';
import { readLocation } from '../shared/url-state.js';

/** The body of the trace request a run of `source` with `inputs` sends (main.js): one definition. */
export function traceBody(source, inputs, passIndex = null) {
  return { source, inputs, format: 'compact', ...(passIndex === null ? {} : { pass_index: passIndex }) };
}

let early = null; // {key, answer: Promise}

const fromUrl = readLocation();
if (fromUrl.source) {
  const body = traceBody(fromUrl.source, fromUrl.inputs);
  const answer = postJSON('/api/trace', body);
  answer.catch(() => {}); // an error is reported by the run that takes it
  early = { key: JSON.stringify(body), answer };
}

/** The early answer for `body` (once), or null when none was asked for this exact request. */
export function takePrefetched(body) {
  if (!early || early.key !== JSON.stringify(body)) return null;
  const { answer } = early;
  early = null;
  return answer;
}
