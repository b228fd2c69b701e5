// The computation graph drawn with Cytoscape.js. A small graph is drawn node for node with a layered
// (dagre) layout; a large one, or one whose nodes say which module or function call made them, is drawn
// as boxes (loop iterations, lines, modules, calls: graph-groups.js) that open on click, laid out box
// by box (graph-layout.js), on the GPU above a few thousand elements.

import cytoscape from '/vendor/cytoscape/cytoscape.esm.min.mjs';
import dagre from '/vendor/cytoscape-dagre/cytoscape-dagre.min.mjs';

import { el } from '../shared/dom.js';
import { programErrorWhere } from '../shared/errors.js';
import { counted, formatShape } from '../shared/format.js';
import { onPaletteChange, palette } from '../shared/palette.js';
import { activeEdges, stateAt } from './accumulators.js';
import { asSegments, pathHitsBox, routeEdge, rowReturn } from './edge-routes.js';
import { paintGradients } from './grad-colour.js';
import { gradLines, shortValue } from './grad-labels.js';
import { ancestorsOf, boxTrail, buildHierarchy, hasDeclaredGroups } from './graph-groups.js';
import { mostBoxesInView, uncutShift, withFrameTitle, withHeaders } from './graph-first-view.js';
import { BOX_HEADER, BOX_PADDING, createSceneLayout, edgesByGroup, layeredLayout } from './graph-layout.js';
import { createOverview } from './graph-overview.js';
import { createVisibility } from './graph-visibility.js';
import { contains, createSpatialIndex, grown, overlaps, rectAround, rectOf, roundWhatFits } from './graph-window.js';
import { LARGE_GRAPH, buildGraphModel, displayClasses, nodeDisplay } from './graph-model.js';
import { withoutClickHint } from './graph-svg.js';
import { findNodes } from './node-search.js';
import { brokenLine, nodeTitle, titleLines } from './state.js';
import { stoppedKeyText, stoppedNodeId } from './stopped-note.js';

cytoscape.use(dagre);

const FONT_SIZE = 15;
const FONT_FAMILY = 'DejaVu Sans, system-ui, sans-serif'; // the labels', and what their widths are measured in
const CHAR_WIDTH = 8.6; // average width of a DejaVu Sans character at FONT_SIZE
const MAX_READABLE_ZOOM = 1.4; // a small graph (or one found node) is not blown up past this
const PAD = 12; // px kept between a graph wider than the view and the view's edge
// A small graph wrapped into rows to fit the panel: between two ranks in a row (dagre's 110 left least
// squares' second row of three nodes 3 % wider than the panel at the readable zoom), and between rows
// (the rows' own edges run inside them, so the gap holds one edge and its gradient's label).
const ROW_RANK_GAP = 80;
const ROW_GAP = 60;
const ROW_NODE_GAP = 28; // between two nodes of one layer in a row
// Rows are wrapped this much short of the view: node borders (the output's double one) draw outside
// the sizes laid out, and the update without no_grad's middle row of three, 1 unit short of the view's
// width, was drawn 7 wider than the view at the readable zoom.
const ROW_SLACK = 16;
// Labels are never shown smaller than 14 px: the default view and stepping keep at least this zoom.
export const MIN_LABEL_PX = 14;
// A phone is read at arm's length, not from the back row: on a screen narrower than PHONE_WIDTH px
// labels may go down to 11 px (the screen's width, not the graph's column: a projector's graph
// beside an open program panel is narrow too, and is read from the back row), so that the lecture's f(x) is shown whole at 390 px (at 14 px its two
// middle nodes ran off both sides).
const PHONE_WIDTH = 600;
const PHONE_LABEL_PX = 11;
// Cytoscape's canvas renderer redraws every element per frame; above this many, WebGL draws them.
const WEBGL_ABOVE = 2000;
const NODE_PADDING = 28; // a node's width beyond its text's
// An input's ellipse is this many times as wide as its text, and as tall as that leaves the text's
// corners inside. √2 both ways (the least area) made a wide input (the one-layer example's w at the
// pass's end: `this pass adds [[12], [18]]`) too wide for that example's first row at 1280×720.
const ELLIPSE_WIDE = 1.3;
const ELLIPSE_GROW = [ELLIPSE_WIDE, 1 / Math.sqrt(1 - 1 / ELLIPSE_WIDE ** 2)];
const FAN_ROUTED = 8; // a boxed graph's edges are routed for items with at most this many
const GROUP_WIDTH_CHARS = 24; // room kept for the gradient lines a node gains while stepping
// Labels smaller than this on screen are not drawn (Cytoscape's min-zoomed-font-size).
const MIN_DRAWN_LABEL_PX = 6;
// Above this many drawn items (a large graph with every box open) Cytoscape holds only those near the
// view and graph-overview.js draws the rest: Cytoscape pays per element held, in view or not (a
// 20,000-node graph expanded took 27–58 s to draw, and seconds per redraw when zoomed).
const WINDOW_ABOVE = 1000;
// Below this zoom (labels under 7.5 px) the overview draws everything and Cytoscape holds nothing.
const WINDOW_ZOOM = 0.5;
const WINDOW_MARGIN = 0.25; // what Cytoscape holds: the view grown by this fraction on each side
const WINDOW_IDLE_MS = 120; // the window follows the view once a zoom or pan pauses this long
const KEEP_VIEW_MS = 500; // an announced resize (keepViewOnResize) is one observed within this time
// A small graph is laid out again this long after its panel's width last changed: while a window is
// dragged wider, laying a 150-node graph out three ways at each frame would stall every frame.
const RELAYOUT_AFTER_MS = 150;

// WebGL 2 on a real GPU. A software rasteriser (SwiftShader, what a browser without a GPU falls back
// to) measured slower than the canvas renderer here: 5 steps of a 5,000-node chain took 3.1 s with it,
// 0.7 s on canvas, most of it uploading label textures.
export function hardwareWebgl() {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl.getExtension('WEBGL_lose_context')?.loseContext(); // a probe: its context is not kept (it runs on every open)
    return !/swiftshader|llvmpipe|software/i.test(renderer);
  } catch {
    return false;
  }
}

// The graph's look in the current theme's colours (js/shared/palette.js); rebuilt on a theme change.
const styleFor = (p) => [
  { selector: '*', style: { 'z-index-compare': 'manual' } },
  {
    selector: 'node',
    style: {
      'z-index': 10,
      // Text that would be drawn unreadably small is not drawn at all (and costs nothing).
      'min-zoomed-font-size': MIN_DRAWN_LABEL_PX,
      shape: 'round-rectangle',
      label: 'data(text)',
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      'font-size': FONT_SIZE,
      'font-family': FONT_FAMILY,
      'line-height': 1.3,
      width: 'data(w)',
      height: 'data(h)',
      color: p.nodeFg,
      'background-color': p.opBg,
      'border-width': 2,
      'border-color': p.op,
    },
  },
  { selector: 'node.input', style: { 'background-color': p.inputBg, 'border-color': p.input, shape: 'ellipse' } },
  { selector: 'node.output', style: { 'background-color': p.outputBg, 'border-color': p.output, 'border-width': 4, 'border-style': 'double' } },
  {
    selector: 'node.group',
    style: { shape: 'round-rectangle', 'background-color': p.groupBg, 'border-color': p.group, 'border-style': 'dashed', 'border-width': 2 },
  },
  { selector: 'node.group.closed', style: { 'border-width': 3, 'font-weight': 'bold' } },
  {
    selector: 'node.group.open',
    style: {
      'z-index': 0,
      'background-opacity': 0.35,
      'text-valign': 'top',
      'text-halign': 'center',
      'text-margin-y': 26,
      'text-margin-x': 'data(titleShift)',
      'font-size': FONT_SIZE,
      color: p.groupLabel,
    },
  },
  { selector: 'node.group.holds-active', style: { 'border-color': p.flow, 'border-width': 4 } },
  { selector: 'node.saved', style: { 'background-color': p.savedBg, 'border-color': p.saved, shape: 'rectangle', 'font-size': 13 } },
  { selector: 'node.reached', style: { 'font-weight': 'bold' } },
  { selector: 'node.linked', style: { 'underlay-color': p.focus, 'underlay-opacity': 0.55, 'underlay-padding': 8 } },
  { selector: 'node.match', style: { 'underlay-color': p.match, 'underlay-opacity': 0.3, 'underlay-padding': 10 } },
  { selector: 'node.selected', style: { 'border-color': p.selected, 'border-width': 5 } },
  { selector: 'node.active', style: { 'border-color': p.flow, 'border-width': ACTIVE_BORDER, 'background-color': p.activeBg } },
  // Where a failed backward() stopped (trace.stopped): red and dashed, whatever step is shown.
  { selector: 'node.stopped', style: { 'border-color': p.error, 'border-style': 'dashed', 'border-width': ACTIVE_BORDER, 'background-color': p.errorBg } },
  {
    selector: 'edge',
    style: {
      'z-index': 5,
      width: 2,
      'line-color': p.edge,
      'target-arrow-color': p.edge,
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
      'font-size': 16,
      'font-weight': 'bold',
      color: p.flowLabel,
      'text-background-color': p.panel,
      'text-background-opacity': 0.9,
      'text-background-padding': 3,
    },
  },
  // A small graph's edge that would cross a node bends round it (edge-routes.js): drawn straight,
  // counts → probs ran through counts_sum_inv in makemore's backprop exercise.
  {
    selector: 'edge.routed',
    style: {
      'curve-style': 'round-segments',
      'segment-weights': (e) => e.data('weights'),
      'segment-distances': (e) => e.data('distances'),
      'segment-radii': 24,
      'edge-distances': 'node-position',
    },
  },
  { selector: 'edge.saved', style: { 'line-style': 'dashed', 'line-color': p.edgeSaved, 'target-arrow-shape': 'none' } },
  {
    selector: 'edge.carrying',
    style: { width: 5, 'line-color': p.flow, 'target-arrow-color': p.flow, label: 'data(flow)', 'z-index': 10, 'text-margin-x': 'data(flowShift)', 'text-margin-y': 'data(flowLift)' },
  },
];

function nodeLines(display, backward, trace, pass) {
  if (display.kind === 'saved') {
    return [`saved ${display.saved.name}`, `${formatShape(display.saved.shape)} ${shortValue(display.saved.value)}`];
  }
  const node = display.node;
  const lines = titleLines(nodeTitle(node));
  const what = node.op === 'Constant' ? 'constant' : node.kind === 'input' ? 'input' : node.op;
  lines.push(`${what} · ${formatShape(node.shape)}`);
  lines.push(node.value ? `value ${shortValue(node.value)}` : 'value (internal)');
  lines.push(...gradLines(node, pass, backward));
  return lines;
}

