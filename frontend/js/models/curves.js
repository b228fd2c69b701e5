// Loss and accuracy curves of several models (train dotted, test solid), drawn with Plotly.react.

import { emptyPlot } from '../shared/empty-plot.js';
import { toNumber } from '../shared/format.js';
import { reactFramed } from '../shared/legend-room.js';
import { LIGHT, palette, themedLayout } from '../shared/palette.js';
import { PLOT_CONFIG } from '../shared/plot-frame.js';
import { loadPlotly } from '../shared/plotly-loader.js';
import { middleCut } from './labels.js';

const FONT = { size: 15 };
const LEGEND_MARGIN = 64; // the plot's left margin: the horizontal legend starts at the plot's edge
const LEGEND_SAMPLE = 56; // an entry's line sample, its gap and the legend's padding

let measure = null; // one canvas context for every measurement, made on first use
const widths = new Map(); // text → its width in the legend's font: progress events redraw the same names

/** Whether a legend entry's text fits one row of `div`'s legend, measured in the legend's font. */
function legendFits(div) {
  if (!measure) {
    measure = document.createElement('canvas').getContext('2d');
    measure.font = `${FONT.size}px "Open Sans", verdana, arial, sans-serif`; // Plotly's default family
  }
  const room = Math.max(80, (div.clientWidth || 400) - LEGEND_MARGIN - LEGEND_SAMPLE);
  return (text) => {
    if (!widths.has(text)) {
      if (widths.size > 4096) widths.clear(); // a long session's names, bounded
      widths.set(text, measure.measureText(text).width);
    }
    return widths.get(text) <= room;
  };
}

/**
 * Plotly traces of `metric` ('loss' or 'accuracy') for each {id, name, curve} model, coloured from `p`,
 * named by `labels` (id → label: labels.js, as the table names them) or else by the model's name; a
 * name `fits` refuses is cut in the middle (the whole one in the hover).
 */
export function curveTraces(models, metric, p = LIGHT, labels = new Map(), fits = () => true) {
  const traces = [];
  models.forEach((m, i) => {
    const color = p.series[i % p.series.length];
    const { curve } = m; // columns: curve.step[k], curve.test_loss[k]…
    const label = labels.get(m.id) ?? m.name;
    const short = middleCut(label, (text) => fits(`${text} · train`)); // one cut for both of its entries
    for (const split of ['test', 'train']) {
      const scale = metric === 'accuracy' ? 100 : 1;
      const name = `${short} · ${split}`;
      traces.push({
        type: 'scatter', mode: 'lines', name, legendgroup: m.id, meta: `${label} · ${split}`,
        hovertemplate: '%{meta}<br>update %{x}: %{y:.4g}<extra></extra>',
        x: curve.step, y: curve[`${split}_${metric}`].map((v) => toNumber(v) * scale),
        line: { color, width: split === 'test' ? 3 : 2, dash: split === 'test' ? 'solid' : 'dot' },
      });
    }
  });
  return traces;
}

/** What each plot says with no curve to draw: none trained yet, or none ticked in the table. */
export function emptyText(anyFinished) {
  return anyFinished
    ? 'Tick a finished model in the table below<br>to show its curves here'
    : 'Train a model (the form on the left):<br>its curves are drawn here as it learns';
}

/**
 * Draw both plots for `models`, named by `labels`; `anyFinished`: some model could be ticked (what an
 * empty plot says).
 */
export function drawCurves(lossDiv, accuracyDiv, models, anyFinished = false, labels = new Map()) {
  const base = {
    font: FONT, margin: { l: 64, r: 16, t: 40, b: 40 }, legend: { orientation: 'h', y: -0.2, yanchor: 'top' },
  };
  // A fixed axis up to the longest run's steps, so a curve visibly grows towards its end.
  const longest = Math.max(1, ...models.map((m) => (m.config && m.config.steps) || 0));
  const xaxis = { title: { text: 'updates', standoff: 4 }, range: [0, longest] };
  if (!window.Plotly) { // loaded on first use (js/shared/plotly-loader.js): draw once it is here
    loadPlotly().then(() => drawCurves(lossDiv, accuracyDiv, models, anyFinished, labels));
    return;
  }
  const p = palette();
  const empty = models.length ? {} : emptyPlot(emptyText(anyFinished));
  // Framed for the legend each drew last (legend-room.js): four models are four rows of two entries.
  const draw = (div, metric, layout) => reactFramed(window.Plotly, div, curveTraces(models, metric, p, labels, legendFits(div)), themedLayout({
    ...base, ...layout, xaxis, uirevision: metric, ...empty,
  }, p), PLOT_CONFIG);
  draw(lossDiv, 'loss', { title: { text: 'Binary cross-entropy' }, yaxis: { title: { text: 'loss' } } });
  draw(accuracyDiv, 'accuracy', { title: { text: 'Accuracy (%)' }, yaxis: { title: { text: '%' } } });
}
