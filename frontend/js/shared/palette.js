// The colours scripts draw with (the graph's canvas, Plotly, exports). They come from the CSS custom
// properties of the current theme (css/base.css), so light, dark and presentation each get their own
// without a second copy here; a page redraws on onPaletteChange(). Read once per theme: a redraw asks
// for dozens of colours, and getComputedStyle on the root costs a style recalculation.

import { themeColor } from './theme.js';

// name in scripts → custom property (without --), with the light theme's value for a page whose
// stylesheet did not load (the fallback keeps drawings visible rather than transparent).
const PROPERTIES = {
  fg: ['fg', '#1b1d23'],
  muted: ['muted', '#5b6270'],
  bg: ['bg', '#fbfbfd'],
  panel: ['panel', '#ffffff'],
  accent: ['accent', '#2456c9'],
  focus: ['focus', '#f0b400'],
  input: ['input', '#0f7b46'],
  op: ['op', '#2456c9'],
  output: ['output', '#b5361c'],
  inputBg: ['node-input-bg', '#e2f4ea'],
  opBg: ['node-op-bg', '#e3ebfc'],
  outputBg: ['node-output-bg', '#fbe4de'],
  nodeFg: ['node-fg', '#1b1d23'],
  groupBg: ['node-group-bg', '#f3f0fb'],
  group: ['group', '#6d4fc2'],
  groupLabel: ['group-label', '#4b2fa0'],
  savedBg: ['node-saved-bg', '#fff1d6'],
  saved: ['saved', '#a05a00'],
  activeBg: ['node-active-bg', '#fff7e6'],
  selected: ['selected', '#7c3aed'],
  match: ['match', '#2456c9'],
  edge: ['edge', '#8a93a6'],
  edgeSaved: ['edge-saved', '#d4a053'],
  flow: ['flow', '#d97706'],
  flowLabel: ['flow-label', '#b45309'],
  plotBg: ['plot-bg', '#ffffff'],
  plotGrid: ['plot-grid', '#e3e6ee'],
  error: ['error', '#b3261e'],
  errorBg: ['error-soft', '#fdecea'],
};
const SERIES_FALLBACK = ['#2456c9', '#b5361c', '#0f7b46', '#a05a00', '#7b3fa0', '#00838f', '#c2185b', '#546e7a'];

/** The light theme's palette, for code that has no document (SVG export in node tests). */
export const LIGHT = Object.freeze({
  ...Object.fromEntries(Object.entries(PROPERTIES).map(([name, [, fallback]]) => [name, fallback])),
  series: Object.freeze([...SERIES_FALLBACK]),
});

let cached = null;
let cachedFor = '';

/** What decides the colours: the theme and whether presentation mode (high contrast) is on. */
function paletteKey() {
  const { theme = 'light', present = 'off' } = document.documentElement.dataset;
  return `${theme}|${present}`;
}

/** Every named colour of the current theme, and `series` (8 colours for plot lines and runs). */
export function palette() {
  const key = paletteKey();
  if (cached && cachedFor === key) return cached;
  const colours = Object.fromEntries(
    Object.entries(PROPERTIES).map(([name, [property, fallback]]) => [name, themeColor(property, fallback)]),
  );
  colours.series = Object.freeze(SERIES_FALLBACK.map((fallback, i) => themeColor(`series-${i + 1}`, fallback)));
  cached = Object.freeze(colours);
  cachedFor = key;
  return cached;
}

/** The colour of series (run, model) `i`, cycling through eight. */
export function seriesColor(i) {
  const { series } = palette();
  return series[((i % series.length) + series.length) % series.length];
}

/** Call `redraw` whenever the colours change (theme picked, presentation switched); returns an unsubscribe. */
export function onPaletteChange(redraw) {
  const listener = () => redraw(palette());
  document.addEventListener('themechange', listener);
  return () => document.removeEventListener('themechange', listener);
}

const AXIS = /^[xy]axis\d*$/;

/**
 * `layout` (a Plotly layout, the server's figures included) in the theme's colours: background, text,
 * grid and axis lines, legend, colour bars. What the layout says about anything else is kept.
 */
export function themedLayout(layout = {}, p = palette()) {
  const axisColours = { color: p.fg, gridcolor: p.plotGrid, zerolinecolor: p.plotGrid, linecolor: p.muted };
  const out = {
    ...layout,
    paper_bgcolor: p.plotBg,
    plot_bgcolor: p.plotBg,
    font: { ...(layout.font || {}), color: p.fg },
    legend: { ...(layout.legend || {}), bgcolor: 'rgba(0,0,0,0)', font: { ...(layout.legend?.font || {}), color: p.fg } },
  };
  for (const key of new Set(['xaxis', 'yaxis', ...Object.keys(layout).filter((k) => AXIS.test(k))])) {
    out[key] = { ...(layout[key] || {}), ...axisColours };
  }
  // Subplot titles and notes are annotations; a server figure colours them for a white page.
  if (Array.isArray(layout.annotations)) {
    out.annotations = layout.annotations.map((a) => ({ ...a, font: { ...(a.font || {}), color: p.fg } }));
  }
  return out;
}

/**
 * Repaint the plots matching `selector` (already drawn, with their own data) in the current theme's
 * colours: for plots whose traces carry no theme colour (heatmaps, the server's figures).
 */
export function recolourPlots(selector) {
  const Plotly = window.Plotly;
  if (!Plotly) return; // nothing has been plotted yet
  for (const gd of document.querySelectorAll(selector)) {
    if (gd.data && gd.layout) Plotly.react(gd, gd.data, themedLayout(gd.layout));
  }
}

/**
 * `data` (Plotly traces, e.g. a server figure drawn for a white page) with every colour of the light
 * palette replaced by the current theme's counterpart: series by series, grey by grey.
 */
export function themedTraces(data, p = palette()) {
  const swap = new Map();
  for (const [name, value] of Object.entries(LIGHT)) if (typeof value === 'string') swap.set(value.toLowerCase(), p[name]);
  LIGHT.series.forEach((value, i) => swap.set(value.toLowerCase(), p.series[i]));
  const recolour = (c) => (typeof c === 'string' && swap.has(c.toLowerCase()) ? swap.get(c.toLowerCase()) : c);
  const part = (obj) => (typeof obj === 'object' ? { ...obj, color: recolour(obj.color) } : obj);
  return data.map((t) => {
    const out = { ...t };
    for (const key of ['line', 'marker']) if (t[key]) out[key] = part(t[key]);
    return out;
  });
}
