// The computation graph drawn with Cytoscape.js and a layered (dagre) layout, data flowing left to right.

import cytoscape from '/vendor/cytoscape/cytoscape.esm.min.mjs';
import dagre from '/vendor/cytoscape-dagre/cytoscape-dagre.min.mjs';

import { formatShape } from '../shared/format.js';
import { activeEdges } from './accumulators.js';
import { gradLines, shortValue } from './grad-labels.js';
import { buildGraphModel } from './graph-model.js';
import { findNodes } from './node-search.js';
import { nodeTitle } from './state.js';

cytoscape.use(dagre);

const FONT_SIZE = 15;
// dagre is quadratic-ish and recurses once per chain link (measured: 1 s at 1,000 nodes, stack
// overflow near 2,000); above this many drawn nodes Cytoscape's breadth-first layers take over.
const DAGRE_LIMIT = 500;
const CHAR_WIDTH = 8.6; // average width of a DejaVu Sans character at FONT_SIZE
const MAX_READABLE_ZOOM = 1.4; // a small graph (or one found node) is not blown up past this

const STYLE = [
  {
    selector: 'node',
    style: {
      shape: 'round-rectangle',
      label: 'data(text)',
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      'font-size': FONT_SIZE,
      'font-family': 'DejaVu Sans, system-ui, sans-serif',
      'line-height': 1.3,
      width: 'data(w)',
      height: 'data(h)',
      color: '#1b1d23',
      'background-color': '#e3ebfc',
      'border-width': 2,
      'border-color': '#2456c9',
    },
  },
  { selector: 'node.input', style: { 'background-color': '#e2f4ea', 'border-color': '#0f7b46', shape: 'ellipse' } },
  { selector: 'node.output', style: { 'background-color': '#fbe4de', 'border-color': '#b5361c', 'border-width': 4, 'border-style': 'double' } },
  { selector: 'node.chain', style: { 'background-color': '#eeeeee', 'border-color': '#5b6270', 'border-style': 'dashed' } },
  { selector: 'node.saved', style: { 'background-color': '#fff1d6', 'border-color': '#a05a00', shape: 'rectangle', 'font-size': 13 } },
  { selector: 'node.reached', style: { 'font-weight': 'bold' } },
  { selector: 'node.linked', style: { 'underlay-color': '#f0b400', 'underlay-opacity': 0.55, 'underlay-padding': 8 } },
  { selector: 'node.match', style: { 'underlay-color': '#2456c9', 'underlay-opacity': 0.3, 'underlay-padding': 10 } },
  { selector: 'node.selected', style: { 'border-color': '#7c3aed', 'border-width': 5 } },
  { selector: 'node.active', style: { 'border-color': '#d97706', 'border-width': 7, 'background-color': '#fff7e6' } },
  {
    selector: 'edge',
    style: {
      width: 2,
      'line-color': '#8a93a6',
      'target-arrow-color': '#8a93a6',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
      'font-size': 16,
      'font-weight': 'bold',
      color: '#b45309',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.9,
      'text-background-padding': 3,
    },
  },
  { selector: 'edge.saved', style: { 'line-style': 'dashed', 'line-color': '#d4a053', 'target-arrow-shape': 'none' } },
  {
    selector: 'edge.carrying',
    style: { width: 5, 'line-color': '#d97706', 'target-arrow-color': '#d97706', label: 'data(flow)', 'z-index': 10, 'text-margin-y': -14 },
  },
];

function nodeLines(display, backward, trace, pass) {
  if (display.kind === 'saved') {
    return [`saved ${display.saved.name}`, `${formatShape(display.saved.shape)} ${shortValue(display.saved.value)}`];
  }
  if (display.kind === 'chain') {
    const members = display.members.map((id) => trace.byId.get(id));
    const ops = [...new Set(members.map((n) => n.op.replace(/Backward\d*$/, '')))].slice(0, 3).join(', ');
    const lines = [`chain of ${members.length} ops`, ops, `nodes ${display.members[0]}–${display.members.at(-1)}`];
    const reached = backward && display.members.filter((id) => backward.reached.has(id));
    if (reached && reached.length) lines.push(`grad reached ${reached.length}/${members.length}`);
    return lines;
  }
  const node = display.node;
  const lines = [nodeTitle(node)];
  const what = node.op === 'Constant' ? 'constant' : node.kind === 'input' ? 'input' : node.op;
  lines.push(`${what} · ${formatShape(node.shape)}`);
  lines.push(node.value ? `value ${shortValue(node.value)}` : 'value (internal)');
  lines.push(...gradLines(node, pass, backward));
  return lines;
}

