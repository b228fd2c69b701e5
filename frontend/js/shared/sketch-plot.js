// A plot's first view drawn without Plotly, in the same box, so a cold browser shows the page's
// content without waiting for the 1.5 MB bundle (issue 13: a cold open spent ~450 ms compiling
// and running Plotly and its first newPlot, which took the lab pages over 1 s). It reads the same
// traces and layout Plotly is given and draws what the pages use: scatter lines and markers, a
// Viridis heatmap with its colour bar, linear and log axes with Plotly's ticks, subplot domains,
// titles, subplot titles and a horizontal legend. The SVG lies over the plot's box until Plotly's
// own drawing is there (plot.js removes it), so nothing moves when it is replaced.

import {
  autoRange, axisKey, digitLabel, formatTick, linearTicks, logTicks, powerLabel, tickTarget, traceAxes, viridis,
} from './sketch-scale.js';

const SVG = 'http://www.w3.org/2000/svg';
const PLOTLY_MARGIN = { l: 80, r: 80, t: 100, b: 80 }; // Plotly's defaults, for a layout that names none
const COLORWAY = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];
let clipIds = 0;

function node(name, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = text;
  return el;
}

/** Every axis the traces use, with its values, whether markers pad it, and the layout's settings. */
function collectAxes(data, layout) {
  const axes = new Map();
  for (const [id, { values, pad }] of traceAxes(data)) axes.set(id, { id, spec: layout[axisKey(id)] || {}, values, pad });
  for (const a of axes.values()) {
    a.log = a.spec.type === 'log';
    const range = a.spec.range;
    a.range = Array.isArray(range) && range.every(Number.isFinite)
      ? [...range] : autoRange(a.values, { log: a.log, pad: a.pad, letter: a.id[0] });
    a.domain = Array.isArray(a.spec.domain) ? a.spec.domain : [0, 1];
  }
  return axes;
}

/** Pixel position of data value `v` on axis `a` (placed by `place`), or null (a gap in a line). */
function pixel(a, v) {
  if (v === null || v === undefined) return null;
  const u = a.log ? Math.log10(v) : Number(v);
  if (!Number.isFinite(u)) return null;
  return a.p0 + ((u - a.range[0]) / (a.range[1] - a.range[0])) * (a.p1 - a.p0);
}

function dashArray(dash, width) {
  const d = Math.max(width, 3); // as Plotly's Drawing.dashStyle
  return { dash: `${3 * d},${3 * d}`, dot: `${d},${d}`, dashdot: `${3 * d},${d},${d},${d}` }[dash];
}

