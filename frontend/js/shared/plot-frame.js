// The frame of every lab figure (optimization lab, regression, pitfall, models lab), decided here once
// for all of them: where Plotly's mode bar goes, where the title goes, whether subplots side by side
// are stacked, and where a legend below the plot goes. Pure: the box's size comes in, the layout to
// draw goes out.
//
// Plotly puts its mode bar over the figure's top right corner, 2 px from the top and 24 px tall,
// shown while the pointer is over the figure, and on a phone after any tap. Its title sits in the
// same top margin (its baseline on the margin's middle), centred or at 5 %: on a phone (a 373 px
// figure) and even on a 420 px projector column (the optimization lab's loss plot) the bar covered
// the title whenever it showed. So every figure keeps a band of MODEBAR_BAND px at its top for the
// bar alone and its title starts below that band: nothing is under the bar, at any width, and the
// band is there before the bar is (no figure jumps when the pointer arrives).

/** Height (px) of the strip at the top of a figure where Plotly's mode bar shows. */
export const MODEBAR_BAND = 28;

/** Width (px) of a figure below which its subplots side by side are stacked, one under another. */
// Side by side, make_subplots leaves 10 % of the plot width between two subplots; the right one's
// tick labels and axis title ("MSE", "0.1") need ~60 px of it, so under ~700 px they ran into the
// left subplot (at 373 px: a 28 px gap, "MSE" over the data).
export const NARROW_FIGURE = 700;

/** Paper height (px) kept between stacked subplots: the upper one's x ticks and title, the lower one's title. */
const STACK_GAP = 110;
/** A stacked figure is this much taller than the figure it replaces: two plots, each still readable. */
const STACK_GROWTH = 1.6;

// What these buttons do here needs a pointer drag (select and lasso keep points nobody asked for),
// and without them the bar is 50 px shorter.
const UNUSED_BUTTONS = Object.freeze(['select2d', 'lasso2d']);

/** Plotly config of every lab figure: fits its box, no Plotly logo, only the buttons that help here. */
export const PLOT_CONFIG = Object.freeze({
  responsive: true, displaylogo: false, modeBarButtonsToRemove: UNUSED_BUTTONS,
});

const PLOTLY_TOP_MARGIN = 100; // Plotly's own margin.t when a layout gives none

/** Whether a figure `width` px wide stacks its subplots (0: not laid out yet, so not known: keep them). */
export function isNarrow(width) {
  return width > 0 && width < NARROW_FIGURE;
}

/**
 * The layout to draw in a box of `width` × `height` px: a band at the top for the mode bar, the title
 * under it, subplots side by side stacked when the figure is narrow, a legend below the plot under
 * its x axis title, `legendHeight` px tall (as Plotly drew it last: legend-room.js; two rows when not
 * known). `layout` is not changed.
 */
export function frameLayout(layout = {}, { width = 0, height = 0, legendHeight = LEGEND_HEIGHT } = {}) {
  const top = (layout.margin?.t ?? PLOTLY_TOP_MARGIN) + MODEBAR_BAND;
  const framed = { ...layout, margin: { ...(layout.margin || {}), t: top } };
  const title = typeof layout.title === 'string' ? { text: layout.title } : layout.title;
  if (title?.text) {
    // Anchored by its top under the band (its glyphs reach ~4 px above that top), whatever the height.
    framed.title = { ...title, y: 1, yref: 'container', yanchor: 'top', pad: { ...(title.pad || {}), t: MODEBAR_BAND + 6 } };
  }
  const row = subplotRow(layout);
  const arranged = row.length > 1 && isNarrow(width) ? stacked(framed, row, layout.height || height) : framed;
  return withLegendBelow(arranged, arranged.height || height, legendHeight);
}

/** Room (px) from a plot's bottom to a legend below it: the x axis's tick labels and title. */
const LEGEND_DROP = 80;
/** A legend below a plot is placed as if this tall (two rows) until Plotly has drawn it. */
export const LEGEND_HEIGHT = 60;

