// Plotly views of the lab: the function's contour with animated paths, and the loss curves.

import { emptyPlot } from '../shared/empty-plot.js';
import { palette, seriesColor, themedLayout } from '../shared/palette.js';
import { plot } from '../shared/first-plot.js';
import { PLOT_CONFIG } from '../shared/plot-frame.js';
import { displayZ, lossScale, lossSeries, pathSeries, revealedSteps } from './series.js';

const FONT = { size: 16 };

// The function's map is two traces: a heatmap of log(1 + f − min) (what the student reads the
// valleys from; 0.03–0.06 s for the 120×120 grid) and its contour lines (0.05–0.1 s), drawn a frame
// later. One contour trace coloured as a heatmap cost 0.15–0.35 s (Plotly's 'best' smoothing, pixel
// by pixel, under its lines) and held the lab's ready mark back on a cold open (issue 13).
// One pair of traces per surface: a redraw of the same surface (a theme switch) reuses its display
// values instead of recomputing them over the grid.
const landscapes = new WeakMap();

function landscapeTraces(surface) {
  if (!landscapes.has(surface)) landscapes.set(surface, makeLandscape(surface));
  return landscapes.get(surface);
}

function makeLandscape(surface) {
  const z = displayZ(surface.z);
  return {
    heatmap: {
      type: 'heatmap', x: surface.x, y: surface.y, z, colorscale: 'Viridis', zsmooth: 'fast',
      colorbar: { title: { text: 'log(1+f−min)', side: 'right' } }, hoverinfo: 'x+y', showlegend: false, name: 'f',
    },
    lines: {
      type: 'contour', x: surface.x, y: surface.y, z, contours: { coloring: 'none' }, ncontours: 30,
      line: { width: 0.5, color: '#000' }, showscale: false, hoverinfo: 'skip', showlegend: false, name: 'f levels',
    },
  };
}

function pathTraces(result, names, color, label, upTo, index) {
  const [xName, yName] = names;
  const path = pathSeries(result, xName, yName, upTo);
  // Paths often share a valley: later runs are dashed and thinner so earlier ones show through.
  const line = { color, width: Math.max(2, 5 - index), dash: index === 0 ? 'solid' : ['dash', 'dot', 'dashdot'][(index - 1) % 3] };
  const halo = palette().plotBg;
  const traces = [
    // First, a band of the page's background under the path: Viridis runs from near-black to yellow,
    // so no one line colour stands out everywhere on it (the dark theme's light blue vanished on its
    // greens).
    {
      type: 'scatter', mode: 'lines', x: path.x, y: path.y, showlegend: false, hoverinfo: 'skip', legendgroup: label,
      line: { color: halo, width: line.width + 4 },
    },
    { type: 'scatter', mode: 'lines', x: path.x, y: path.y, name: label, line, legendgroup: label },
    {
      type: 'scatter', mode: 'markers', x: path.x.slice(0, 1), y: path.y.slice(0, 1), showlegend: false,
      marker: { symbol: 'circle-open', size: 18, color, line: { width: 3 } }, hoverinfo: 'skip', legendgroup: label,
    },
  ];
  if (path.complete) {
    traces.push({
      type: 'scatter', mode: 'markers', x: path.x.slice(-1), y: path.y.slice(-1), showlegend: false,
      marker: { symbol: 'x', size: 16, color, line: { width: 2, color: halo } }, hoverinfo: 'x+y', legendgroup: label,
    });
  }
  return traces;
}

// The map is two Plotly plots stacked in one box: the contour below, drawn only when the
// function's surface changes, and the paths in a transparent plot above it. Plotly redraws every
// trace of a plot whose data changed, and the 120×120 contour is most of that (measured at load
// ~11: a path change redrew in 160–890 ms with the contour, 40–75 ms without it), so adding a run
// or an animation frame no longer pays for the contour.

// Fixed margins (no autoexpand): the colourbar must not shrink one plot's area and not the other's.
const LANDSCAPE_MARGIN = { l: 60, r: 110, t: 40, b: 50, autoexpand: false };

/** The x and y ranges both plots use: the surface's box. */
export function surfaceRanges(surface) {
  return { x: [surface.x[0], surface.x[surface.x.length - 1]], y: [surface.y[0], surface.y[surface.y.length - 1]] };
}

// The surface each landscape div shows last: contour lines scheduled for an older one are dropped.
const shownSurface = new WeakMap();

/**
 * Draw the function's map (and the axes, title and hover that both plots share): the heatmap at
 * once (the promise resolves once it is on screen, sketched until Plotly has loaded; `plotted` once
 * Plotly has drawn it and takes clicks), its contour lines over it after the next frame is painted
 * (`lines` resolves then; the heatmap stays).
 */
export function drawSurface(div, surface) {
  shownSurface.set(div, surface);
  const traces = surface ? landscapeTraces(surface) : null;
  const ranges = surface ? surfaceRanges(surface) : null;
  const layout = () => ({
    font: FONT, margin: LANDSCAPE_MARGIN, title: { text: 'Path over the function (○ start, × end)' },
    xaxis: { title: { text: surface ? surface.x_name : '' }, range: ranges?.x },
    yaxis: { title: { text: surface ? surface.y_name : '' }, range: ranges?.y },
    showlegend: false, uirevision: 'landscape', // the loss plot and the runs list carry the legend
  });
  const drawn = react(div, traces ? [traces.heatmap] : [], layout());
  drawn.lines = drawn.plotted.then(() => new Promise((resolve) => {
    if (!surface) return resolve(false);
    requestAnimationFrame(() => setTimeout(() => {
      if (shownSurface.get(div) !== surface) return resolve(false); // a newer surface is drawn instead
      resolve(react(div, [traces.heatmap, traces.lines], layout()).plotted.then(() => {
        performance.mark('optimize:contour-lines-drawn');
        return true;
      }));
    }, 0));
  }));
  drawn.lines.catch(() => {}); // the caller handles the heatmap's failure (Plotly not loaded)
  return drawn;
}