function sizeOf(lines, kind) {
  const text = { w: Math.max(...lines.map((l) => l.length)) * CHAR_WIDTH, h: lines.length * FONT_SIZE * 1.3 };
  // Inputs are ellipses: the text's corners stay inside one √2 times the text box.
  const grow = kind === 'input' ? Math.SQRT2 : 1;
  return { w: Math.max(70, text.w * grow + 28), h: text.h * grow + 20 };
}

export function mountGraphView(store) {
  const container = document.getElementById('graph');
  let cy = null;
  let model = null;
  let traceIndex = null;

  const empty = document.getElementById('graph-empty');

  function renderEmpty() {
    empty.hidden = Boolean(store.get('trace'));
    empty.textContent = store.get('error')
      ? 'No graph: the program stopped with the error shown beside the code.'
      : 'No graph yet: pick an example or type a program and press Run.';
  }

  function build() {
    const trace = store.get('trace');
    if (cy) {
      cy.destroy();
      cy = null;
    }
    if (!trace) return;
    traceIndex = { byId: new Map(trace.nodes.map((n) => [n.id, n])) };
    model = buildGraphModel(trace, { collapse: store.get('collapse'), showSaved: store.get('showSaved') });
    const backward = store.backwardState();
    const elements = [];
    for (const display of model.nodes) {
      const lines = nodeLines(display, backward, traceIndex, store.pass());
      elements.push({
        group: 'nodes',
        data: { id: display.id, text: lines.join('\n'), ...sizeOf(lines, display.kind) },
        classes: display.kind,
      });
    }
    for (const edge of model.edges) {
      elements.push({
        group: 'edges',
        data: { id: edge.id, source: edge.source, target: edge.target, flow: '' },
        classes: edge.saved ? 'saved' : '',
      });
    }
    const big = model.nodes.length > 400;
    const layout =
      model.nodes.length > DAGRE_LIMIT
        ? {
            name: 'breadthfirst',
            directed: true,
            roots: cyRoots(),
            spacingFactor: 0.9,
            fit: true,
            padding: 24,
            // breadthfirst stacks layers top to bottom; swap axes so data still flows left to right.
            transform: (_node, position) => ({ x: position.y, y: position.x }),
          }
        : { name: 'dagre', rankDir: 'LR', nodeSep: 40, rankSep: big ? 36 : model.nodes.length < 30 ? 110 : 50, edgeSep: 10, fit: true, padding: 24 };
    cy = cytoscape({
      container,
      elements,
      style: STYLE,
      layout,
      minZoom: 0.02,
      maxZoom: 3,
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      pixelRatio: big ? 1 : 'auto',
    });
    cy.on('mouseover', 'node', (event) => store.set({ hover: memberOf(event.target.id()) }));
    cy.on('mouseout', 'node', () => store.set({ hover: null }));
    cy.on('tap', 'node', (event) => {
      const id = memberOf(event.target.id());
      if (id !== null) store.set({ selected: id });
    });
    chooseOrientation(layout);
    capZoom();
    updateStep();
    updateHover();
    updateSelection();
    updateSearch();
    performance.mark('explorer:graph-drawn');
    container.dataset.nodes = String(model.nodes.length);
  }

  // Display nodes with no producer: where the breadth-first layers start.
  function cyRoots() {
    const targets = new Set(model.edges.map((e) => e.target));
    return model.nodes.filter((n) => !targets.has(n.id)).map((n) => `#${n.id}`).join(', ');
  }

  // Left to right is the lecture's direction, but a long chain fitted to the panel that way becomes
  // unreadably small; then top to bottom (still inputs at one side, output at the other) wins.
  function chooseOrientation(layout) {
    if (layout.name !== 'dagre' || cy.zoom() >= 0.75) return;
    const leftToRight = cy.zoom();
    cy.layout({ ...layout, rankDir: 'TB' }).run();
    if (cy.zoom() < leftToRight * 1.25) cy.layout(layout).run();
    container.dataset.orientation = cy.zoom() > leftToRight ? 'TB' : 'LR';
  }

  // A tiny graph fitted to a big panel would be blown up to poster size; keep it readable instead.
  function capZoom() {
    if (cy.zoom() > MAX_READABLE_ZOOM) {
      cy.zoom(MAX_READABLE_ZOOM);
      cy.center();
    }
  }

  // A display node stands for one trace node, a chain (its first member) or a saved tensor (its owner).
  function memberOf(displayId) {
    const display = model && model.nodes.find((n) => n.id === displayId);
    if (!display) return null;
    if (display.kind === 'saved') return display.owner;
    return display.members[0];
  }

  function updateStep() {
    if (!cy) return;
    const backward = store.backwardState();
    cy.batch(() => {
      cy.elements('.active, .carrying').removeClass('active carrying');
      for (const display of model.nodes) {
        if (display.kind === 'saved') continue;
        const lines = nodeLines(display, backward, traceIndex, store.pass());
        const element = cy.getElementById(display.id);
        element.data({ text: lines.join('\n'), ...sizeOf(lines, display.kind) });
        const reached = backward && display.members.some((id) => backward.reached.has(id));
        element.toggleClass('reached', Boolean(reached));
      }
      if (!backward || !backward.current) return;
      const currentDisplay = model.displayOf.get(backward.current.node);
      if (currentDisplay) cy.getElementById(currentDisplay).addClass('active');
      for (const flow of activeEdges(backward)) {
        const source = model.displayOf.get(flow.source);
        const target = model.displayOf.get(flow.target);
        const edges = cy.edges(`[source = "${source}"][target = "${target}"]`);
        edges.data('flow', `← ${shortValue(flow.value)}`);
        edges.addClass('carrying');
      }
    });
  }

  function updateHover() {
    if (!cy) return;
    cy.nodes('.linked').removeClass('linked');
    const hover = store.get('hover');
    const display = hover !== null && model.displayOf.get(hover);
    if (display) cy.getElementById(display).addClass('linked');
  }

  function updateSelection() {
    if (!cy) return;
    cy.nodes('.selected').removeClass('selected');
    const selected = store.get('selected');
    const display = selected !== null && model.displayOf.get(selected);
    if (display) cy.getElementById(display).addClass('selected');
  }

  function updateSearch() {
    if (!cy) return;
    cy.nodes('.match').removeClass('match');
    const query = store.get('search');
    if (!query.trim()) return;
    const hits = findNodes(store.get('trace').nodes, query);
    const displays = cy.collection();
    for (const hit of hits) {
      const id = model.displayOf.get(hit.id);
      if (id) displays.merge(cy.getElementById(id));
    }
    displays.addClass('match');
    if (!displays.length) return;
    const readable = () => {
      if (cy.zoom() <= MAX_READABLE_ZOOM) return;
      cy.zoom(MAX_READABLE_ZOOM);
      cy.center(displays);
    };
    cy.animate({ fit: { eles: displays, padding: 120 }, duration: 250, complete: readable });
  }

  store.on(['trace', 'collapse', 'showSaved'], build);
  store.on(['trace', 'error'], renderEmpty);
  store.on(['position', 'passIndex'], updateStep);
  store.on(['hover'], updateHover);
  store.on(['selected'], updateSelection);
  store.on(['search'], updateSearch);
  // The container changes size with the view (torchviz shares the row) and when the controls
  // below wrap (the backward-call menu appears): refit then, once per frame.
  let refit = 0;
  new ResizeObserver(() => {
    if (!cy || refit) return;
    refit = requestAnimationFrame(() => {
      refit = 0;
      if (!cy || container.clientHeight === 0) return;
      cy.resize();
      cy.fit(undefined, 24);
      capZoom();
    });
  }).observe(container);

  return {
    fit: () => {
      if (!cy) return;
      cy.fit(undefined, 24);
      capZoom();
    },
    cy: () => cy,
    /** Drawn positions and texts for the SVG export. */
    snapshot() {
      if (!cy) return null;
      const nodes = cy.nodes().map((n) => ({
        x: n.position('x'),
        y: n.position('y'),
        width: n.width(),
        height: n.height(),
        kind: ['input', 'output', 'chain', 'saved'].find((k) => n.hasClass(k)) || 'op',
        lines: String(n.data('text')).split('\n'),
        active: n.hasClass('active'),
      }));
      const edges = cy.edges().map((e) => {
        const s = e.sourceEndpoint();
        const t = e.targetEndpoint();
        return { x1: s.x, y1: s.y, x2: t.x, y2: t.y, label: e.hasClass('carrying') ? e.data('flow') : '', active: e.hasClass('carrying') };
      });
      return { nodes, edges };
    },
  };
}

