// The decision boundary of a 2-D model: P(class 1) as a heatmap with the 0.5 contour and the points.

import { loadPlotly } from '../shared/plotly-loader.js';

const CONFIG = { responsive: true, displaylogo: false };

/** Plotly traces of a GET /api/models/{id}/boundary answer. */
export function boundaryTraces(grid) {
  const byClass = (k) => grid.points.label.map((l, i) => (l === k ? i : -1)).filter((i) => i >= 0);
  const points = [0, 1].map((k) => {
    const idx = byClass(k);
    return {
      type: 'scatter', mode: 'markers', name: `class ${k}`, x: idx.map((i) => grid.points.x[i]), y: idx.map((i) => grid.points.y[i]),
      marker: { size: 7, color: k ? '#b5361c' : '#2456c9', line: { width: 1, color: '#fff' } },
    };
  });
  return [
    {
      type: 'heatmap', x: grid.x, y: grid.y, z: grid.probability, zmin: 0, zmax: 1, name: 'P(class 1)',
      colorscale: [[0, '#c9d6f5'], [0.5, '#ffffff'], [1, '#f5cfc6']], colorbar: { title: { text: 'P(1)' } }, hoverinfo: 'x+y+z',
    },
    {
      type: 'contour', x: grid.x, y: grid.y, z: grid.probability, showscale: false, hoverinfo: 'skip', name: 'P = 0.5',
      contours: { start: 0.5, end: 0.5, size: 1, coloring: 'none' }, line: { color: '#1b1d23', width: 3 },
    },
    ...points,
  ];
}

/** Draw (or redraw while training) the boundary into `div`. */
export function drawBoundary(div, grid, title) {
  const layout = {
    font: { size: 15 }, margin: { l: 50, r: 20, t: 40, b: 40 }, title: { text: title }, uirevision: 'boundary',
    xaxis: { title: { text: 'x₁' } }, yaxis: { title: { text: 'x₂' }, scaleanchor: 'x' }, legend: { orientation: 'h', y: -0.12 },
  };
  return loadPlotly().then((Plotly) => Plotly.react(div, boundaryTraces(grid), layout, CONFIG));
}
