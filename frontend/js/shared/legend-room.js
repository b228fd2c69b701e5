// A lab figure's legend below its plot has as many rows as its entries need at the figure's width,
// which only Plotly knows once it has drawn them: plot-frame.js placed every legend as two rows, and
// seven optimizer runs on a phone (seven rows, 177 px) squeezed the plot to 74 px with the legend over
// the x axis title ("step"). So a figure is drawn framed for the legend it showed last, the legend is
// measured, and the figure is drawn again (once) where that moved the legend or grew the figure.

import { frameLayout, LEGEND_HEIGHT } from './plot-frame.js';

// div → {legend: the drawn legend's height (px) or undefined, base: the box's height before a legend
// grew the figure}. Grown, the div's height is the figure's: framing for it would grow it again.
const measured = new WeakMap();
const newest = new WeakMap(); // div → its latest reactFramed call: an older one's second drawing is stale

// A window resized (a phone rotated, a desktop window widened) changes how many rows a legend needs, and
// Plotly's own resize redraws the legend at the new width but keeps the figure's height: a figure grown
// for six rows kept its height with two, or cut off the rows it now needed. So once the resizing pauses
// (a drag fires dozens of events), every framed figure is drawn again and its legend measured again.
// Only a figure whose width changed: a legend's rows depend on nothing else, and a phone fires resize
// whenever its toolbar hides on a scroll (a full-page screenshot fires one, at the same size). Drawn
// again then, each grown figure shrank to its box and grew back, and the page jumped under a thumb.
const RESIZE_PAUSE_MS = 200;
const lastDrawn = new Map(); // div → the arguments of its latest reactFramed call, to draw it again
// div → its width (px) when last framed for a resize (or first drawn). Not any drawing's: the page
// may draw a figure itself during the pause (a theme switched), at the new width but with the old
// width's box height as its base, and only this reframing reads the box afresh.
const framedWidth = new WeakMap();
let resizeTimer = 0;
let watching = false;

function reframeAll() {
  for (const [div, args] of lastDrawn) {
    if (!div.isConnected) {
      lastDrawn.delete(div); // a figure taken off the page is not drawn again
      continue;
    }
    if (div.clientWidth === framedWidth.get(div)) continue;
    reframe(div);
    reactFramed(...args);
  }
}

// A figure about to be framed again for its width now: the box's own height may differ at that width
// too (a phone's stylesheet), so it is read afresh.
function reframe(div) {
  framedWidth.set(div, div.clientWidth);
  const known = measured.get(div);
  if (known?.base !== undefined) {
    div.style.height = '';
    measured.set(div, { legend: known.legend, base: undefined });
  }
}

function watchResize() {
  if (watching || typeof window === 'undefined') return; // node tests draw no figures in a window
  watching = true;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(reframeAll, RESIZE_PAUSE_MS);
  });
}

/** The height (px) of the legend Plotly drew in `div` (its background box), or 0. */
export function drawnLegendHeight(div) {
  const bg = div.querySelector('g.legend rect.bg');
  return bg ? Number(bg.getAttribute('height')) || 0 : 0;
}

/**
 * `given` framed for `div` (plot-frame.js), with the legend height measured there last. Once a
 * legend has grown it, the div is given the figure's height too: Plotly's own resize (`responsive`,
 * a window resized) drops a layout's height and reads the div's, which then cut the legend off.
 */
function framedFor(div, given) {
  const known = measured.get(div) || {};
  const height = known.base ?? div.clientHeight;
  const framed = frameLayout(given, { width: div.clientWidth, height, legendHeight: known.legend });
  if (known.base === undefined) return framed;
  const tall = framed.height ?? height;
  div.style.height = `${tall}px`;
  return { ...framed, height: tall };
}

/**
 * Plotly.react(div, data, layout, config) with `given` framed for the div, then again if the legend
 * it drew needs another place or figure height. Resolves to the div once drawn.
 */
export async function reactFramed(Plotly, div, data, given, config) {
  const call = {};
  newest.set(div, call);
  lastDrawn.set(div, [Plotly, div, data, given, config]);
  if (!framedWidth.has(div)) framedWidth.set(div, div.clientWidth);
  watchResize();
  watchOwnRedraws(div);
  const known = measured.get(div) || {};
  const box = known.base ?? div.clientHeight; // before the drawing can grow the div
  const width = div.clientWidth; // what framedFor frames it for
  const first = framedFor(div, given);
  await Plotly.react(div, data, first, config);
  // A newer drawing of the div was asked for meanwhile (three models ticked in a row): it measures.
  if (newest.get(div) !== call) return div;
  const legend = drawnLegendHeight(div) || undefined;
  measured.set(div, { legend, base: known.base ?? (legend > LEGEND_HEIGHT ? box : undefined) });
  const second = framedFor(div, given);
  if (second.height !== first.height || second.legend?.y !== first.legend?.y) await Plotly.react(div, data, second, config);
  if (newest.get(div) !== call) return div;
  // The window changed width while it drew (a loaded machine: a theme's redraw began at a phone's
  // width, the resize landed meanwhile, Plotly's own resize then redrew the legend in two rows and the
  // figure kept six rows' height): framed for a width it no longer has, it is framed again for its own.
  // (A legend Plotly redrew meanwhile at the same width is watchOwnRedraws's: it looks after every
  // drawing, this one's last included.)
  if (div.clientWidth !== width) {
    reframe(div);
    return reactFramed(Plotly, div, data, given, config);
  }
  div.dataset.legendPx = String(legend ?? 0); // what the drawing is framed for (tests wait for it)
  newest.delete(div); // drawn: Plotly's own redraws from here on are not ours (watchOwnRedraws)
  return div;
}

// Plotly redraws a figure itself when the window is resized (`responsive`), at the div's width, and
// may do so after the resize's pause has reframed it: a loaded machine left the loss figure at a
// phone's framing (legendPx 165, 630 px high) with the legend Plotly drew at 964 px in two rows, 55 px
// (2026-12-05, 2 of 14 runs under two busy loops). After any drawing that is not one of ours, a
// figure whose drawn legend is not the one it is framed for is framed again, a few times in a row at
// most (a legend that keeps changing is left as drawn).
const REPAIRS = 3;
const repairs = new WeakMap(); // div → redraws made in a row for a legend that changed under it
const watched = new WeakSet();

function watchOwnRedraws(div) {
  if (watched.has(div) || typeof div.on !== 'function') return; // Plotly's event API, once drawn
  watched.add(div);
  div.on('plotly_afterplot', () => {
    setTimeout(() => {
      if (newest.has(div) || !div.isConnected || !lastDrawn.has(div)) return; // one of ours is drawing
      const framedFor = Number(div.dataset.legendPx || 0);
      if (drawnLegendHeight(div) === framedFor) {
        repairs.delete(div);
        return;
      }
      const made = repairs.get(div) || 0;
      if (made >= REPAIRS) return;
      repairs.set(div, made + 1);
      reframe(div);
      reactFramed(...lastDrawn.get(div));
    }, 0);
  });
}
