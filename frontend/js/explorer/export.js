// Downloads: the drawn graph as SVG or PNG (in the theme it is shown in), the whole trace as JSON.

import { palette } from '../shared/palette.js';
import { graphToSvg } from './graph-svg.js';

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function baseName(store) {
  const step = store.get('position');
  return `${store.get('example') || 'graph'}-step${step}`;
}

export function mountExport(store, graph) {
  document.getElementById('export-svg').addEventListener('click', () => {
    const snapshot = graph.snapshot();
    if (!snapshot) return;
    download(`${baseName(store)}.svg`, new Blob([graphToSvg(snapshot.nodes, snapshot.edges, { palette: palette() })], { type: 'image/svg+xml' }));
  });
  document.getElementById('export-png').addEventListener('click', async () => {
    const cy = graph.cy();
    if (!cy) return;
    const blob = await cy.png({ output: 'blob-promise', full: true, scale: 2, bg: palette().panel });
    download(`${baseName(store)}.png`, blob);
  });
  document.getElementById('export-json').addEventListener('click', () => {
    const trace = store.get('trace');
    if (!trace) return;
    download(`${store.get('example') || 'trace'}.json`, new Blob([JSON.stringify(trace, null, 1)], { type: 'application/json' }));
  });
  const sync = () => {
    for (const id of ['export-svg', 'export-png', 'export-json']) document.getElementById(id).disabled = !store.get('trace');
  };
  store.on(['trace'], sync);
  sync();
}
