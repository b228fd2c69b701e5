// Plotly.react for pages whose first view must not wait for Plotly (issue 13: a cold browser spent
// ~450 ms of a lab page's opening compiling the bundle and running its first newPlot). Until Plotly
// has loaded, a plot is sketched at once (sketch-plot.js: the same traces and layout in SVG) and
// Plotly draws over it later; once loaded, plots go straight to Plotly. Plotly is fetched and run
// only after releasePlotly(), which a page calls once its first view is on screen: not preloaded,
// whose compile of the whole bundle (its compile hint) competed with that view for the CPU.

import { reactFramed } from './legend-room.js';
import { readableLogAxes } from './log-axes.js';
import { frameLayout, isNarrow, PLOT_CONFIG, stacksWhenNarrow } from './plot-frame.js';
import { loadPlotly } from './plotly-loader.js';
import { sketch, sketchedLegendHeight, unsketch } from './sketch-plot.js';


// A page that never calls releasePlotly() (its opening request failed oddly) still gets Plotly.
const RELEASE_ANYWAY_MS = 5000;
let release;
const released = new Promise((resolve) => { release = resolve; });
setTimeout(() => release(), RELEASE_ANYWAY_MS);
let loaded = false; // set before any queued draw runs: a draw asked for later goes straight to Plotly
const plotly = released.then(() => loadPlotly()).then((Plotly) => {
  loaded = true;
  return Plotly;
});
plotly.catch(() => {}); // each plot's `plotted` reports the failure

/** Let Plotly run, after the frame being prepared is painted (a page's first view, just drawn). */
export function releasePlotly() {
  requestAnimationFrame(() => setTimeout(release, 0));
}

const latest = new WeakMap(); // div → its newest queued Plotly draw: older ones are skipped

// A figure whose subplots stack in a narrow box is drawn again when its box crosses the width
// (a phone turned, a window narrowed): Plotly's own resize (`responsive`) keeps the old layout.
const framedFor = new WeakMap(); // div → [data, layout, config, framed narrow]
const reframe = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    const [data, layout, config, narrow] = framedFor.get(target);
    if (isNarrow(target.clientWidth) !== narrow) plot(target, data, layout, config);
  }
});
const waiting = new Set(); // Plotly draws asked for before Plotly had loaded, not done yet

/**
 * Plotly.react(div, data, layout, config), or a sketch of it now and Plotly's drawing once loaded,
 * its log axes labelled with whole numbers (log-axes.js), the layout framed for the div's size (plot-frame.js: the mode bar's band, stacked subplots; its
 * legend's drawn height: legend-room.js).
 * Returns a promise resolved when the plot is on screen (sketched or drawn; it never rejects), whose
 * `plotted` resolves to the div once Plotly has drawn it (rejects if Plotly could not be loaded).
 */
export function plot(div, data, layout, config = PLOT_CONFIG) {
  const given = readableLogAxes(data, layout);
  if (stacksWhenNarrow(given)) {
    framedFor.set(div, [data, given, config, isNarrow(div.clientWidth)]);
    reframe.observe(div);
  }
  if (loaded) {
    const plotted = reactFramed(window.Plotly, div, data, given, config).finally(() => unsketch(div));
    latest.set(div, plotted);
    return Object.assign(plotted.then(() => undefined, () => undefined), { plotted });
  }
  // Framed for the legend the sketch draws, as Plotly's drawing will be for the one it draws
  // (legend-room.js): a legend of three rows grew Plotly's figure and the sketch's plot was 15 px short.
  const legendHeight = sketchedLegendHeight(data, given) || undefined;
  sketch(div, data, frameLayout(given, { width: div.clientWidth, height: div.clientHeight, legendHeight }));
  // Each waiting plot drawn in a task of its own (a first newPlot is 0.1-0.2 s cold), in the order
  // asked: a click between them is answered instead of waiting for every plot of the page.
  const plotted = plotly.then((Plotly) => new Promise((resolve) => setTimeout(resolve, 0)).then(() => {
    if (latest.get(div) !== plotted) return latest.get(div); // a newer draw of this div follows
    return reactFramed(Plotly, div, data, given, config).finally(() => unsketch(div));
  }));
  latest.set(div, plotted);
  waiting.add(plotted);
  plotted.then(() => waiting.delete(plotted), () => waiting.delete(plotted));
  return Object.assign(Promise.resolve(), { plotted });
}

/**
 * Resolves once Plotly has drawn every plot asked for so far (at once when none waits for it):
 * what a page's status waits for after an answer drawn by several plots. Rejects as `plotted` does.
 */
export function plotsDrawn() {
  return Promise.all([...waiting]).then(() => undefined);
}

/** Whether Plotly has loaded: a plot asked for from now on is drawn by Plotly in the same task. */
export function plotlyLoaded() {
  return loaded;
}

/** Whether `div` shows a sketch still (Plotly has not drawn it yet). */
export function sketched(div) {
  return !!div.querySelector(':scope > svg.sketch');
}
