// Tensors as bracketed matrices (small) or Plotly heatmaps (larger 2-D), with their shape.

import { formatNumber, formatShape, formatTensor, tensorMatrix } from '../shared/format.js';
import { onPaletteChange, recolourPlots, themedLayout } from '../shared/palette.js';
import { loadPlotly } from '../shared/plotly-loader.js';

onPaletteChange(() => recolourPlots('.heatmap'));

const MAX_CELLS = 8;

/** A table of `rows` (numbers) with a caption, eliding rows and columns past MAX_CELLS. */
export function matrixTable(rows, caption) {
  const table = document.createElement('table');
  table.className = 'matrix bracketed';
  const body = document.createElement('tbody');
  rows.slice(0, MAX_CELLS).forEach((row, r) => {
    const tr = document.createElement('tr');
    const cells = row.slice(0, MAX_CELLS).map((v) => formatNumber(v));
    if (row.length > MAX_CELLS) cells.push('…');
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
    if (r === MAX_CELLS - 1 && rows.length > MAX_CELLS) {
      const more = document.createElement('tr');
      const td = document.createElement('td');
      td.textContent = `⋮ ${rows.length - MAX_CELLS} more rows`;
      td.colSpan = Math.min(row.length, MAX_CELLS) + 1;
      more.append(td);
      body.append(more);
    }
  });
  table.append(body);
  if (caption) {
    const cap = document.createElement('caption');
    cap.textContent = caption;
    table.append(cap);
  }
  return table;
}

/**
 * The whole tensor: a matrix for up to 8×8, a heatmap for larger 2-D tensors, else a summary line.
 * `number` (an accumulator still at 0) is shown as a 1×1 matrix.
 */
export function tensorView(tensor, { heatmapTitle = '' } = {}) {
  if (tensor === null || tensor === undefined) {
    const span = document.createElement('span');
    span.className = 'muted';
    span.textContent = '—';
    return span;
  }
  if (typeof tensor === 'number') return matrixTable([[tensor]], 'scalar');
  const rows = tensorMatrix(tensor);
  const shape = formatShape(tensor.shape);
  if (rows && rows.length <= MAX_CELLS && rows[0].length <= MAX_CELLS) return matrixTable(rows, shape);
  if (rows && tensor.shape.length === 2) {
    const div = document.createElement('div');
    div.className = 'heatmap';
    // Plotly needs the element in the document to measure it: draw once it is loaded and placed.
    loadPlotly().then(
      (Plotly) =>
        Plotly.react(
          div,
          [{ z: rows, type: 'heatmap', colorscale: 'RdBu', reversescale: true, zmid: 0 }],
          themedLayout({ title: { text: `${heatmapTitle} ${shape}`.trim() }, margin: { l: 40, r: 10, t: 36, b: 30 }, yaxis: { autorange: 'reversed' } }),
          { displayModeBar: false, responsive: true },
        ),
      // No Plotly (offline page, or it failed to load): the numbers as a table instead of a heatmap.
      () => div.replaceWith(matrixTable(rows, shape)),
    );
    return div;
  }
  if (rows) return matrixTable(rows, shape);
  const p = document.createElement('p');
  p.className = 'mono';
  p.textContent = formatTensor(tensor, { maxElements: 12 });
  return p;
}
