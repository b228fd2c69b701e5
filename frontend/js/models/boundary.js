// The decision boundary of a 2-D model: P(class 1) as a heatmap with the 0.5 contour and the points.

import { reactFramed } from '../shared/legend-room.js';
import { LIGHT, palette, themedLayout } from '../shared/palette.js';
import { PLOT_CONFIG } from '../shared/plot-frame.js';
import { loadPlotly } from '../shared/plotly-loader.js';

/** Plotly traces of a GET /api/models/{id}/boundary answer, coloured from `p`: the classes as the
 * graph's op (0) and output (1) colours over tints of them, the undecided middle in the plot's background. */
export function boundaryTraces(grid, p = LIGHT) {
  const byClass = (k) => grid.points.label.map((l, i) => (l === k ? i : -1)).filter((i) => i >= 0);
  const points = [0, 1].map((k) => {
    const idx = byClass(k);
    return {
      type: 'scatter', mode: 'markers', name: `class ${k}`, x: idx.map((i) => grid.points.x[i]), y: idx.map((i) => grid.points.y[i]),
      marker: { size: 7, color: k ? p.output : p.op, line: { width: 1, color: p.plotBg } },
    };
  });
  return [
    {
      type: 'heatmap', x: grid.x, y: grid.y, z: grid.probability, zmin: 0, zmax: 1, name: 'P(class 1)',
      colorscale: [[0, p.opBg], [0.5, p.plotBg], [1, p.outputBg]], colorbar: { title: { text: 'P(1)' } }, hoverinfo: 'x+y+z',
    },
    {
      type: 'contour', x: grid.x, y: grid.y, z: grid.probability, showscale: false, hoverinfo: 'skip', name: 'P = 0.5',
      contours: { start: 0.5, end: 0.5, size: 1, coloring: 'none' }, line: { color: p.fg, width: 3 },
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
  return loadPlotly().then((Plotly) => reactFramed(Plotly, div, boundaryTraces(grid, palette()), themedLayout(layout), PLOT_CONFIG));
}