// How far (model units) an open box's title moves left from the box's centre to its top left corner,
// where a window's title is: centred on a model's box three views wide, it was off screen (on a phone
// the first view showed the box's frame and none of its title). 0 when it is as wide as the box.
// The title's width is measured in the font it is drawn in (an estimate of 8.6 units a character
// left it about 20 units in from the frame: the open box's title is not bold).
function titleShift(width, title) {
  return Math.min(0, -width / 2 + textWidth(title) / 2 + BOX_PADDING);
}

let measuring = null;
function textWidth(text) {
  measuring ??= document.createElement('canvas').getContext('2d');
  measuring.font = `${FONT_SIZE}px ${FONT_FAMILY}`;
  return measuring.measureText(text).width;
}

const FLOW_LIFT = -14; // a gradient's label sits this far above its edge's midpoint (model units)
const FLOW_CHAR_WIDTH = 10; // about a character of that label (16 px, bold)
const ABOVE_NODES = 20; // half the label's height with its background, and a current node's thick border
const FLOW_HALF_HEIGHT = 13; // half the label's height with its background (26 drawn: at 12 two labels placed apart still touched)
const BESIDE = 10; // between a label set beside something and that thing
const ACTIVE_BORDER = 7; // the current node's border, the thickest (node.active)

/**
 * A node's box with its border, from its data: a step sets the data of the nodes it relabels and
 * labels the edges in the same batch, before Cytoscape restyles them, so their bounding boxes are the
 * last step's (a label set beside a gap by them covered the node that grew into it).
 */
function extent(n) {
  const w = n.data('w');
  const h = n.data('h');
  if (typeof w !== 'number' || typeof h !== 'number') return n.boundingBox({ includeLabels: false, includeOverlays: false });
  const { x, y } = n.position();
  const border = ACTIVE_BORDER / 2;
  return { x1: x - w / 2 - border, y1: y - h / 2 - border, x2: x + w / 2 + border, y2: y + h / 2 + border };
}

/**
 * Where a gradient's label goes from its edge's midpoint, {dx, dy} (model units):
 * - an edge running sideways: FLOW_LIFT above it, or above both nodes when it crosses a gap narrower
 *   than the label (the grouped layout puts 48 units between a row's items: SimpleNN's
 *   "← [−0.1024, 0.09036, …]" from its loss to the squeeze was drawn across both nodes' text);
 * - an edge running down: beside it, or beside both nodes when the gap between them is lower than
 *   the label (a top-to-bottom graph's ranks are 50 units apart, less once its nodes grow: makemore's
 *   "← 32×1, mean −0.359" lay over counts_sum_inv's last line);
 * - an edge routed round nodes (edge-routes.js): beside its lane, on the side away from them.
 * Of two sides that cover no node, the one inside `view` (model units) is taken: on a phone the
 * vector output's "← [−12, −8]", set right of b → z₃, ran off the screen with room on the left.
 * When neither is inside it (the edge's middle is off screen), the label slides along the edge to the
 * stretch on screen (`alongEdge`): on a phone SimpleNN's step 3 sends its gradient from z₅ down and
 * left to model.fc2, and the label sat by the middle of that routed edge, off the screen's left edge.
 * A place that no other edge runs through is taken before one that an edge does: the vector output's
 * "← [−12, −8]" for b → z₃, set above both nodes, lay on the corner of z₂ → Q's way down, and read
 * as that edge's. `edges`: the drawn edges to keep off ({edge, bounds}, drawnEdges); `taken`: the
 * rectangles of the labels this step placed before this one.
 */
function flowPlace(edge, view, { edges = [], taken = [] } = {}) {
  const [source, target, label] = [edge.source(), edge.target(), edge.data('flow')];
  const s = source.position();
  const t = target.position();
  const half = (label.length * FLOW_CHAR_WIDTH) / 2;
  const sideways = Math.abs(t.x - s.x) > Math.abs(t.y - s.y);
  const m = edge.midpoint();
  // An open box is the background its contents lie on, not something a label would hide.
  const nodes = edge.cy().nodes().not('.group.open');
  const box = ({ dx, dy }) => labelRect(m.x + dx, m.y + dy, half);
  // a node, or a label this step placed already (two labels set above the same node overlapped)
  const covers = (place) => {
    const r = box(place);
    return taken.some((b) => overlaps(r, b)) || nodes.some((n) => overlaps(r, extent(n)));
  };
  const crosses = (place) => {
    const r = box(place);
    return edges.some((other) => other.edge !== edge && overlaps(r, other.bounds) && pathHitsBox((other.points ??= drawnPath(other.edge)), r));
  };
  const seen = (place) => {
    const r = box(place);
    return view.x1 <= r.x1 && r.x2 <= view.x2 && view.y1 <= r.y1 && r.y2 <= view.y2;
  };
  // Of the places given, the first in view that covers no node and no other edge; else one that
  // covers no node; else one on the stretch of the edge that is in view; else the first that covers
  // no node, else the first.
  const first = (...places) => {
    const free = places.filter((place) => !covers(place));
    const clear = free.filter((place) => !crosses(place));
    return (
      clear.find(seen) ||
      free.find(seen) ||
      alongEdge(edge, m, half, (place) => seen(place) && !covers(place) && !crosses(place)) ||
      alongEdge(edge, m, half, (place) => seen(place) && !covers(place)) ||
      free[0] ||
      places[0]
    );
  };
  if (edge.hasClass('routed')) {
    if (sideways) return first({ dx: 0, dy: (m.y < (s.y + t.y) / 2 ? -1 : 1) * (FLOW_HALF_HEIGHT + BESIDE) });
    return first({ dx: (m.x < (s.x + t.x) / 2 ? -1 : 1) * (half + BESIDE), dy: 0 });
  }
  if (sideways) {
    const gap = Math.abs(t.x - s.x) - (source.data('w') + target.data('w')) / 2;
    if (gap >= 2 * half) return first({ dx: 0, dy: FLOW_LIFT });
    const top = Math.min(s.y - source.data('h') / 2, t.y - target.data('h') / 2);
    const bottom = Math.max(s.y + source.data('h') / 2, t.y + target.data('h') / 2);
    const [above, below] = [top - ABOVE_NODES - m.y, bottom + ABOVE_NODES - m.y];
    // centred over the edge, else ending or starting at its middle (clear of an edge beside it)
    return first(...[above, below].flatMap((dy) => [{ dx: 0, dy }, { dx: -half, dy }, { dx: half, dy }]));
  }
  const [a, b] = [extent(source), extent(target)];
  const beside = [];
  if (Math.max(a.y1, b.y1) - Math.min(a.y2, b.y2) >= 2 * FLOW_HALF_HEIGHT) beside.push({ dx: half + BESIDE, dy: 0 }, { dx: -half - BESIDE, dy: 0 });
  const right = Math.max(a.x2, b.x2) + BESIDE + half - m.x;
  const left = Math.min(a.x1, b.x1) - BESIDE - half - m.x;
  return first(...beside, { dx: right, dy: 0 }, { dx: left, dy: 0 });
}

/** Every visible edge of `cy` with its bounds, [{edge, bounds}] (its drawn path added when first needed). */
function drawnEdges(cy) {
  return cy.edges().filter((e) => e.visible()).map((e) => ({ edge: e, bounds: e.boundingBox({ includeLabels: false, includeOverlays: false }) }));
}

// An edge as drawn: its ends and bends (a routed edge's corners, a curved edge's control points).
function drawnPath(e) {
  return [e.sourceEndpoint(), ...(e.segmentPoints() || e.controlPoints() || []), e.targetEndpoint()];
}

const ALONG = [0.5, 0.35, 0.65, 0.2, 0.8, 0.05, 0.95]; // where on a stretch a label is tried, middle first

/**
 * A place {dx, dy} from the edge's midpoint `m` beside a stretch of the edge (its route's segments, or
 * the straight line between its ends) that `fits` (on screen, covering no node), the one nearest the
 * midpoint; null when none. Above or below a stretch that runs sideways, beside one that runs down.
 */
function alongEdge(edge, m, half, fits) {
  const path = [edge.sourceEndpoint(), ...(edge.hasClass('routed') ? edge.segmentPoints() || [] : []), edge.targetEndpoint()];
  let best = null;
  let nearest = Infinity;
  for (let i = 1; i < path.length; i += 1) {
    const [p, q] = [path[i - 1], path[i]];
    const across = Math.abs(q.x - p.x) > Math.abs(q.y - p.y);
    const sides = across ? [[0, -(FLOW_HALF_HEIGHT + BESIDE)], [0, FLOW_HALF_HEIGHT + BESIDE]] : [[half + BESIDE, 0], [-half - BESIDE, 0]];
    for (const f of ALONG) {
      const [x, y] = [p.x + f * (q.x - p.x), p.y + f * (q.y - p.y)];
      const far = Math.hypot(x - m.x, y - m.y);
      if (far >= nearest) continue;
      for (const [ox, oy] of sides) {
        const place = { dx: x + ox - m.x, dy: y + oy - m.y };
        if (fits(place)) {
          best = place;
          nearest = far;
          break;
        }
      }
    }
  }
  return best;
}

// Where an edge's gradient label is drawn (model units), as flowPlace set it.
function flowBox(edge) {
  const m = edge.midpoint();
  return labelRect(m.x + edge.data('flowShift'), m.y + edge.data('flowLift'), (edge.data('flow').length * FLOW_CHAR_WIDTH) / 2);
}

// A gradient's label centred at (x, y), `half` its half-width (model units).
function labelRect(x, y, half) {
  return { x1: x - half, x2: x + half, y1: y - FLOW_HALF_HEIGHT, y2: y + FLOW_HALF_HEIGHT };
}

// An open box's title is sized to its box by openTitle; a closed box is sized to its lines.
function groupLines(group, open) {
  if (open) return [`${group.label} · ${counted(group.size, 'node')} (click to close)`];
  return [group.label, `${counted(group.size, 'node')} · click to open`];
}

