// torchviz's drawing of the same program beside ours: the server's SVG, else viz.js on its DOT.

import { postJSON } from '../shared/api.js';
import { el } from '../shared/dom.js';

let vizInstance = null;

async function dotToSvg(dot) {
  if (!vizInstance) {
    const viz = await import('/vendor/viz/viz.js');
    vizInstance = await viz.instance();
  }
  return vizInstance.renderString(dot, { format: 'svg', engine: 'dot' });
}

export function mountTorchvizView(store) {
  const view = document.getElementById('torchviz-view');
  let shownFor = null;
  let objectUrl = null;

  async function render() {
    if (store.get('view') !== 'torchviz') return;
    const trace = store.get('trace');
    // A program that stopped with an error (the in-place pitfall) still built a graph torchviz can draw.
    const program = trace || (store.get('error') ? { source: store.get('source'), inputs: store.get('inputs') } : null);
    if (!program) {
      shownFor = null;
      view.replaceChildren(el('h2', "torchviz's view"), el('p', 'Run a program to see torchviz draw it.', 'muted'));
      return;
    }
    const key = JSON.stringify([program.source, program.inputs]);
    if (key === shownFor) return;
    shownFor = key;
    view.replaceChildren(el('h2', "torchviz's view (make_dot, show_attrs, show_saved)"), el('p', 'drawing…', 'muted'));
    try {
      const result = await postJSON('/api/torchviz', { source: program.source, inputs: program.inputs });
      const warnings = (result.warnings || []).map((warning) => el('p', warning, 'warn'));
      if (!result.svg && !result.dot) {
        // Nothing to draw (e.g. skipped above torchviz_max_nodes): the server says why.
        const why = warnings.length ? warnings : [el('p', 'torchviz drew nothing for this program.', 'warn')];
        if (shownFor === key) view.replaceChildren(el('h2', "torchviz's view"), ...why);
        return;
      }
      let svg = result.svg;
      let how = "Graphviz's dot on the server";
      if (!svg) {
        svg = await dotToSvg(result.dot);
        how = 'viz.js (Graphviz in WebAssembly) in the browser';
      }
      if (shownFor !== key) return;
      // An <img> never runs anything inside the SVG.
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
      const img = el('img');
      img.src = objectUrl;
      img.alt = "torchviz's drawing of the graph";
      const notes = [
        el('h2', "torchviz: make_dot(show_attrs, show_saved)"),
        el('p', `Drawn by ${how}. torchviz shows the structure and saved tensors but no values, gradients or backward order; ours adds them.`, 'muted'),
      ];
      view.replaceChildren(...notes, ...warnings, img);
    } catch (error) {
      if (shownFor === key) view.replaceChildren(el('h2', "torchviz's view"), el('p', error.message, 'error'));
      shownFor = null;
    }
  }

  store.on(['view', 'trace', 'error'], render);
}