/**
 * Draw every run's path up to step `upTo` over the contour, in the axis `ranges` the contour shows
 * (it takes the pointer: hover, zoom and clicks go to the contour below, whose zoom is copied here).
 */
export function drawPaths(div, surface, runs, labels, upTo = Infinity, ranges = surface ? surfaceRanges(surface) : null) {
  const data = [];
  if (surface) {
    const names = [surface.x_name, surface.y_name];
    const traces = runs.map((r, i) => pathTraces(r, names, seriesColor(i), labels[i], upTo, i));
    // Every run's halo under every path: drawn run by run, Adam's band on Rosenbrock hid gradient
    // descent's path, which runs along the same valley.
    data.push(...traces.map(([halo]) => halo), ...traces.flatMap(([, ...rest]) => rest));
  }
  const hidden = { range: ranges ? [...ranges.x] : undefined, visible: false, fixedrange: true };
  const layout = {
    font: FONT, margin: LANDSCAPE_MARGIN, xaxis: hidden, yaxis: { ...hidden, range: ranges ? [...ranges.y] : undefined },
    showlegend: false, hovermode: false,
  };
  return react(div, data, layout, { transparent: true, config: { ...PLOT_CONFIG, displayModeBar: false, staticPlot: true } });
}

// Plotly (1.5 MB cartesian build) loads after the page's first view, which is sketched without it
// (shared/first-plot.js): the form works and the first requests go out meanwhile. Returns
// first-plot's promise: on screen now, `plotted` once Plotly has drawn.
function react(div, data, layout, { transparent = false, config = PLOT_CONFIG } = {}) {
  const themed = themedLayout(layout);
  if (transparent) Object.assign(themed, { paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)' });
  return plot(div, data, themed, config);
}

/** Draw every run's loss per step, up to step `upTo`, on a log axis unless a loss is below 0 (lossScale). */
export function drawLoss(div, runs, labels, upTo = Infinity, title = 'Loss per step') {
  const scale = lossScale(runs);
  const data = runs.flatMap((r, i) => {
    const s = lossSeries(r, upTo, scale);
    // a run of a few points (Newton on the bowl: 12.5, then an exact 0) is its markers too, else a
    // single point would draw nothing
    const few = s.y.filter((v) => v !== null).length < 3;
    const traces = [{
      type: 'scatter', mode: few ? 'lines+markers' : 'lines', x: s.x, y: s.y, name: labels[i],
      line: { color: seriesColor(i), width: 3 }, marker: { size: 9 },
    }];
    if (s.zeros.x.length) {
      // its line and its ▼ zeros hide together from the legend; only then a group: Plotly lays a
      // horizontal legend's groups out apart, taller than the sketch drawn before it loads
      traces[0].legendgroup = labels[i];
      // a log axis has no 0: the exact zeros sit on the floor, pointing down, said in words
      traces.push({
        type: 'scatter', mode: 'markers+text', x: s.zeros.x, y: s.zeros.y, text: s.zeros.x.map((_, k) => (k === 0 ? '0' : '')), // said once: labels at neighbouring steps overlapped
        textposition: 'top center', showlegend: false, legendgroup: labels[i], hovertemplate: `${labels[i]}<br>step %{x}: loss exactly 0<extra></extra>`,
        marker: { symbol: 'triangle-down', size: 13, color: seriesColor(i) }, textfont: { color: seriesColor(i) },
      });
    }
    return traces;
  });
  const note = scale.type === 'log' ? ' (log scale' + (scale.floor !== null ? '; ▼ an exact 0)' : ')') : ' (linear scale: a loss is below 0)';
  const layout = {
    font: FONT, margin: { l: 70, r: 20, t: 40, b: 60 }, title: { text: title + note },
    xaxis: { title: { text: 'step' } },
    yaxis: { title: { text: 'loss' }, type: scale.type, exponentformat: 'power' },
    legend: { orientation: 'h', x: 0, y: -0.22, yanchor: 'top' }, uirevision: 'loss',
    // no run yet: what to do, not a log axis from 0.1 to 10⁴ over steps −1 to 6
    ...(runs.length ? {} : emptyPlot('Press Run (or pick an example):<br>each run\'s loss per step is drawn here')),
  };
  return react(div, data, layout);
}

/**
 * Reveal the runs step by step in `duration` ms whatever their length; `onDone` runs at the end.
 * Frames are at least `interval` ms apart: each is a Plotly redraw of the loss plot and the paths
 * (15–25 ms here, several times that on a loaded machine), and the gaps between them keep the page
 * answering a click at once during the animation (measured: at one frame per display refresh,
 * 45 frames, an "Add run" clicked during the animation waited behind them 1–4 s at load ~12).
 * Returns a function that stops the animation.
 */
export function animate(longest, onFrame, onDone, { duration = 750, interval = 50 } = {}) {
  let started = null;
  let shown = 0;
  let drawnAt = -Infinity;
  let stopped = false;
  const tick = (now) => {
    if (stopped) return;
    if (started === null) started = now;
    const upTo = revealedSteps(longest, now - started, duration);
    if (upTo >= longest) {
      onFrame(Infinity);
      onDone();
      return;
    }
    if (upTo > shown && now - drawnAt >= interval) {
      shown = upTo;
      drawnAt = now;
      onFrame(upTo);
    }
    window.requestAnimationFrame(tick);
  };
  window.requestAnimationFrame(tick);
  return () => { stopped = true; };
}