function linePath(trace, xa, ya) {
  let d = '';
  let pen = false;
  (trace.x || []).forEach((xv, i) => {
    const px = pixel(xa, xv);
    const py = pixel(ya, trace.y[i]);
    if (px === null || py === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`;
    pen = true;
  });
  return d;
}

function marker(symbol, px, py, size, colour, lineWidth, lineColour) {
  const r = size / 2;
  if (symbol === 'x') {
    const k = r * 0.8;
    const g = node('g');
    if (lineColour) g.append(node('path', { d: `M${px - k},${py - k}L${px + k},${py + k}M${px - k},${py + k}L${px + k},${py - k}`, stroke: lineColour, 'stroke-width': r * 0.6 + 2 * lineWidth }));
    g.append(node('path', { d: `M${px - k},${py - k}L${px + k},${py + k}M${px - k},${py + k}L${px + k},${py - k}`, stroke: colour, 'stroke-width': r * 0.6 }));
    return g;
  }
  const open = String(symbol).endsWith('-open');
  return node('circle', {
    cx: px, cy: py, r, fill: open ? 'none' : colour, stroke: open ? colour : lineColour || 'none', 'stroke-width': lineWidth,
  });
}

function drawScatter(g, trace, xa, ya, colour) {
  const mode = trace.mode || 'markers';
  if (mode.includes('lines')) {
    const width = trace.line?.width ?? 2;
    g.append(node('path', {
      d: linePath(trace, xa, ya), fill: 'none', stroke: trace.line?.color || colour, 'stroke-width': width,
      'stroke-dasharray': dashArray(trace.line?.dash, width), 'stroke-linejoin': 'round',
    }));
  }
  if (mode.includes('markers')) {
    const m = trace.marker || {};
    (trace.x || []).forEach((xv, i) => {
      const px = pixel(xa, xv);
      const py = pixel(ya, trace.y[i]);
      if (px !== null && py !== null) g.append(marker(m.symbol, px, py, m.size ?? 6, m.color || colour, m.line?.width ?? 0, m.line?.color));
    });
  }
}

function finiteExtent(rows) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of rows) for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

// Viridis in 256 steps, looked up per cell: a 120×120 grid is 14,400 cells on a cold page.
let viridisTable = null;
function viridisAt(t) {
  viridisTable ??= Array.from({ length: 256 }, (_, i) => viridis(i / 255));
  return viridisTable[Math.round(Math.min(1, Math.max(0, t)) * 255)];
}

/** A PNG (data URL) of width × height pixels; `fill(col, row, rgba, offset)` writes each one. */
function imageOf(width, height, fill) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(width, height);
  for (let row = 0; row < height; row += 1) {
    for (let col = 0; col < width; col += 1) fill(col, row, image.data, (row * width + col) * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas.toDataURL();
}

function setColour(rgba, offset, [r, g, b]) {
  rgba[offset] = r;
  rgba[offset + 1] = g;
  rgba[offset + 2] = b;
  rgba[offset + 3] = 255;
}

function drawHeatmap(g, trace, xa, ya) {
  const { x, y, z } = trace;
  // One pass over the cells for whichever bound the trace leaves open (a 120×120 grid: 14,400 cells).
  const extent = trace.zmin == null || trace.zmax == null ? finiteExtent(z) : null;
  const [zlo, zhi] = [trace.zmin ?? extent[0], trace.zmax ?? extent[1]];
  const href = imageOf(x.length, y.length, (col, row, rgba, offset) => {
    const v = z[y.length - 1 - row]?.[col]; // the image's top row is the largest y
    if (Number.isFinite(v)) setColour(rgba, offset, viridisAt((v - zlo) / (zhi - zlo || 1))); // else transparent
  });
  // Each value is a cell centred on its (x, y), as in Plotly: the image reaches half a cell beyond.
  const half = (values, i, j) => (values.length > 1 ? (values[j] - values[i]) / 2 : 0.5);
  const left = pixel(xa, x[0] - half(x, 0, 1));
  const right = pixel(xa, x[x.length - 1] + half(x, x.length - 2, x.length - 1));
  const bottom = pixel(ya, y[0] - half(y, 0, 1));
  const top = pixel(ya, y[y.length - 1] + half(y, y.length - 2, y.length - 1));
  g.append(node('image', {
    href, x: Math.min(left, right), y: Math.min(top, bottom), width: Math.abs(right - left), height: Math.abs(bottom - top),
    preserveAspectRatio: 'none',
  }));
  return [zlo, zhi];
}

function text(content, attrs, size, colour) {
  return node('text', { 'font-size': size, fill: colour, 'font-family': '"Open Sans", verdana, arial, sans-serif', ...attrs }, content);
}

/** A log axis's label: a power of ten (10 with its exponent raised, or 1k, 0.1), or a digit between. */
function logLabel(tick, spec, size, colour, attrs) {
  const format = spec.exponentformat;
  let label;
  if (tick.value !== undefined) return text(formatTick(tick.value, tick.step), attrs, size, colour);
  if (tick.digit) {
    // Plotly's minorloglabels: the digit alone in small type (its default), the whole number, or none.
    if (spec.minorloglabels === 'none') return null;
    size = Math.round(size * 0.75);
    if (spec.minorloglabels !== 'complete') return text(String(tick.digit), attrs, size, colour);
    label = digitLabel(tick.digit, tick.exponent, format);
  } else {
    label = powerLabel(tick.exponent, format);
  }
  if (typeof label === 'string') return text(label, attrs, size, colour);
  const t = text(label.base, attrs, size, colour);
  t.append(node('tspan', { dy: -size * 0.45, 'font-size': Math.round(size * 0.7) }, label.exponent));
  return t;
}

function drawAxis(svg, a, cross, font, colours) {
  if (a.spec.visible === false) return;
  const isX = a.id[0] === 'x';
  const length = Math.abs(a.p1 - a.p0);
  const target = tickTarget(length, a.id[0]);
  const grid = node('g');
  const labels = node('g');
  let widest = 0; // the y tick labels' width, which the y axis title stands clear of
  const place = (u, label) => {
    const p = a.p0 + ((u - a.range[0]) / (a.range[1] - a.range[0])) * (a.p1 - a.p0);
    if (isX) {
      grid.append(node('line', { x1: p, x2: p, y1: cross.q0, y2: cross.q1, stroke: colours.grid }));
      const t = label({ x: p, y: cross.q0 + font + 4, 'text-anchor': 'middle' });
      if (t) labels.append(t);
    } else {
      grid.append(node('line', { y1: p, y2: p, x1: cross.q0, x2: cross.q1, stroke: colours.grid }));
      const t = label({ x: cross.q0 - 6, y: p + font * 0.35, 'text-anchor': 'end' });
      if (!t) return; // a grid line without a label (minorloglabels 'none')
      widest = Math.max(widest, t.textContent.length * font * 0.6);
      labels.append(t);
    }
  };
  if (a.log) {
    for (const tick of logTicks(a.range[0], a.range[1], target, a.spec.dtick)) place(tick.at, (attrs) => logLabel(tick, a.spec, font, colours.fg, attrs));
  } else {
    const { step, ticks } = linearTicks(Math.min(...a.range), Math.max(...a.range), target);
    for (const v of ticks) place(v, (attrs) => text(formatTick(v, step), attrs, font, colours.fg));
  }
  svg.append(grid, labels);
  const title = a.spec.title?.text ?? (typeof a.spec.title === 'string' ? a.spec.title : '');
  if (title) {
    const mid = (a.p0 + a.p1) / 2;
    svg.append(isX
      ? text(title, { x: mid, y: cross.q0 + font * 2.6 + 6, 'text-anchor': 'middle' }, font, colours.fg)
      : text(title, { x: 0, y: 0, 'text-anchor': 'middle', transform: `translate(${Math.max(font, cross.q0 - 16 - widest)},${mid}) rotate(-90)` }, font, colours.fg));
  }
}

// Plotly's colour bar beside the plot area: 30 px wide, 18 px to its right, 10 px short of its ends.
function drawColourBar(svg, trace, range, box, font, colours) {
  const x = box.x1 + 18;
  const [top, bottom] = [box.y0 + 10, box.y1 - 10];
  const href = imageOf(1, 64, (col, row, rgba, offset) => setColour(rgba, offset, viridisAt(1 - row / 63)));
  svg.append(node('image', { href, x, y: top, width: 30, height: bottom - top, preserveAspectRatio: 'none' }));
  svg.append(node('rect', { x, y: top, width: 30, height: bottom - top, fill: 'none', stroke: colours.fg, 'stroke-width': 1 }));
  const { step, ticks } = linearTicks(range[0], range[1], tickTarget(bottom - top, 'y'));
  for (const v of ticks) {
    const py = bottom - ((v - range[0]) / (range[1] - range[0] || 1)) * (bottom - top);
    svg.append(text(formatTick(v, step), { x: x + 36, y: py + font * 0.35 }, font, colours.fg));
  }
  const title = trace.colorbar?.title?.text;
  if (title) {
    const mid = (top + bottom) / 2;
    svg.append(text(title, { x: 0, y: 0, 'text-anchor': 'middle', transform: `translate(${x + 36 + font * 1.9},${mid}) rotate(-90)` }, font, colours.fg));
  }
}

// A legend below the plot (Plotly's y < 0): one row of entries, or one entry a row when the traces
// are grouped (legendgroup). Plotly widens the bottom margin to fit it (margin.autoexpand).
const LEGEND_ROW = 1.47; // × font size, measured on Plotly's legends here
const LEGEND_PAD = 21.5;

function legendItems(data) {
  return data.filter((t) => t.type !== 'heatmap' && t.showlegend !== false && t.name).map((t, i) => ({
    name: t.name, colour: t.line?.color || t.marker?.color || COLORWAY[i % COLORWAY.length],
    dash: t.line?.dash, width: t.line?.width ?? 2, lines: String(t.mode || 'markers').includes('lines'),
  }));
}

function legendRows(data, items) {
  return data.some((t) => t.legendgroup) ? items.length : 1;
}

/**
 * The height (px) of the legend of `data` below a plot of `layout` as Plotly will draw it (its
 * background box: rows of 1.3 em and Plotly's 5 px item gap, 5 px more; within a pixel of the 82 px
 * of the regression figure's three rows and the 177 px of seven runs' loss legend), or 0 for none.
 */
export function sketchedLegendHeight(data, layout = {}) {
  const items = layout.showlegend === false ? [] : legendItems(data);
  if (items.length < 2) return 0;
  return legendRows(data, items) * ((layout.legend?.font?.size ?? layout.font?.size ?? 12) * 1.3 + 5) + 5;
}

function drawLegend(svg, items, rows, layout, box, font, colours) {
  const legend = layout.legend || {};
  const x0 = box.x0 + (legend.x ?? 0) * (box.x1 - box.x0);
  const top = box.y1 - (legend.y ?? -0.15) * (box.y1 - box.y0);
  const rowHeight = font * LEGEND_ROW;
  let x = x0;
  items.forEach(({ name, colour, dash, width, lines }, i) => {
    const y = top + 10 + (rows > 1 ? i : 0) * rowHeight + rowHeight / 2;
    if (rows > 1) x = x0;
    svg.append(lines
      ? node('path', { d: `M${x + 5},${y}h30`, stroke: colour, 'stroke-width': Math.min(width, 5), 'stroke-dasharray': dashArray(dash, width) })
      : node('circle', { cx: x + 20, cy: y, r: 3, fill: colour }));
    svg.append(text(name, { x: x + 40, y: y + font * 0.35 }, font, colours.fg));
    x += 40 + name.length * font * 0.45 + 10;
  });
}

/**
 * Draw `data` with `layout` (as Plotly.react would be given them, colours included) over `div`,
 * replacing an earlier sketch. Returns the SVG.
 */
export function sketch(div, data, layout = {}) {
  unsketch(div);
  const width = div.clientWidth;
  const height = layout.height || div.clientHeight || 450;
  const margin = { ...PLOTLY_MARGIN, ...(layout.margin || {}) };
  const box = { x0: margin.l, x1: width - margin.r, y0: margin.t, y1: height - margin.b };
  const items = layout.showlegend === false ? [] : legendItems(data);
  const legendBelow = items.length > 1 && (layout.legend?.y ?? 1) < 0;
  if (legendBelow && margin.autoexpand !== false) {
    // The plot's bottom where the legend, `y` plot heights below it, ends at the figure's bottom.
    const below = -layout.legend.y;
    const legendHeight = LEGEND_PAD + legendRows(data, items) * (layout.font?.size ?? 12) * LEGEND_ROW;
    box.y1 = Math.min(box.y1, (height - legendHeight + below * box.y0) / (1 + below));
  }
  const font = layout.font?.size ?? 12;
  const colours = { fg: layout.font?.color || '#444', grid: layout.xaxis?.gridcolor || '#eee' };
  const svg = node('svg', { class: 'sketch', width, height, viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true' });
  svg.style.cssText = 'position:absolute;left:0;top:0;z-index:1;';
  if (layout.paper_bgcolor) svg.append(node('rect', { width, height, fill: layout.paper_bgcolor }));
  // The box as tall as the plot Plotly will draw (the regression figure's 480 px in a phone's 340 px
  // box): the sketch lies over the box, and taller it covered the table below it until Plotly came.
  if (layout.height) div.style.minHeight = `${height}px`;

  const axes = collectAxes(data, layout);
  for (const a of axes.values()) {
    const [lo, hi] = a.id[0] === 'x' ? [box.x0, box.x1] : [box.y1, box.y0];
    a.p0 = lo + a.domain[0] * (hi - lo);
    a.p1 = lo + a.domain[1] * (hi - lo);
  }
  const pairs = new Map(); // 'x2y2' → [xaxis, yaxis]: one plot area each
  for (const trace of data) pairs.set(`${trace.xaxis || 'x'}${trace.yaxis || 'y'}`, [axes.get(trace.xaxis || 'x'), axes.get(trace.yaxis || 'y')]);
  if (!pairs.size) pairs.set('xy', [axes.get('x'), axes.get('y')]);

  const heatmap = { trace: null, range: null };
  for (const [key, [xa, ya]] of pairs) {
    const clip = `sketch-clip-${(clipIds += 1)}`;
    const area = { x: Math.min(xa.p0, xa.p1), y: Math.min(ya.p0, ya.p1), width: Math.abs(xa.p1 - xa.p0), height: Math.abs(ya.p1 - ya.p0) };
    svg.append(node('clipPath', { id: clip }));
    svg.lastChild.append(node('rect', area));
    if (layout.plot_bgcolor) svg.append(node('rect', { ...area, fill: layout.plot_bgcolor }));
    drawAxis(svg, xa, { q0: Math.max(ya.p0, ya.p1), q1: Math.min(ya.p0, ya.p1) }, font, colours);
    drawAxis(svg, ya, { q0: Math.min(xa.p0, xa.p1), q1: Math.max(xa.p0, xa.p1) }, font, colours);
    const g = node('g', { 'clip-path': `url(#${clip})` });
    data.forEach((trace, i) => {
      if (`${trace.xaxis || 'x'}${trace.yaxis || 'y'}` !== key || trace.visible === false) return;
      if (trace.type === 'heatmap') {
        heatmap.range = drawHeatmap(g, trace, xa, ya);
        heatmap.trace = trace;
      } else if (!trace.type || trace.type === 'scatter') {
        drawScatter(g, trace, xa, ya, COLORWAY[i % COLORWAY.length]);
      }
    });
    svg.append(g);
  }
  if (heatmap.trace && heatmap.trace.showscale !== false) drawColourBar(svg, heatmap.trace, heatmap.range, box, font, colours);

  const title = layout.title?.text;
  if (title) {
    const at = layout.title.x ?? layout.template?.layout?.title?.x ?? 0.5; // plotly_white's is 0.05
    const anchor = at < 1 / 3 ? 'start' : at > 2 / 3 ? 'end' : 'middle'; // Plotly's xanchor 'auto'
    const size = Math.round(font * 1.4);
    // Anchored by its top (plot-frame.js: under the mode bar's band), or Plotly's default: mid-margin.
    const y = layout.title.yanchor === 'top' ? (layout.title.pad?.t ?? 0) + size * 0.85 : margin.t / 2 + font * 0.5;
    svg.append(text(title, { x: at * width, y, 'text-anchor': anchor }, size, colours.fg));
  }
  for (const a of layout.annotations || []) {
    if (a.xref !== 'paper' || a.yref !== 'paper') continue;
    const px = box.x0 + a.x * (box.x1 - box.x0);
    const py = box.y1 - a.y * (box.y1 - box.y0) - (a.yanchor === 'bottom' ? 6 : 0);
    svg.append(text(a.text, { x: px, y: py, 'text-anchor': a.xanchor === 'center' ? 'middle' : 'start' }, a.font?.size ?? font, a.font?.color || colours.fg));
  }
  if (legendBelow) drawLegend(svg, items, legendRows(data, items), layout, box, font, colours);
  div.sketchAxes = { x: axes.get('x'), y: axes.get('y'), heatmap: heatmap.trace };
  div.append(svg);
  return svg;
}

/** Remove `div`'s sketch (Plotly has drawn over it). */
export function unsketch(div) {
  div.querySelector(':scope > svg.sketch')?.remove();
  div.style.minHeight = ''; // Plotly's own drawing, in the flow, sets the height now
  delete div.sketchAxes;
}

const nearest = (values, v) => values.reduce((best, w) => (Math.abs(w - v) < Math.abs(best - v) ? w : best), values[0]);

/**
 * The data point under a pointer event on `div`'s sketch (the x and y axes; a heatmap's nearest
 * cell, as Plotly's click reports it), or null when there is no sketch or the pointer is outside.
 */
export function sketchPointAt(div, event) {
  const axes = div.sketchAxes;
  if (!axes || !div.querySelector(':scope > svg.sketch')) return null;
  const rect = div.getBoundingClientRect();
  const at = (a, p) => {
    const t = (p - a.p0) / (a.p1 - a.p0);
    if (!(t >= 0 && t <= 1)) return null;
    const u = a.range[0] + t * (a.range[1] - a.range[0]);
    return a.log ? 10 ** u : u;
  };
  let x = at(axes.x, event.clientX - rect.left);
  let y = at(axes.y, event.clientY - rect.top);
  if (x === null || y === null) return null;
  if (axes.heatmap) {
    x = nearest(axes.heatmap.x, x);
    y = nearest(axes.heatmap.y, y);
  }
  return { x, y };
}
