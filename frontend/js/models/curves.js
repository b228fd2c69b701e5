// Loss and accuracy curves of several models (train dotted, test solid), drawn with Plotly.react.

import { emptyPlot } from '../shared/empty-plot.js';
import { toNumber } from '../shared/format.js';
import { reactFramed } from '../shared/legend-room.js';
import { LIGHT, palette, themedLayout } from '../shared/palette.js';
import { PLOT_CONFIG } from '../shared/plot-frame.js';
import { loadPlotly } from '../shared/plotly-loader.js';

const FONT = { size: 15 };

/**
 * Plotly traces of `metric` ('loss' or 'accuracy') for each {id, name, curve} model, coloured from `p`,
 * named by `labels` (id → label: labels.js, as the table names them) or else by the model's name.
 */
export function curveTraces(models, metric, p = LIGHT, labels = new Map()) {
  const traces = [];
  models.forEach((m, i) => {
    const color = p.series[i % p.series.length];
    const { curve } = m; // columns: curve.step[k], curve.test_loss[k]…
    for (const split of ['test', 'train']) {
      const scale = metric === 'accuracy' ? 100 : 1;
      traces.push({
        type: 'scatter', mode: 'lines', name: `${labels.get(m.id) ?? m.name} · ${split}`, legendgroup: m.id,
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
  const draw = (div, metric, layout) => reactFramed(window.Plotly, div, curveTraces(models, metric, p, labels), themedLayout({
    ...base, ...layout, xaxis, uirevision: metric, ...empty,
  }, p), PLOT_CONFIG);
  draw(lossDiv, 'loss', { title: { text: 'Binary cross-entropy' }, yaxis: { title: { text: 'loss' } } });
  draw(accuracyDiv, 'accuracy', { title: { text: 'Accuracy (%)' }, yaxis: { title: { text: '%' } } });
}
