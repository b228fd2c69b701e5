import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  frameLayout, isNarrow, MODEBAR_BAND, NARROW_FIGURE, PLOT_CONFIG, stacksWhenNarrow,
} from '../js/shared/plot-frame.js';

// The regression figure's layout as the server sends it (make_subplots(rows=1, cols=2)).
const server = () => ({
  title: { text: 'Polynomial of degree 2' }, font: { size: 16 }, margin: { l: 60, r: 30, t: 60, b: 60 },
  legend: { orientation: 'h', y: -0.15 }, height: 480,
  xaxis: { anchor: 'y', domain: [0, 0.45], title: { text: 'x' } },
  yaxis: { anchor: 'x', domain: [0, 1], title: { text: 'y' } },
  xaxis2: { anchor: 'y2', domain: [0.55, 1], title: { text: 'iteration' } },
  yaxis2: { anchor: 'x2', domain: [0, 1], title: { text: 'MSE' }, type: 'log' },
  annotations: [
    { text: 'data and fits', x: 0.225, y: 1, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false },
    { text: 'loss (log scale)', x: 0.775, y: 1, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false },
  ],
});

test('every figure keeps a band at its top for the mode bar, its title anchored below it', () => {
  const framed = frameLayout({ margin: { l: 70, t: 40 }, title: { text: 'Loss per step' } }, { width: 1200, height: 500 });
  assert.equal(framed.margin.t, 40 + MODEBAR_BAND);
  assert.equal(framed.margin.l, 70);
  assert.deepEqual(framed.title, { text: 'Loss per step', y: 1, yref: 'container', yanchor: 'top', pad: { t: MODEBAR_BAND + 6 } });
  // A title given as a string, and no margin at all (Plotly's 100 px).
  assert.equal(frameLayout({ title: 'f' }).title.text, 'f');
  assert.equal(frameLayout({}).margin.t, 100 + MODEBAR_BAND);
  assert.equal(frameLayout({}).title, undefined);
});

test('a figure without a title (the paths over the contour) gets the same band as the one under it', () => {
  const margin = { l: 60, r: 110, t: 40, b: 50, autoexpand: false };
  assert.deepEqual(frameLayout({ margin }).margin, frameLayout({ margin, title: { text: 'map' } }).margin);
});

test('the layout given is not changed', () => {
  const layout = server();
  frameLayout(layout, { width: 373, height: 340 });
  assert.deepEqual(layout, server());
});

test('subplots side by side stay so on a wide figure', () => {
  const framed = frameLayout(server(), { width: NARROW_FIGURE + 100, height: 480 });
  assert.deepEqual([framed.xaxis.domain, framed.xaxis2.domain], [[0, 0.45], [0.55, 1]]);
  assert.equal(framed.height, 480);
});

test('on a narrow figure subplots are stacked, full width, their titles over each', () => {
  const framed = frameLayout(server(), { width: 373, height: 340 });
  assert.deepEqual([framed.xaxis.domain, framed.xaxis2.domain], [[0, 1], [0, 1]]);
  const [top, bottom] = [framed.yaxis.domain, framed.yaxis2.domain];
  assert.equal(top[1], 1);
  assert.equal(bottom[0], 0);
  const plotHeight = framed.height - framed.margin.t - framed.margin.b;
  assert.ok((top[0] - bottom[1]) * plotHeight >= 90, 'room for the upper x ticks and title and the lower subplot title');
  assert.ok(framed.height > 480, 'taller, for two plots one above the other');
  assert.deepEqual(framed.annotations.map((a) => [a.text, a.x, a.y]), [['data and fits', 0.5, top[1]], ['loss (log scale)', 0.5, bottom[1]]]);
  assert.equal(framed.yaxis2.type, 'log');
});

test('only a row of subplots is stacked: overlaid axes and one plot are left as they are', () => {
  const overlaid = { xaxis: { domain: [0, 1] }, yaxis: { domain: [0, 1] }, xaxis2: { domain: [0, 1], overlaying: 'x' }, yaxis2: { domain: [0, 1] } };
  assert.deepEqual(frameLayout(overlaid, { width: 300 }).xaxis2.domain, [0, 1]);
  assert.equal(frameLayout(overlaid, { width: 300 }).height, undefined);
  const single = { xaxis: { domain: [0, 1] }, yaxis: { domain: [0, 1] } };
  assert.equal(frameLayout(single, { width: 300 }).height, undefined);
  // What first-plot.js watches the box's width for.
  assert.deepEqual([stacksWhenNarrow(server()), stacksWhenNarrow(overlaid), stacksWhenNarrow(single)], [true, false, false]);
});

test('a box not laid out yet (0 px) is not taken for a narrow one', () => {
  assert.equal(isNarrow(0), false);
  assert.equal(isNarrow(373), true);
  assert.equal(isNarrow(NARROW_FIGURE), false);
});

test('the mode bar keeps only the buttons that do something here', () => {
  assert.deepEqual([...PLOT_CONFIG.modeBarButtonsToRemove], ['select2d', 'lasso2d']);
  assert.equal(PLOT_CONFIG.displaylogo, false);
});

test('a legend below the plot is placed a fixed distance under it, whatever the figure\'s height', () => {
  const loss = { margin: { t: 40, b: 60 }, legend: { orientation: 'h', x: 0, y: -0.22, yanchor: 'top' } };
  const drop = (height) => {
    const framed = frameLayout(loss, { width: 373, height });
    assert.equal(framed.legend.yanchor, 'top');
    assert.equal(framed.legend.x, 0);
    // The plot's height once Plotly has widened the bottom margin for the legend (two rows, 60 px).
    const plot = height - framed.margin.t - (80 + 60);
    return -framed.legend.y * plot;
  };
  assert.equal(Math.round(drop(368)), 80); // a phone's plot box
  assert.equal(Math.round(drop(500)), 80); // a projector's
  assert.ok(frameLayout(loss, { width: 373, height: 368 }).legend.y < -0.22, 'further down than -0.22 on a phone');
  // A legend beside or above the plot, one placed in the figure's own height, or no height known: as given.
  assert.equal(frameLayout({ legend: { y: 1 } }, { height: 500 }).legend.y, 1);
  assert.equal(frameLayout({ legend: { y: -0.1, yref: 'container' } }, { height: 500 }).legend.y, -0.1);
  assert.equal(frameLayout(loss, { width: 373 }).legend.y, -0.22);
});

test('a legend of more rows than two makes the figure taller by them, and the plot keeps its height', () => {
  const loss = { margin: { t: 40, b: 60 }, legend: { orientation: 'h', x: 0, y: -0.22, yanchor: 'top' } };
  const two = frameLayout(loss, { width: 373, height: 368 });
  const seven = frameLayout(loss, { width: 373, height: 368, legendHeight: 177 });
  assert.equal(two.height, undefined); // the box's own height
  assert.equal(seven.height, 368 + 177 - 60);
  // The same plot height, so the same place under it: 80 px down.
  assert.equal(seven.legend.y, two.legend.y);
  // A legend of one row is placed as one of two (it ends up a little lower), the figure as it was.
  assert.deepEqual(frameLayout(loss, { width: 373, height: 368, legendHeight: 30 }), two);
});