/**
 * `framed` with a legend `legend` px tall below its plot, moved LEGEND_DROP px under it. Its `y`
 * counts plot heights (-0.22): 88 px down a projector's plot, 46 px down a phone's, where the x axis
 * title ("step") lay over the legend. The plot's height is the figure's less the margins, the bottom
 * one widened by Plotly to hold the legend. A legend of more than two rows makes the figure taller by
 * its extra rows, so the plot keeps its height: seven runs on a phone (seven rows, 177 px) left a
 * 74 px plot and ran over "step".
 */
function withLegendBelow(framed, height, legend) {
  if (!legendBelow(framed) || !(height > 0)) return framed;
  const tall = height + Math.max(0, Math.round(legend) - LEGEND_HEIGHT);
  const plot = plotHeight(framed, tall, legend);
  if (plot < LEGEND_DROP) return framed; // a figure this small has no room to do better
  const placed = { ...framed, legend: { ...framed.legend, y: -LEGEND_DROP / plot, yanchor: 'top' } };
  return tall > height ? { ...placed, height: tall } : placed;
}

/** Whether `layout` puts its legend below the plot, in plot heights (Plotly's 'paper'). */
const legendBelow = ({ legend }) => !!legend && legend.y < 0 && (legend.yref ?? 'paper') === 'paper';

/**
 * The height (px) of the plot in a figure `height` px tall, margins (and a legend below, `legend` px
 * tall) taken off.
 */
function plotHeight(framed, height, legend = LEGEND_HEIGHT) {
  const bottom = legendBelow(framed) ? LEGEND_DROP + Math.max(legend, LEGEND_HEIGHT) : (framed.margin.b ?? 80);
  return height - framed.margin.t - bottom;
}

/** Whether `layout` is framed differently in a narrow box and a wide one (its subplots stack). */
export function stacksWhenNarrow(layout = {}) {
  return subplotRow(layout).length > 1;
}

const axisNumber = (key) => (key === 'xaxis' ? 1 : Number(key.slice(5)));

/**
 * The x axes of subplots laid out in one row (each its own x domain, all over the same y domain),
 * left to right, as [{x, y}] axis keys; [] for anything else (one plot, a grid, overlaid axes).
 */
function subplotRow(layout) {
  const xs = Object.keys(layout).filter((k) => /^xaxis\d*$/.test(k) && Array.isArray(layout[k].domain));
  const pairs = xs.map((x) => ({ x, y: `yaxis${axisNumber(x) === 1 ? '' : axisNumber(x)}` }));
  if (pairs.length < 2 || !pairs.every(({ y }) => Array.isArray(layout[y]?.domain))) return [];
  const [y0, y1] = layout[pairs[0].y].domain;
  if (!pairs.every(({ y }) => layout[y].domain[0] === y0 && layout[y].domain[1] === y1)) return [];
  pairs.sort((a, b) => layout[a.x].domain[0] - layout[b.x].domain[0]);
  const apart = pairs.every((p, i) => i === 0 || layout[pairs[i - 1].x].domain[1] <= layout[p.x].domain[0]);
  return apart ? pairs : [];
}

/** `framed` with the subplots of `row` one under another, left to right becoming top to bottom. */
function stacked(framed, row, height) {
  const tall = Math.round((height || 450) * STACK_GROWTH);
  const gap = Math.min(0.3, STACK_GAP / Math.max(1, plotHeight(framed, tall)));
  const slot = (1 - gap * (row.length - 1)) / row.length;
  const out = { ...framed, height: tall };
  const moved = []; // [old x centre, new y top] of each subplot: where its subplot title goes
  row.forEach(({ x, y }, i) => {
    const upper = Math.round((1 - i * (slot + gap)) * 1e6) / 1e6; // the last one's bottom exactly 0
    const [left, right] = framed[x].domain;
    moved.push([(left + right) / 2, upper]);
    out[x] = { ...framed[x], domain: [0, 1] };
    out[y] = { ...framed[y], domain: [Math.max(0, Math.round((upper - slot) * 1e6) / 1e6), upper] };
  });
  if (Array.isArray(framed.annotations)) {
    // make_subplots' subplot titles: paper annotations centred over each subplot, on its top edge.
    out.annotations = framed.annotations.map((a) => {
      const over = a.xref === 'paper' && a.yref === 'paper' && moved.find(([centre]) => Math.abs(a.x - centre) < 1e-6);
      return over ? { ...a, x: 0.5, y: over[1] } : a;
    });
  }
  return out;
}