// An open box's title as its box's width holds it: whole, else without the click hint, else without
// the count, else its label cut with "…". A title wider than its box ran over the frames of the
// boxes around it ("iteration 1 (cell = self.cells[0]) · 18 nodes (click to close)" over a box as
// wide as its two layers); the step panel and the inspector say a box's whole name (box-trail).
function openTitle(group, width) {
  const room = width - 2 * BOX_PADDING;
  const whole = groupLines(group, true)[0];
  for (const title of [whole, `${group.label} · ${counted(group.size, 'node')}`, group.label]) if (textWidth(title) <= room) return title;
  let cut = group.label;
  while (cut.length > 1 && textWidth(`${cut}…`) > room) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function sizeOf(lines, kind) {
  const text = { w: Math.max(...lines.map((l) => l.length)) * CHAR_WIDTH, h: lines.length * FONT_SIZE * 1.3 };
  // Inputs are ellipses round the text box, its corners on the ellipse: (1/a)² + (1/b)² = 1 for the
  // widths a and b the text's are grown by.
  const [a, b] = kind === 'input' ? ELLIPSE_GROW : [1, 1];
  return { w: Math.max(70, text.w * a + NODE_PADDING), h: text.h * b + 20 };
}

export function mountGraphView(store) {
  const container = document.getElementById('graph');
  const empty = document.getElementById('graph-empty');
  const stoppedKey = document.querySelector('#graph-legend .stopped');
  let cy = null;
  let traceIndex = null;
  // Small graphs: the display model of graph-model.js. Large ones: the box hierarchy and its layout.
  let model = null;
  let grouped = null; // {hierarchy, scene, decisions, focusKey, visible: Map node id → item id}
  let rowEdges = null; // a small graph in rows: Map edge id → bends of each edge to the next row (runInRows)
  let flat = null; // a small graph's layout options and node sizes ({layout, sizes}), to lay it out again
  let shownStep = null; // the step whose marks are drawn, so the next step repaints only what changed
  let moved = false; // the student moved the view since it was drawn (a resize then keeps it)
  let marked = null; // the elements marked active, carrying or holding the active node
  let windowIdle = 0; // the timer that moves Cytoscape's window once the view stops
  let relayout = 0; // the timer that lays a small graph out again once its panel's width settles
  // Probing the GPU makes a WebGL context (about 40 ms in profiles): done once, while the page waits
  // for its first trace rather than between the answer and the first drawing.
  let webgl = null;
  const gpu = () => (webgl ??= hardwareWebgl());
  // Probed in idle time once the first graph is drawn (it makes a WebGL context: 15–25 ms), not in
  // the idle moment while the page waits for its first trace, which the trace's drawing then waited for.
  let probeScheduled = false;
  const probeLater = () => {
    if (probeScheduled) return;
    probeScheduled = true;
    (window.requestIdleCallback || setTimeout)(gpu);
  };

  function renderEmpty() {
    const trace = store.get('trace');
    // A program that only printed (defined functions, computed under no_grad) is an answer, not an error.
    empty.hidden = Boolean(trace && trace.nodes.length);
    const error = store.get('error');
    if (trace) empty.textContent = 'No graph: the program drew nothing (no tensor to trace). What it printed is in the console.';
    else if (error) renderStopped(error);
    else empty.textContent = 'No graph yet: pick an example or type a program and press Run.';
  }

  // The error itself, where the student is looking: below 1880 px the program panel starts on its
  // rail, so "the error shown beside the code" pointed at nothing on a projector, where the in-place
  // and no_grad pitfalls teach exactly that error. A button opens the code when it is hidden.
  function renderStopped(error) {
    const parts = ['No graph: the program stopped. ', el('strong', programErrorWhere(error)), ` ${error.message}`];
    if (store.get('programOpen') === false) {
      const show = el('button', 'Show the code', 'show-code');
      show.type = 'button';
      show.addEventListener('click', () => document.getElementById('toggle-editor').click());
      parts.push(' ', show);
    }
    empty.replaceChildren(...parts);
  }

  function build() {
    const trace = store.get('trace');
    if (cy) {
      cy.destroy();
      cy = null;
    }
    if (grouped && grouped.overview) grouped.overview.destroy();
    clearTimeout(windowIdle);
    clearTimeout(relayout);
    model = null;
    grouped = null;
    flat = null;
    shownStep = null;
    moved = false; // a new drawing starts on its default view
    // The box in hand (box-step-control.js) was one of the boxes just dropped.
    store.set({ box: null });
    // The legend names the red dashed node of a program that stopped (graph-model.js).
    stoppedKey.hidden = !trace || stoppedNodeId(trace) === null;
    if (trace) stoppedKey.textContent = stoppedKeyText(trace);
    if (!trace) return;
    marked = null;
    traceIndex = { byId: new Map(trace.nodes.map((n) => [n.id, n])) };
    if (trace.nodes.length > LARGE_GRAPH || hasDeclaredGroups(trace)) buildGrouped(trace);
    else buildFlat(trace);
    probeLater(); // for the next, larger graph (a large one has just asked gpu() itself)
    // a node lights its span in the program; a call's or loop's box, the call or the loop's line
    cy.on('mouseover', 'node', (event) => store.set({ hover: memberOf(event.target.id()), hoverSpan: boxSpan(event.target.id()) }));
    cy.on('mouseout', 'node', () => store.set({ hover: null, hoverSpan: null }));
    // Zoomed far out on a windowed scene Cytoscape holds nothing to click: a click zooms in there.
    cy.on('tap', (event) => {
      if (event.target !== cy || !grouped || !grouped.windowed || cy.zoom() >= WINDOW_ZOOM) return;
      const { x, y } = event.position;
      const zoom = readableZoom();
      cy.viewport({ zoom, pan: { x: cy.width() / 2 - x * zoom, y: cy.height() / 2 - y * zoom } });
    });
    cy.on('tap', 'node', (event) => {
      const id = event.target.id();
      if (grouped && grouped.hierarchy.groups.has(id)) return toggleGroup(id);
      const member = memberOf(id);
      if (member !== null) store.set({ selected: member });
      return undefined;
    });
    let reporting = 0;
    cy.on('viewport', () => {
      if (reporting) return;
      reporting = requestAnimationFrame(() => {
        reporting = 0;
        if (cy) reportZoom();
      });
      if (grouped && grouped.windowed) viewMoved();
    });
    if (grouped) {
      // The view first, then what Cytoscape holds: a windowed scene filled for the view at the
      // origin was emptied and filled again where the default view went.
      placeDefaultView();
      syncHeld();
      routeGroupedEdges();
    }
    updateStep();
    updateHover();
    updateSelection();
    updateSearch();
    paint();
    defaultView();
    performance.mark('explorer:graph-drawn');
    container.dataset.nodes = String(grouped ? grouped.items.size : cy.nodes().length);
  }

  // ---- small graphs: every node, dagre ----
  function buildFlat(trace) {
    model = buildGraphModel(trace, { showSaved: store.get('showSaved') });
    const backward = store.backwardState();
    const pass = store.pass();
    // Each node is laid out with room beside it in its rank for its label at the pass's end too (every
    // accumulator filled): a node that gains lines while stepping grew in place over its neighbour (on
    // a phone the vector output's b, an ellipse, covered z₁ at step 2). Only beside it: the room
    // along the flow is the ranks' own gap, and keeping it there too left graphs that fit readably
    // (x³ − 3x on a phone) too long to. Drawn at its size now, a node grows into the room kept.
    const end = pass ? stateAt(pass, pass.steps.length) : null;
    const elements = [];
    const sizes = new Map(); // display id → {now, end}
    for (const display of model.nodes) {
      const lines = nodeLines(display, backward, traceIndex, pass);
      const now = sizeOf(lines, display.kind);
      sizes.set(display.id, { now, end: sizeOf(nodeLines(display, end, traceIndex, pass), display.kind) });
      elements.push({ group: 'nodes', data: { id: display.id, text: lines.join('\n'), ...now }, classes: displayClasses(display, trace) });
    }
    for (const edge of model.edges) {
      elements.push({ group: 'edges', data: { id: edge.id, source: edge.source, target: edge.target, flow: '' }, classes: edge.saved ? 'saved' : '' });
    }
    const layout = { name: 'dagre', rankDir: 'LR', nodeSep: 40, rankSep: model.nodes.length < 30 ? 110 : 50, edgeSep: 10, fit: true, padding: 24 };
    cy = cytoscape({ container, elements, style: styleFor(palette()), minZoom: 0.02, maxZoom: 3 });
    flat = { layout, sizes };
    layOutFlat();
  }

  // The small graph laid out for the panel as it is now, each node at the size its step gives it.
  function layOutFlat() {
    const { layout, sizes } = flat;
    const drawn = new Map(cy.nodes().map((n) => [n.id(), { w: n.data('w'), h: n.data('h') }]));
    chooseOrientation(layout, sizes);
    cy.batch(() => drawn.forEach((size, id) => cy.getElementById(id).data(size)));
    routeFlatEdges(sizes);
  }

  // The panel's width changed under a small graph the student has not moved: laid out again when that
  // shows it whole at the readable zoom where its layout no longer does (widened from 1150 to 1280 px,
  // least squares kept the layout made for the narrower panel, w off its edge, where rows show it
  // whole). Else it is kept: makemore's exercise, top to bottom, was laid out left to right when the
  // console narrowed its panel (neither shows it whole), and at step 11 a gradient's label was off screen.
  function layOutFlatAgain() {
    const readable = readableZoom();
    if (zoomToShow() >= readable) return;
    const { orientation, wrapped } = container.dataset;
    const kept = { rowEdges, positions: new Map(cy.nodes().map((n) => [n.id(), { ...n.position() }])) };
    layOutFlat();
    if (zoomToShow() >= readable) return;
    rowEdges = kept.rowEdges;
    Object.assign(container.dataset, { orientation, wrapped });
    cy.batch(() => kept.positions.forEach((position, id) => cy.getElementById(id).position(position)));
    routeFlatEdges(flat.sizes);
  }

  // Edges that would cross a node bend round it, planned for every node at its largest (as the pass
  // ends: a node grows while stepping, and a bend beside it must stay outside it).
  function routeFlatEdges(sizes) {
    const boxes = plannedBoxes(sizes);
    // In rows that wrap, an edge to the next row returns as a line of text does (rowReturns, planned
    // with the rows): routed round the room kept for the row above (an input's ellipse as wide as its
    // last accumulator), least squares' z₃ → z₁ looped over z₃ and down its side.
    const returns = rowEdges || new Map();
    routeEdges(cy.edges(), boxes, container.dataset.orientation === 'TB' ? 'TB' : 'LR', (e) => returns.has(e.id()));
    cy.batch(() => {
      for (const [id, bends] of returns) {
        const e = cy.getElementById(id);
        e.data(asSegments(boxes.get(e.source().id()), boxes.get(e.target().id()), bends)).addClass('routed');
      }
    });
  }

  // Every node's box {x, y, w, h} as laid out, at the larger of its sizes now and at the pass's end.
  function plannedBoxes(sizes) {
    const boxes = new Map();
    cy.nodes().forEach((n) => {
      const { now, end } = sizes.get(n.id());
      const { x, y } = n.position();
      boxes.set(n.id(), { x, y, w: Math.max(now.w, end.w), h: Math.max(now.h, end.h) });
    });
    return boxes;
  }

  // The bends of each edge from one row to the next (`rowOf`: node id → its row), down into the gap
  // between the two rows, along it and down into its target (rowReturn): Map edge id → bends, null
  // where no such way is clear of `boxes`.
  function rowReturns(rowOf, boxes) {
    const top = new Map();
    const bottom = new Map();
    for (const [id, { y, h }] of boxes) {
      const row = rowOf.get(id);
      top.set(row, Math.min(top.get(row) ?? Infinity, y - h / 2));
      bottom.set(row, Math.max(bottom.get(row) ?? -Infinity, y + h / 2));
    }
    const all = [...boxes.values()];
    const returns = new Map();
    cy.edges().forEach((e) => {
      const [from, to] = [rowOf.get(e.source().id()), rowOf.get(e.target().id())];
      if (to > from) returns.set(e.id(), rowReturn(boxes.get(e.source().id()), boxes.get(e.target().id()), (bottom.get(from) + top.get(to)) / 2, all));
    });
    return returns;
  }

  // Bends `edges` round the boxes {x, y, w, h} of `boxes` (Map element id → box: every node drawn, at
  // the size it keeps room for) that they would cross (edge-routes.js); straight where none or too many.
  // `direction` is the layout's flow ('TB', 'LR'), or null for each edge's own (the way it runs further);
  // an edge `straight(edge)` says is left straight.
  function routeEdges(edges, boxes, direction, straight = () => false) {
    const all = [...boxes.values()];
    cy.batch(() => {
      edges.forEach((e) => {
        const source = boxes.get(e.source().id());
        const target = boxes.get(e.target().id());
        const routed = source && target && !straight(e);
        const flow = direction || (routed && Math.abs(target.y - source.y) > Math.abs(target.x - source.x) ? 'TB' : 'LR');
        const bends = routed ? routeEdge(source, target, all, flow) : null;
        if (bends && bends.length) e.data(asSegments(source, target, bends)).addClass('routed');
        else e.removeClass('routed');
      });
    });
  }

  // A boxed graph's edges bend round the nodes and closed boxes in their way, laid out at the room
  // each keeps (the deep sigmoid network's edge from one column's foot to the next column's head
  // crossed two sigmoids). A box's contents flow their own way (SimpleNN's model.fc1 top to bottom in
  // a graph laid out left to right), so each edge is routed along the way it runs. Once per layout,
  // up to as many items as a graph drawn node for node has (routeEdge looks at every item for each
  // edge: 170 edges among 150 items in columns, 20 of them long, took 15–18 ms; 150 short ones 6 ms).
  // An item's edges in a fan wider than FAN_ROUTED stay straight: the lecture-style 20,000-node MLP's
  // X and W feed each of 68 loop iterations' boxes, and planning those 136 detours took 20–80 ms of
  // each step that laid the graph out again (most ended straight anyway, past MAX_DETOURS); the
  // other 71 edges, about 1 ms. Called after each layout, once its edges are held.
  function routeGroupedEdges() {
    const boxes = new Map(); // none: every edge straight (a windowed graph's edges come and go)
    if (!grouped.windowed && grouped.items.size <= LARGE_GRAPH) for (const [id, box] of grouped.items) if (!box.open) boxes.set(id, box);
    const fans = new Map();
    const edges = cy.edges();
    edges.forEach((e) => {
      for (const end of [e.source().id(), e.target().id()]) fans.set(end, (fans.get(end) || 0) + 1);
    });
    const fanned = (e) => fans.get(e.source().id()) > FAN_ROUTED || fans.get(e.target().id()) > FAN_ROUTED;
    routeEdges(edges, boxes, null, fanned);
  }

  // Each node's size for a layout in `direction` ('LR', 'TB': room across the flow for its size at
  // the pass's end), or as drawn now (null).
  function sizeNodes(sizes, direction) {
    cy.batch(() => {
      for (const [id, { now, end }] of sizes) {
        const size = direction === 'LR' ? { w: now.w, h: Math.max(now.h, end.h) }
          : direction === 'TB' ? { w: Math.max(now.w, end.w), h: now.h } : now;
        cy.getElementById(id).data(size);
      }
    });
  }

  // Left to right is the lecture's direction. A graph too long for the panel at the readable zoom
  // (labels at MIN_LABEL_PX) goes top to bottom if that fits readably (still inputs at one side,
  // output at the other), else into rows that wrap as text does, left to right in each, if those fit
  // readably: at 1280×720 least squares' five nodes in a row showed the output end with w off the
  // panel's left edge. Else whichever of the first two fits the panel larger, as a long chain fitted
  // to the panel left to right becomes unreadably small. Each is judged as the default view shows it.
  function chooseOrientation(layout, sizes) {
    const run = (rankDir) => {
      sizeNodes(sizes, rankDir);
      cy.layout({ ...layout, rankDir }).run();
      sizeNodes(sizes, null);
      return zoomToShow();
    };
    const orient = (direction, wrapped = false) => {
      container.dataset.orientation = direction;
      container.dataset.wrapped = String(wrapped);
    };
    rowEdges = null;
    const readable = readableZoom();
    const leftToRight = run('LR');
    if (leftToRight >= readable) return orient('LR');
    const topToBottom = run('TB');
    if (topToBottom >= readable) return orient('TB');
    rowEdges = runInRows(layout, sizes);
    if (rowEdges) return orient('LR', true);
    if (leftToRight >= 0.75 || topToBottom < leftToRight * 1.25) run('LR');
    else run('TB');
    orient(cy.zoom() > leftToRight ? 'TB' : 'LR');
  }

  // The nodes laid out in rows as wide as the readable view (graph-layout.js wraps the layers as the
  // grouped view's long runs of boxes wrap), fitted to the panel, when they show at the readable zoom:
  // returns the bends of each edge to the next row (rowReturns), else null. Each node keeps room
  // for its size at the pass's end across the row, and along it all but ROW_RANK_GAP / 2 (half a gap
  // left between two nodes that both grow): a row is as wide as the panel, and least squares' w, an
  // ellipse that gains two lines while stepping, grew over the arrow to z₃. Sized by the pass's end
  // alone, the rows are the same at every step (a link to step 3 of least squares, z₃ wider by its
  // accumulator, fell back to one row). A row's first and last nodes may each grow outward by up to a
  // quarter gap: when that takes the rows past the view, they are wrapped that much shorter at each
  // end (on a phone the in-place pitfall's x and y, in one row, were 20 units wider than the view as
  // the pass ended, and the view cut y; shorter everywhere, the vector output's first row lost z₂).
  function runInRows(layout, sizes) {
    const items = [...sizes].map(([id, { now, end }]) => ({ id, w: end.w - ROW_RANK_GAP / 2, h: Math.max(now.h, end.h) }));
    cy.batch(() => items.forEach(({ id, w, h }) => cy.getElementById(id).data({ w, h }))); // fitted as laid out
    const edges = cy.edges().map((e) => [e.source().id(), e.target().id()]);
    const view = readableView().width - ROW_SLACK;
    for (const wrap of [view, view - ROW_RANK_GAP / 2]) {
      const { positions, layerOf, bandOf } = layeredLayout(items, edges, { direction: 'LR', rankGap: ROW_RANK_GAP, nodeGap: ROW_NODE_GAP, wrap, bandGap: ROW_GAP, late: true, centreSources: true });
      // Rows are joined only from a row's last layer to the next row's first, by edges that return
      // into the gap between them: an edge that skips layers into a later row (`a` feeding `d` past
      // b and c) would cross a row, and such rows are not used; nor are ones where an edge to the
      // next row finds no clear way down (rowReturns).
      if (edges.some(([s, t]) => bandOf(s) !== bandOf(t) && layerOf(t) !== layerOf(s) + 1)) continue;
      cy.layout({ name: 'preset', positions: (n) => positions.get(n.id()), fit: true, padding: layout.padding }).run();
      const boxes = plannedBoxes(sizes);
      const returns = rowReturns(new Map(items.map(({ id }) => [id, bandOf(id)])), boxes);
      if ([...returns.values()].some((bends) => !bends)) continue;
      // Judged with every node at its largest, as stepping draws it.
      if (zoomToShow([...boxes.values()]) >= readableZoom()) return returns;
    }
    return null;
  }

  // The largest zoom that shows every node as its data sizes it now (or `boxes`, [{x, y, w, h}]),
  // PAD from the view's edges (as the default view places a graph that fits the readable view:
  // readableView).
  function zoomToShow(boxes = null) {
    const { x1, y1, x2, y2 } = boxes ? rectAround(boxes.map(rectOf)) : cy.nodes().boundingBox({ includeLabels: false });
    return Math.min((container.clientWidth - 2 * PAD) / (x2 - x1), (container.clientHeight - 2 * PAD) / (y2 - y1));
  }

  // ---- large graphs: boxes that open ----
  function buildGrouped(trace) {
    const hierarchy = buildHierarchy(trace);
    const groupEdges = edgesByGroup(hierarchy, trace.edges);
    grouped = {
      hierarchy,
      large: trace.nodes.length > LARGE_GRAPH,
      decisions: new Map(),
      focusKey: '',
      visible: new Map(),
      layoutSizes: new Map(),
      end: null, // the shown pass at its end, for the room each node keeps (passEnd)
      visibility: createVisibility(hierarchy, trace.nodes, trace.edges),
      items: new Map(), // what is drawn: item id → its box as last laid out
      edges: null, // the drawn edges: id → {source, target, count} (items), the visibility's own map
      held: new Map(), // what Cytoscape holds: item id → its box when added
      heldEdges: new Set(),
      windowed: false, // Cytoscape holds only what is near the view (graph-window.js)
      window: null, // the model rectangle it holds then (null: nothing, zoomed far out)
      overview: null,
    };
    // A long run of boxes wraps where the readable view ends (rows downward left to right, columns
    // rightward top to bottom): a 20-layer model laid out as one column showed two or three layers
    // at the readable zoom however wide the panel. The view's length, not less: a model's column
    // wrapped short of it (to keep the model box's frame in view too) held one layer fewer.
    const view = readableView();
    const wrap = { LR: view.width, TB: view.height };
    const scenes = ['LR', 'TB'].map((direction) => createSceneLayout(hierarchy, trace.edges, { direction, groupEdges, wrap: wrap[direction] > 0 ? wrap[direction] : Infinity }));
    grouped.focusKey = focusGroups().join('|');
    // The direction follows the graph's shape: whichever shows more closed boxes readably at the first
    // view (the layers a student opens), else whichever fits the panel larger. Judged on the grouped
    // view (what is open for the focus), so expanding keeps the direction.
    const judged = scenes.map((scene) => {
      const { width, height } = scene.layout(layoutSize, (id) => grouped.focus.has(id));
      const best = store.get('collapse') ? mostBoxesInView(closedBoxes(scene.layout(layoutSize, isOpen).items), view) : null;
      return { boxes: best ? best.count : 0, fit: Math.min(container.clientWidth / (width + 48), container.clientHeight / (height + 48)) };
    });
    const [lr, tb] = judged;
    grouped.scene = tb.boxes > lr.boxes || (tb.boxes === lr.boxes && tb.fit > lr.fit * 1.1) ? scenes[1] : scenes[0];
    container.dataset.orientation = grouped.scene.direction;
    container.dataset.wrapped = 'false'; // its own long runs wrap by the scene's layout
    const useWebgl = trace.nodes.length > WEBGL_ABOVE && gpu();
    container.dataset.renderer = useWebgl ? 'webgl' : 'canvas';
    cy = cytoscape({
      container,
      elements: [],
      style: styleFor(palette()),
      layout: { name: 'preset' },
      // Fit must reach the whole of a 20,000-node graph: 0.0002 left three quarters of the expanded
      // MLP (5,000 layers top to bottom) out of view.
      minZoom: 0.00001,
      maxZoom: 3,
      webgl: useWebgl,
      textureOnViewport: !useWebgl,
      hideEdgesOnViewport: !useWebgl,
      pixelRatio: 1,
    });
    layoutGrouped(); // what Cytoscape holds is synced once the default view is placed (build)
  }

  function isOpen(groupId) {
    const decided = grouped.decisions.get(groupId);
    if (decided !== undefined) return decided;
    if (!store.get('collapse') || grouped.focus.has(groupId)) return true;
    // A model of a few layers reads as its layers (fc1 → relu → fc2): a box holding boxes stays open.
    return !grouped.large && grouped.hierarchy.groups.get(groupId).children.some((c) => grouped.hierarchy.groups.has(c));
  }

  // The boxes opened for what the user is looking at: the current step's node, the selected node, the
  // first search hit, and the node a stopped program marks (the note above the steps names it: the
  // model.fc1.weight an update outside torch.no_grad() was changing sat in a closed box).
  function focusGroups() {
    const backward = store.backwardState();
    const pass = store.pass();
    // Before the first step the pass's output is where the eye goes: the backward pass starts there.
    const stepNode = backward && backward.current ? backward.current.node : pass && pass.roots ? pass.roots[0] : null;
    const nodes = [stepNode, store.get('selected'), searchHits()[0]?.id ?? null, stoppedNodeId(store.get('trace'))];
    const focus = new Set();
    for (const id of nodes) if (id !== null && id !== undefined) for (const g of ancestorsOf(grouped.hierarchy, `n${id}`)) focus.add(g);
    grouped.focus = focus;
    return [...focus].sort();
  }

  // What the layout reserves for an item: a node's box with room for the gradient lines it gains.
  function layoutSize(item) {
    let size = grouped.layoutSizes.get(item);
    if (!size) {
      const group = grouped.hierarchy.groups.get(item);
      if (group) {
        size = sizeOf(groupLines(group, false), 'group');
      } else {
        const node = traceIndex.byId.get(Number(item.slice(1)));
        const display = nodeDisplay(node);
        const lines = nodeLines(display, null, traceIndex, null);
        size = sizeOf([...lines, 'accumulator 0.0000, 0.0000', '…'], node.kind);
        size.w = Math.max(size.w, GROUP_WIDTH_CHARS * CHAR_WIDTH);
        // A tensor that keeps .grad (a leaf, a retained one) gains two lines, ".grad [1.619e−9,
        // 2.583e−10, …]" and "this pass adds …", wider than that: the deep sigmoid network's
        // model.0.bias grew over model.0.weight and out of its box. It keeps room for its lines at
        // the pass's end. (An operation's one accumulator line can be wider too, by a few
        // characters; room for it in every node made a 20-layer model's columns too wide to show
        // more than four layers, so it is not kept.)
        const { pass, state } = node.is_leaf || node.retains_grad ? passEnd() : {};
        if (state) {
          const end = sizeOf(nodeLines(display, state, traceIndex, pass), node.kind);
          size = { w: Math.max(size.w, end.w), h: Math.max(size.h, end.h) };
        }
      }
      grouped.layoutSizes.set(item, size);
    }
    return size;
  }

  // A node's lines as drawn at `backward`'s step of `pass`. In a boxed graph each is as wide as the
  // room its layout kept for it at most: a line wider is broken in two, into the spare line kept (an
  // operation's "accumulator 64×16, mean 6.06e−12" made the deep sigmoid network's columns of
  // sigmoids overlap). A small graph is laid out for its nodes at the pass's end, and they are drawn
  // as they are.
  function drawnLines(display, backward, pass) {
    const lines = nodeLines(display, backward, traceIndex, pass);
    const room = grouped && grouped.layoutSizes.get(display.id);
    if (!room) return lines;
    const chars = Math.floor((room.w - NODE_PADDING) / (display.kind === 'input' ? ELLIPSE_GROW[0] : 1) / CHAR_WIDTH);
    return lines.flatMap((line) => brokenLine(line, chars));
  }

  // The shown pass and its state at its end (every accumulator filled), replayed once per drawing.
  function passEnd() {
    if (!grouped.end) {
      const pass = store.pass();
      grouped.end = { pass, state: pass ? stateAt(pass, pass.steps.length) : null }; // one walk, no checkpoints kept
    }
    return grouped.end;
  }


  // Brings the drawn elements in line with what is open: lays out, then hands Cytoscape what it holds.
  function syncGrouped() {
    layoutGrouped();
    syncHeld();
    routeGroupedEdges();
    paint(); // the |grad| colours of what was just drawn
    // A box in hand that is no longer drawn open (its outer box closed) offers nothing to see.
    const box = store.get('box');
    if (box && !grouped.items.get(box)?.open) store.set({ box: null });
  }

  // Lays out what is open: the drawn items, their edges and (windowed) their spatial index.
  function layoutGrouped() {
    const { items, width, height } = grouped.scene.layout(layoutSize, isOpen);
    grouped.extent = { width, height };
    grouped.visible = grouped.visibility.update(isOpen).visible;
    grouped.edges = grouped.visibility.drawnEdges();
    grouped.items = items;
    grouped.windowed = items.size > WINDOW_ABOVE;
    grouped.index = null;
    grouped.incident = null;
    if (grouped.windowed) {
      grouped.index = createSpatialIndex(items);
      grouped.incident = new Map();
      for (const [id, { source, target }] of grouped.edges) {
        for (const end of [source, target]) {
          const list = grouped.incident.get(end);
          if (list) list.push(id);
          else grouped.incident.set(end, [id]);
        }
      }
      grouped.overview ||= createOverview(container);
    }
    let traceNodes = 0;
    let open = 0;
    for (const [id, box] of items) {
      if (grouped.hierarchy.groups.has(id)) open += box.open ? 1 : 0;
      else traceNodes += 1;
    }
    container.dataset.nodes = String(items.size);
    container.dataset.traceNodes = String(traceNodes);
    container.dataset.open = String(open);
  }

  // What Cytoscape should hold: every drawn item, or above WINDOW_ABOVE those near the view (none when
  // zoomed out past WINDOW_ZOOM). Removes, adds and moves only what changed, never redraws all.
  function syncHeld() {
    const { hierarchy, items, held, heldEdges } = grouped;
    let wanted;
    let wantedEdges;
    if (!grouped.windowed) {
      wanted = items;
      wantedEdges = grouped.edges;
      grouped.window = null;
    } else {
      wanted = new Map();
      wantedEdges = new Map();
      grouped.window = cy.zoom() >= WINDOW_ZOOM ? grown(viewExtent(cy.zoom()), WINDOW_MARGIN) : null;
      if (grouped.window) for (const id of grouped.index.query(grouped.window)) wanted.set(id, items.get(id));
      for (const id of wanted.keys()) {
        for (const edgeId of grouped.incident.get(id) || []) {
          const edge = grouped.edges.get(edgeId);
          if (wanted.has(edge.source) && wanted.has(edge.target)) wantedEdges.set(edgeId, edge);
        }
      }
    }
    const backward = store.backwardState();
    let changed = false;
    cy.batch(() => {
      // Removing a box also removes its edges: those are the ones its opening or vanishing made stale.
      for (const [id, box] of held) {
        const now = wanted.get(id);
        if (!now || now.open !== box.open) {
          cy.getElementById(id).remove();
          held.delete(id);
          changed = true;
        }
      }
      for (const id of heldEdges) {
        if (wantedEdges.has(id)) {
          const element = cy.getElementById(id);
          if (element.nonempty()) continue;
        } else {
          cy.getElementById(id).remove();
        }
        heldEdges.delete(id);
      }
      const added = [];
      for (const [id, box] of wanted) {
        const group = hierarchy.groups.get(id);
        const before = held.get(id);
        held.set(id, box);
        if (before) {
          if (before === box) continue;
          const element = cy.getElementById(id);
          if (before.x !== box.x || before.y !== box.y) element.position({ x: box.x, y: box.y });
          // An open box grows and shrinks with what opens inside it.
          if (box.open && (before.w !== box.w || before.h !== box.h)) {
            const title = openTitle(group, box.w);
            element.data({ w: box.w, h: box.h, text: title, titleShift: titleShift(box.w, title) });
          }
          continue;
        }
        if (group) {
          const lines = box.open ? [openTitle(group, box.w)] : groupLines(group, false);
          const size = box.open ? { w: box.w, h: box.h } : sizeOf(lines, 'group');
          // An open box is the background a student drags to pan (it fills the view of a model's
          // layers): grabbing it moved the box off its contents and the view stayed put.
          const drag = box.open ? { grabbable: false, pannable: true } : {};
          const text = lines.join('\n');
          added.push({ group: 'nodes', data: { id, text, ...size, titleShift: titleShift(size.w, text) }, position: { x: box.x, y: box.y }, classes: `group ${box.open ? 'open' : 'closed'}`, ...drag });
        } else {
          const display = nodeDisplay(traceIndex.byId.get(Number(id.slice(1))));
          const lines = drawnLines(display, backward, store.pass());
          const reached = backward && backward.reached.has(display.node.id) ? ' reached' : '';
          added.push({ group: 'nodes', data: { id, text: lines.join('\n'), ...sizeOf(lines, display.kind) }, position: { x: box.x, y: box.y }, classes: displayClasses(display, store.get('trace')) + reached });
        }
      }
      cy.add(added);
      const edges = [];
      for (const [id, { source, target }] of wantedEdges) {
        if (heldEdges.has(id)) continue;
        heldEdges.add(id);
        edges.push({ group: 'edges', data: { id, source, target, flow: '' } });
      }
      cy.add(edges);
      changed ||= added.length > 0 || edges.length > 0;
    });
    container.dataset.held = String(held.size); // what Cytoscape holds (tests: the window works)
    drawOverview(false);
    return changed;
  }

  // The overview canvas is drawn once per frame, whoever asked: a step through a windowed graph asked
  // several times (the window's sync, the step's marks, the view following the node), each a full
  // drawing. `moving` (a zoom or pan under way) may move the last drawing; any other ask draws anew.
  let overviewFrame = 0;
  let overviewStill = false;
  function drawOverview(moving) {
    overviewStill ||= !moving;
    if (overviewFrame) return;
    overviewFrame = requestAnimationFrame(() => {
      overviewFrame = 0;
      const still = overviewStill;
      overviewStill = false;
      redrawOverview(!still);
    });
  }

  // The overview canvas: what Cytoscape does not hold, under it.
  function redrawOverview(moving) {
    if (!grouped || !grouped.overview) return;
    if (!grouped.windowed) {
      grouped.overview.clear();
      return;
    }
    const backward = store.backwardState();
    const current = backward && backward.current ? grouped.visible.get(backward.current.node) : null;
    const scene = {
      items: grouped.items,
      edges: grouped.edges,
      incident: grouped.incident,
      near: (rect) => grouped.index.query(rect),
      held: grouped.held,
      heldEdges: grouped.heldEdges,
      isGroup: (id) => grouped.hierarchy.groups.has(id),
      kindOf: (id) => {
        const node = traceIndex.byId.get(Number(id.slice(1)));
        return node.is_output ? 'output' : node.kind === 'input' ? 'input' : 'op';
      },
      active: current ?? null,
    };
    grouped.overview.draw(scene, { zoom: cy.zoom(), pan: cy.pan() }, moving);
  }

  // A zoom or pan of a windowed scene: the overview follows every frame; Cytoscape's window once the
  // view pauses (handing it a few hundred elements mid-gesture would drop frames).
  function viewMoved() {
    drawOverview(true);
    clearTimeout(windowIdle);
    windowIdle = setTimeout(() => {
      if (!cy || !grouped || !grouped.windowed) return;
      if (followWindow()) remark();
      else drawOverview(false);
    }, WINDOW_IDLE_MS);
  }

  // Moves Cytoscape's window when the view has left it (or crossed WINDOW_ZOOM); whether it changed.
  function followWindow() {
    const zoom = cy.zoom();
    const needed = zoom >= WINDOW_ZOOM ? !grouped.window || !contains(grouped.window, viewExtent(zoom)) : grouped.window !== null || grouped.held.size > 0;
    return needed ? syncHeld() : false;
  }

  // The marks of what a window move just added: the step, hover, selection, search and |grad| colours.
  function remark() {
    applyMarks();
    updateHover();
    cy.nodes('.selected').removeClass('selected');
    const selected = drawnOf(store.get('selected'));
    if (selected) selected.addClass('selected');
    updateSearchMarks();
    paint();
    reportZoom();
  }

  function toggleGroup(id) {
    const opening = !grouped.items.get(id).open;
    grouped.decisions.set(id, opening);
    syncGrouped();
    updateStep();
    updateHover();
    updateSelection();
    updateSearchMarks();
    if (opening) showReadable(grouped.items.get(id));
    reportZoom();
    // The box a student opens is the one whose backward steps they are offered (never a jump here).
    if (opening) store.set({ box: id });
    else if (store.get('box') === id) store.set({ box: null });
  }

  // A node picked (clicked, found, chosen in the inspector) puts its innermost box in hand.
  function boxOfSelection() {
    const selected = store.get('selected');
    if (!grouped || selected === null) return;
    const box = ancestorsOf(grouped.hierarchy, `n${selected}`).at(-1);
    if (box && grouped.items.get(box)?.open) store.set({ box });
  }

  // Re-syncs when what should be open for the focus (step, selection, search) changed.
  function refocus() {
    if (!grouped) return false;
    const key = focusGroups().join('|');
    if (key === grouped.focusKey) return false;
    grouped.focusKey = key;
    // Unticked "grouped": every box is open (or as clicked) whatever the focus, nothing to redraw.
    if (!store.get('collapse')) return false;
    syncGrouped();
    return true;
  }

  // A trace node id → the drawn element showing it (itself or its closed box).
  function drawnOf(nodeId) {
    if (nodeId === null || nodeId === undefined) return null;
    const id = grouped ? grouped.visible.get(nodeId) : model.displayOf.get(nodeId);
    return id === undefined ? null : cy.getElementById(id);
  }

  // The source span of a box, if it is a call's or a loop's (graph-groups.js), else null.
  function boxSpan(displayId) {
    return (grouped && grouped.hierarchy.groups.get(displayId)?.span) || null;
  }

  // A display node stands for one trace node or a saved tensor (its owner).
  function memberOf(displayId) {
    if (grouped) return /^n\d+$/.test(displayId) ? Number(displayId.slice(1)) : null;
    const display = model && model.nodes.find((n) => n.id === displayId);
    if (!display) return null;
    if (display.kind === 'saved') return display.owner;
    return display.members[0];
  }

  // ---- the view: readable first ----
  // Everything fitted when that keeps labels readable; else readable zoom, centred on where the
  // backward pass starts (the output) or on the current node.
  function defaultView() {
    placeDefaultView();
    if (grouped && grouped.windowed && followWindow()) remark();
    showStepAgain();
    reportZoom();
  }

  // After the view moved under a shown step (a drawing marks the step before its first view is placed;
  // a resize places the view again), its labels placed for the view it has now, and the step shown
  // whole: in a full test run SimpleNN's step 3 on a phone had its label placed for the view before
  // a resize, off the screen's left edge.
  function showStepAgain() {
    placeLabels();
    showStep();
  }

  function placeDefaultView() {
    fitAll();
    const readable = readableZoom();
    if (cy.zoom() < readable) {
      const backward = store.backwardState();
      const trace = store.get('trace');
      const output = trace.nodes.find((n) => n.is_output) || trace.nodes.at(-1);
      const stepping = Boolean(backward && backward.current);
      let target = boxOfNode(stepping ? backward.current.node : output && output.id);
      const view = readableView();
      // At a step, the current node with the nodes it sends to, where they fit together: the gradient
      // on its way, its label between them (SimpleNN opened at step 3 showed z₅ with the gradient's
      // label cut at the top, model.fc2, where it goes, out of view).
      if (target && stepping) target = withAlso(target, receiverBoxes(backward.current), view);
      // Before the first step of a program that stopped, the node it stopped at, with the output when
      // both fit: lecture 5's update without torch.no_grad() is six nodes in a row, and centred on the
      // loss it showed no w, the parameter the note above the steps names.
      const marked = stepping ? null : boxOfNode(stoppedNodeId(trace));
      if (marked) target = withAlso(marked, target ? [target] : [], view);
      // ... with the title of the open box it sits in, when that fits (SimpleNN's model.fc1.weight
      // was shown under frame lines whose titles were off the top and left)
      if (marked && grouped) target = boxOfRect(withFrameTitle(rectOf(target), openBoxes(grouped.items), view, BOX_HEADER));
      // Before the first step a grouped graph shows its boxes (graph-first-view.js), not the output.
      const found = grouped && !stepping && !marked ? mostBoxesInView(closedBoxes(grouped.items), view) : null;
      const boxes = found && withHeaders(found, openBoxes(grouped.items), view, BOX_HEADER);
      if (boxes) target = { x: (boxes.x1 + boxes.x2) / 2, y: (boxes.y1 + boxes.y2) / 2 };
      cy.zoom(readable);
      if (target) cy.pan(keepFilled({ x: container.clientWidth / 2 - target.x * readable, y: container.clientHeight / 2 - target.y * readable }));
      if (target && !boxes) cy.pan(uncut(target));
    }
  }

  // The box round `box` and `more` ({x, y, w, h} each), if it fits in `view` (model units); else `box`.
  function withAlso(box, more, view) {
    return boxOfRect(roundWhatFits([rectOf(box)], more.map(rectOf), view));
  }

  // A rectangle {x1, y1, x2, y2} as a centred box {x, y, w, h}.
  function boxOfRect({ x1, y1, x2, y2 }) {
    return { x: (x1 + x2) / 2, y: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1 };
  }

  // Where the nodes `step` sends gradient to are drawn, {x, y, w, h} each.
  function receiverBoxes(step) {
    return touchedBy(step).slice(1).map(boxOfNode).filter(Boolean);
  }

  // The pan moved, each axis in turn, so that the view's edges cut as few nodes (or closed boxes) as
  // they can with `keep` {x, y, w, h} (the current node, or the output) still wholly in view
  // (graph-first-view.js, uncutShift). An open box is a frame round others: only its title's strip
  // counts, across the flow of lines (its title was cut through at the view's top).
  function uncut(keep) {
    const zoom = cy.zoom();
    const pan = cy.pan();
    const drawn = grouped ? [...grouped.items.values()].filter((item) => !item.open) : cy.nodes().map(boxOfElement);
    const rendered = ({ x, y, w, h }) => ({ x1: (x - w / 2) * zoom + pan.x, x2: (x + w / 2) * zoom + pan.x, y1: (y - h / 2) * zoom + pan.y, y2: (y + h / 2) * zoom + pan.y });
    const boxes = drawn.map(rendered);
    const titles = grouped
      ? [...grouped.items.values()].filter((item) => item.open).map(({ x, y, w, h }) => rendered({ x, y: y - h / 2 + BOX_HEADER / 2, w, h: BOX_HEADER }))
      : [];
    const kept = rendered(keep);
    const all = grouped
      ? rendered({ x: grouped.extent.width / 2, y: grouped.extent.height / 2, w: grouped.extent.width, h: grouped.extent.height })
      : cy.elements().renderedBoundingBox({ includeLabels: false, includeOverlays: false });
    const [width, height] = [container.clientWidth, container.clientHeight];
    const dx = uncutShift(boxes.filter((b) => b.y1 < height && b.y2 > 0).map((b) => [b.x1, b.x2]), [kept.x1, kept.x2], width, PAD, [all.x1, all.x2]);
    const level = [...boxes, ...titles].filter((b) => b.x1 + dx < width && b.x2 + dx > 0);
    const dy = uncutShift(level.map((b) => [b.y1, b.y2]), [kept.y1, kept.y2], height, PAD, [all.y1, all.y2]);
    return { x: pan.x + dx, y: pan.y + dy };
  }

  // The closed boxes of laid-out items (Map id → box), in reading order.
  function closedBoxes(items) {
    const boxes = [];
    for (const [id, box] of items) if (!box.open && grouped.hierarchy.groups.has(id)) boxes.push(box);
    return boxes;
  }

  // The open boxes of laid-out items: the frames around closed ones, their title in their header.
  function openBoxes(items) {
    return [...items.values()].filter((box) => box.open);
  }

  // The model units the view shows at the readable zoom, PAD kept at each edge.
  function readableView() {
    const zoom = readableZoom();
    return { width: (container.clientWidth - 2 * PAD) / zoom, height: (container.clientHeight - 2 * PAD) / zoom };
  }

  // The least zoom the default view and stepping keep: MIN_LABEL_PX labels, PHONE_LABEL_PX on a phone.
  function readableZoom() {
    return (window.innerWidth < PHONE_WIDTH ? PHONE_LABEL_PX : MIN_LABEL_PX) / FONT_SIZE;
  }

  // A pan that leaves no empty band beside a graph wider (or taller) than the view, and centres one
  // that fits: centred on the output, the lecture's f(x) showed half a screen of nothing and cut x
  // off on the other side (at 1280×720 the 4-node graph fits at the readable zoom, with 23 px spare).
  function keepFilled(pan) {
    const zoom = cy.zoom();
    const box = grouped ? { x1: 0, y1: 0, x2: grouped.extent.width, y2: grouped.extent.height } : cy.elements().boundingBox();
    const clamp = (value, lo, hi, view) => ((hi - lo) * zoom <= view
      ? (view - (lo + hi) * zoom) / 2
      : Math.min(PAD - lo * zoom, Math.max(view - PAD - hi * zoom, value)));
    return { x: clamp(pan.x, box.x1, box.x2, container.clientWidth), y: clamp(pan.y, box.y1, box.y2, container.clientHeight) };
  }

  // The whole graph in view, not blown up past MAX_READABLE_ZOOM. A grouped graph's extent is known
  // from its layout: cy.fit would measure every label first (2.6 s at 5,000 nodes expanded).
  function fitAll() {
    if (grouped) {
      const { width, height } = grouped.extent;
      const wanted = Math.min(MAX_READABLE_ZOOM, (container.clientWidth - 48) / width, (container.clientHeight - 48) / height);
      const zoom = Math.max(cy.minZoom(), wanted); // cytoscape ignores a zoom outside its limits
      cy.viewport({ zoom, pan: { x: (container.clientWidth - width * zoom) / 2, y: (container.clientHeight - height * zoom) / 2 } });
    } else {
      cy.fit(undefined, 24);
      if (cy.zoom() > MAX_READABLE_ZOOM) {
        cy.zoom(MAX_READABLE_ZOOM);
        cy.center();
      }
    }
  }

  // What the view shows, written on the container for tests and benchmarks: the zoom, the drawn
  // label size, whether the current node is on screen, and the closed boxes in view (where to click).
  function reportZoom() {
    container.dataset.zoom = cy.zoom().toFixed(4);
    container.dataset.labelPx = (cy.zoom() * FONT_SIZE).toFixed(2);
    const extent = viewExtent(cy.zoom());
    const onScreen = (element) => inView(boxOfElement(element), cy.zoom(), extent);
    const backward = store.backwardState();
    const current = backward && backward.current ? boxOfNode(backward.current.node) : null;
    container.dataset.currentInView = String(Boolean(current && inView(current, cy.zoom(), extent)));
    // Whether the whole graph is on screen: a grouped graph's extent is known from its layout; a small
    // one's node boxes are measured (edge labels may stick out of a fitted view).
    const whole = grouped ? { x1: 0, y1: 0, x2: grouped.extent.width, y2: grouped.extent.height } : cy.nodes().boundingBox({ includeLabels: false, includeOverlays: false });
    container.dataset.graphInView = String(whole.x1 >= extent.x1 - 1 && whole.y1 >= extent.y1 - 1 && whole.x2 <= extent.x2 + 1 && whole.y2 <= extent.y2 + 1);
    const boxes = cy.nodes('.group.closed').filter(onScreen).slice(0, 20);
    container.dataset.boxesInView = JSON.stringify(
      boxes.map((b) => ({ id: b.id(), label: b.data('text').split('\n')[0], x: Math.round(b.renderedPosition('x')), y: Math.round(b.renderedPosition('y')) })),
    );
  }

  // Whether a box {x, y, w, h} is wholly on screen, from its model position and size against the
  // view's extent: a rendered bounding box measures the label's text, and a rendered position per box
  // showed in profiles of a step through a large graph (every closed box is looked at).
  function inView(box, zoom, extent = viewExtent(zoom)) {
    const halfW = box.w / 2;
    const halfH = box.h / 2;
    return box.x - halfW >= extent.x1 && box.y - halfH >= extent.y1 && box.x + halfW <= extent.x2 && box.y + halfH <= extent.y2;
  }

  function boxOfElement(element) {
    const p = element.position();
    return { x: p.x, y: p.y, w: element.data('w'), h: element.data('h') };
  }

  // Where the item showing a trace node is: from the layout in a grouped graph (Cytoscape may not hold
  // it: graph-window.js), from the element in a small one.
  function boxOfNode(nodeId) {
    if (nodeId === null || nodeId === undefined) return null;
    if (grouped) {
      const id = grouped.visible.get(nodeId);
      return (id !== undefined && grouped.items.get(id)) || null;
    }
    const element = drawnOf(nodeId);
    return element && element.nonempty() ? boxOfElement(element) : null;
  }

  // The model coordinates on screen at `zoom` with the current pan.
  function viewExtent(zoom) {
    const pan = cy.pan();
    // cy.width() is cached until a resize; container.clientWidth after a DOM change forces a layout.
    return { x1: -pan.x / zoom, y1: -pan.y / zoom, x2: (cy.width() - pan.x) / zoom, y2: (cy.height() - pan.y) / zoom };
  }

  // Keeps a box {x, y, w, h} on screen at a readable zoom, moving the view only when it has to (and
  // Cytoscape's window with it, so what is shown there is drawn with its marks at once).
  function showReadable(box) {
    if (!box) return;
    const zoom = Math.max(cy.zoom(), readableZoom());
    if (zoom === cy.zoom() && inView(box, zoom)) return;
    cy.viewport({ zoom, pan: { x: cy.width() / 2 - box.x * zoom, y: cy.height() / 2 - box.y * zoom } });
    if (grouped && grouped.windowed && followWindow()) remark();
    reportZoom();
  }

  // ---- marks: current step, hover, selection, search ----
  // The nodes whose drawing a step changes: the one that ran and the ones it sent gradient to.
  function touchedBy(step) {
    if (!step) return [];
    return [step.node, ...(step.inputs || []).map((input) => input.to).filter((to) => to !== null && to !== undefined)];
  }

  function updateStep() {
    if (!cy) return;
    refocus();
    const backward = store.backwardState();
    if (backward && backward.current) showReadable(boxOfNode(backward.current.node));
    applyMarks();
    showStep();
    reportZoom();
  }

  // The gradient's labels placed (flowPlace) for the view as it is now. Each place looks at every node
  // held: a step through a large graph, hundreds.
  function placeLabels() {
    if (!marked) return;
    const view = viewExtent(cy.zoom());
    // The drawn edges a label keeps off, read once for every label of the step; only in a trace of up
    // to 150 nodes: reading every drawn edge's bounds took a step through the 20,000-node MLP from 27
    // to 30 ms of CPU.
    const edges = store.get('trace').nodes.length <= LARGE_GRAPH ? drawnEdges(cy) : [];
    const taken = []; // the labels placed so far, each kept clear of the others
    cy.batch(() => {
      marked.filter('edge.carrying').forEach((edge) => {
        const { dx, dy } = flowPlace(edge, view, { edges, taken });
        edge.data({ flowShift: dx, flowLift: dy });
        taken.push(flowBox(edge));
      });
    });
  }

  // The view moved the least that shows the current node and the gradient's labels whole, and the
  // nodes it goes to, where they fit together. The node is looked at again because the
  // step may have grown it: makemore's logits gained a line at step 11 and was cut by 8 units at the
  // view's top. The labels: SimpleNN on a phone at step 2 had "← 16×1, mean 0.0246", set above both
  // its nodes, cut by the view's top and left edges.
  function showStep() {
    const backward = store.backwardState();
    const node = backward && backward.current ? boxOfNode(backward.current.node) : null;
    if (!node) return;
    const carrying = marked ? marked.filter('edge.carrying') : cy.collection();
    const zoom = cy.zoom();
    const view = viewExtent(zoom);
    const pad = PAD / zoom;
    // Not in a large trace: the nodes a step sends to were off screen at most steps through the
    // 20,000-node MLP, and moving the view to them each time took a step from 33–42 to 46–49 ms.
    // (The deep sigmoid network's step 4 showed model.16.weight, where z₂₅ sends its gradient, cut at
    // the top, its name out of view.)
    const small = store.get('trace').nodes.length <= LARGE_GRAPH;
    const receivers = small ? receiverBoxes(backward.current).map(rectOf) : [];
    const fits = { width: view.x2 - view.x1 - 2 * pad, height: view.y2 - view.y1 - 2 * pad };
    const labels = carrying.map(flowBox);
    const u = roundWhatFits([...labels, rectOf(node)], receivers, fits);
    // along one axis, the least move that brings [lo, hi] inside [from, to], or 0 if it cannot
    const shift = (lo, hi, from, to) => (hi - lo > to - from ? 0 : lo < from ? lo - from : hi > to ? hi - to : 0);
    let dx = shift(u.x1, u.x2, view.x1 + pad, view.x2 - pad);
    const dy = shift(u.y1, u.y2, view.y1 + pad, view.y2 - pad);
    // Labels too far to one side to be shown with the node (set at the middles of edges longer than
    // the view, their stretch on screen too short to hold them): the node goes to the view's other
    // edge, so the labels can slide along more of their edges. On a phone SimpleNN opened at step 4
    // showed z₄ with no label at all: they sat at the middles of edges coming from far left.
    const n = rectOf(node);
    if (!dx && u.x2 - u.x1 > fits.width && labels.length && n.x2 - n.x1 <= fits.width) {
      if (labels.every((r) => r.x2 <= n.x1)) dx = n.x2 - (view.x2 - pad);
      else if (labels.every((r) => r.x1 >= n.x2)) dx = n.x1 - (view.x1 + pad);
    }
    if (!dx && !dy) return;
    cy.panBy({ x: -dx * zoom, y: -dy * zoom });
    placeLabels(); // a label whose edge's middle was off screen slides to the stretch now in view
  }

  // The current step drawn: the nodes it changed repainted, the active node, its boxes and the edges
  // carrying gradient marked.
  function applyMarks() {
    const backward = store.backwardState();
    const current = backward && backward.current;
    const position = store.get('position');
    const pass = store.pass();
    // One step forward or back repaints only the nodes those steps touched (what a box opening drew
    // is drawn as of now); a jump repaints all drawn.
    const near = shownStep && shownStep.trace === store.get('trace') && shownStep.pass === pass && Math.abs(shownStep.position - position) <= 1;
    const touched = near
      ? new Set([...touchedBy(shownStep.step), ...touchedBy(current), ...(backward ? backward.changed : [])])
      : null;
    const relabelled = cy.collection();
    cy.batch(() => {
      if (marked) marked.removeClass('active carrying holds-active'); // tracked: a selector query walks every element
      marked = cy.collection();
      const repaint = (display) => {
        const element = cy.getElementById(display.id);
        if (element.empty()) return;
        const lines = drawnLines(display, backward, pass);
        const text = lines.join('\n');
        if (element.data('text') !== text) relabelled.merge(element.data({ text, ...sizeOf(lines, display.kind) }));
        const reached = backward && display.members.some((id) => backward.reached.has(id));
        element.toggleClass('reached', Boolean(reached));
      };
      if (grouped) {
        // A jump repaints the nodes Cytoscape holds (a few hundred), not every visible node id.
        const ids = touched || [...grouped.held.keys()].filter((id) => !grouped.hierarchy.groups.has(id)).map((id) => Number(id.slice(1)));
        for (const id of ids) {
          const node = traceIndex.byId.get(id);
          if (node && grouped.visible.get(id) === `n${id}`) repaint(nodeDisplay(node));
        }
      } else {
        for (const display of model.nodes) if (display.kind !== 'saved') repaint(display);
      }
      if (!current) return;
      const active = drawnOf(current.node);
      if (active) marked.merge(active.addClass(active.hasClass('group') ? 'holds-active' : 'active'));
      if (grouped) for (const g of ancestorsOf(grouped.hierarchy, `n${current.node}`)) marked.merge(cy.getElementById(g).addClass('holds-active'));
      for (const flow of activeEdges(backward)) {
        const source = drawnOf(flow.source);
        const target = drawnOf(flow.target);
        if (!source || !target || source.same(target)) continue;
        const edges = source.edgesTo(target);
        const label = `← ${shortValue(flow.value)}`;
        edges.data({ flow: label });
        marked.merge(edges.addClass('carrying'));
      }
      placeLabels();
    });
    // Cytoscape restyles a changed label lazily, and a bounding box measured before that (reportZoom's,
    // in this same step) kept the old label's size: below zoom 1, where labels are drawn from textures
    // cut to that box, a label that gained a line was drawn clipped ("alue [1.541, …" on a phone).
    // Restyling the relabelled nodes now measures the new text. (cleanStyle is what Cytoscape's own
    // renderer calls before it measures; it is not in the documented API, and test_explorer.py's phone
    // label test fails if it stops working.)
    relabelled.cleanStyle();
    shownStep = { trace: store.get('trace'), pass, position, step: current };
    drawOverview(false); // its ring on the current node
  }

  function updateHover() {
    if (!cy) return;
    cy.nodes('.linked').removeClass('linked');
    const drawn = drawnOf(store.get('hover'));
    if (drawn) drawn.addClass('linked');
  }

  function updateSelection() {
    if (!cy) return;
    if (refocus()) updateStep();
    cy.nodes('.selected').removeClass('selected');
    const drawn = drawnOf(store.get('selected'));
    if (drawn) drawn.addClass('selected');
    if (grouped) showReadable(boxOfNode(store.get('selected')));
  }

  function searchHits() {
    const trace = store.get('trace');
    const query = store.get('search');
    if (!trace || !query.trim()) return [];
    return findNodes(trace.nodes, query);
  }

  function updateSearchMarks() {
    cy.nodes('.match').removeClass('match');
    const displays = cy.collection();
    for (const hit of searchHits().slice(0, 500)) {
      const drawn = drawnOf(hit.id);
      if (drawn) displays.merge(drawn);
    }
    displays.addClass('match');
    return displays;
  }

  // Find node: marks the hits and brings them into view; in a grouped graph the first hit's boxes open.
  function updateSearch() {
    if (!cy) return;
    if (refocus()) updateStep();
    const displays = updateSearchMarks();
    if (grouped) {
      const first = searchHits()[0];
      if (first) showReadable(boxOfNode(first.id));
      return;
    }
    if (!displays.length) return;
    const readable = () => {
      if (cy.zoom() > MAX_READABLE_ZOOM) {
        cy.zoom(MAX_READABLE_ZOOM);
        cy.center(displays);
      }
      reportZoom();
    };
    cy.animate({ fit: { eles: displays, padding: 120 }, duration: 250, complete: readable });
  }

  // Colour by |grad| (grad-colour.js): after every redraw, and when the toggle or the pass changes.
  function paint() {
    if (cy) container.dataset.gradScale = JSON.stringify(paintGradients(cy, store.pass(), store.get('gradColour'), nodesOf));
  }

  // The trace node ids a drawn element stands for: a node, its saved tensor's owner, or a box's contents.
  function nodesOf(drawnId) {
    const group = grouped && grouped.hierarchy.groups.get(drawnId);
    if (!group) {
      const member = memberOf(drawnId);
      return member === null || /^n\d+$/.test(drawnId) === false ? [] : [member];
    }
    return group.children.flatMap(nodesOf);
  }

  store.on(['trace', 'collapse', 'showSaved'], build);
  store.on(['gradColour', 'passIndex'], paint);
  // However the program panel opens or closes (the button, its rail's toggle, a resize), the button
  // follows: it offered to show code already in view when the rail was opened directly.
  store.on(['trace', 'error', 'programOpen'], renderEmpty);
  store.on(['position', 'passIndex'], updateStep);
  store.on(['hover'], updateHover);
  store.on(['selected'], updateSelection);
  store.on(['selected'], boxOfSelection); // after updateSelection has opened the node's boxes
  store.on(['search'], updateSearch);
  // A theme or presentation switch recolours the drawn graph in place (no re-layout, the view stays).
  onPaletteChange((p) => { if (cy) cy.style(styleFor(p)); });
  // The container changes size with the view (torchviz shares the row) and when the controls
  // below wrap (the backward-call menu appears): refit then, once per frame.
  // A resize the page announced (keepViewOnResize: a strip under the graph came or went, the
  // box-step control) keeps what the student looks at: re-placing the default view then sent the
  // view from the box they had just opened back to the first layers.
  // A view the student moved (a wheel zoom, a drag, a box opened by a click) is theirs: a resize
  // then keeps its centre and zoom. Re-placing the default view sent a student who had zoomed in on
  // a box back to the first layers when the program panel opened or the backward-call menu wrapped.
  let refit = 0;
  let keepUntil = 0;
  let size = { width: container.clientWidth, height: container.clientHeight };
  for (const type of ['wheel', 'pointerdown']) container.addEventListener(type, () => { moved = true; }, { passive: true });
  new ResizeObserver(() => {
    if (!cy || refit) return;
    refit = requestAnimationFrame(() => {
      refit = 0;
      if (!cy || container.clientHeight === 0) return;
      const before = size;
      size = { width: container.clientWidth, height: container.clientHeight };
      cy.resize();
      const announced = performance.now() <= keepUntil;
      if (!announced && !moved) {
        if (flat && size.width !== before.width) {
          clearTimeout(relayout);
          relayout = setTimeout(() => {
            if (!cy || moved || !flat) return;
            layOutFlatAgain();
            defaultView();
          }, RELAYOUT_AFTER_MS);
        }
        return defaultView();
      }
      keepUntil = 0;
      if (!announced) cy.panBy({ x: (size.width - before.width) / 2, y: (size.height - before.height) / 2 });
      if (grouped && grouped.windowed && followWindow()) remark();
      const backward = store.backwardState();
      if (announced && backward && backward.current) showReadable(boxOfNode(backward.current.node));
      showStepAgain();
      reportZoom();
      return undefined;
    });
  }).observe(container);

  return {
    fit: () => {
      if (!cy) return;
      fitAll();
      reportZoom();
    },
    cy: () => cy,
    /** The next resize of the graph (within KEEP_VIEW_MS) keeps the view instead of re-placing the default one. */
    keepViewOnResize() {
      keepUntil = performance.now() + KEEP_VIEW_MS;
    },
    /** The boxes of the drawn trace (graph-groups.js), or null when it is drawn node for node. */
    hierarchy: () => (grouped ? grouped.hierarchy : null),
    /** The labels of the boxes around trace node `nodeId`, outermost first ([] drawn node for node). */
    boxesOf: (nodeId) => (grouped ? boxTrail(grouped.hierarchy, `n${nodeId}`) : []),
    /** Brings the item showing trace node `nodeId` on screen at a readable zoom (if it is not already). */
    reveal(nodeId) {
      if (cy) showReadable(boxOfNode(nodeId));
    },
    /** Drawn positions and texts for the SVG export. */
    snapshot() {
      if (!cy) return null;
      const nodes = cy.nodes().map((n) => ({
        x: n.position('x'),
        y: n.position('y'),
        width: n.width(),
        height: n.height(),
        kind: ['input', 'output', 'group', 'saved'].find((k) => n.hasClass(k)) || 'op',
        // A box's "click to open" is the page's; a picture cannot be clicked.
        lines: String(n.data('text')).split('\n').map((line) => (n.hasClass('group') ? withoutClickHint(line) : line)),
        active: n.hasClass('active'),
        stopped: n.hasClass('stopped'),
        open: n.hasClass('group') && n.hasClass('open'),
      }));
      const edges = cy.edges().map((e) => {
        const s = e.sourceEndpoint();
        const t = e.targetEndpoint();
        const carrying = e.hasClass('carrying');
        const labelX = carrying ? e.midpoint().x + e.data('flowShift') : undefined;
        const labelY = carrying ? e.midpoint().y + e.data('flowLift') : undefined;
        const bends = e.hasClass('routed') ? e.segmentPoints() || [] : [];
        return { x1: s.x, y1: s.y, x2: t.x, y2: t.y, bends, label: carrying ? e.data('flow') : '', labelX, labelY, active: carrying };
      });
      return { nodes, edges };
    },
  };
}
