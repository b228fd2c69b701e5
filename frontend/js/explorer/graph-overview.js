// The part of a large scene Cytoscape does not hold (graph-window.js), drawn on a plain canvas under
// Cytoscape's: boxes and nodes as filled rectangles, edges as straight lines, each colour one path.
// No labels: this draws what is too small to read or not yet handed to Cytoscape. 20,000 nodes and
// their edges take tens of milliseconds this way, where Cytoscape spent seconds per redraw.
// While the view moves the last drawing is moved and scaled as a bitmap (what Cytoscape's
// textureOnViewport does), unless a full drawing is cheap; the full drawing follows when it stops.

import { palette } from '../shared/palette.js';

const CHEAP_MS = 12; // a full drawing this fast is redone on every frame of a zoom or pan

/**
 * An overview canvas inside `container` (first child, under Cytoscape's canvases, no pointer events).
 * `draw(scene, view, moving)`: scene {items: Map id → {x, y, w, h, open}, edges: Map id → {source,
 * target}, incident: Map item id → [edge id], near(rect) → the item ids meeting rect (an index), held:
 * Map (ids Cytoscape draws), heldEdges: Set, isGroup(id), kindOf(id), active: item id or null}; view
 * {zoom, pan: {x, y}}.
 */
export function createOverview(container) {
  const canvas = document.createElement('canvas');
  canvas.className = 'graph-overview';
  canvas.setAttribute('aria-hidden', 'true');
  canvas.style.cssText = 'position:absolute;left:0;top:0;pointer-events:none;z-index:0';
  container.prepend(canvas);
  const context = canvas.getContext('2d');
  let cache = null; // {bitmap, zoom, pan} of the last full drawing
  let fullMs = Infinity;

  function fitCanvas() {
    const width = container.clientWidth;
    const height = container.clientHeight;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      cache = null;
    }
  }

  function clear() {
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
  }

  function drawMoved(view) {
    const k = view.zoom / cache.zoom;
    clear();
    context.setTransform(k, 0, 0, k, view.pan.x - cache.pan.x * k, view.pan.y - cache.pan.y * k);
    context.drawImage(cache.bitmap, 0, 0);
  }

  function drawFull(scene, view) {
    const started = performance.now();
    const p = palette();
    const { zoom, pan } = view;
    clear();
    context.setTransform(zoom, 0, 0, zoom, pan.x, pan.y);
    const extent = { x1: -pan.x / zoom, y1: -pan.y / zoom, x2: (canvas.width - pan.x) / zoom, y2: (canvas.height - pan.y) / zoom };
    const least = 1.5 / zoom; // a node smaller than this on screen is still a visible dot
    const paths = new Map(); // style key → Path2D
    const pathOf = (key) => {
      let path = paths.get(key);
      if (!path) paths.set(key, (path = new Path2D()));
      return path;
    };
    // The index gives the items in view; when they are few, only their edges are walked too.
    const near = scene.near(extent);
    const few = near.length < scene.items.size / 4;
    for (const id of near) { // exactly the items that meet the view (the index scans all when it is large)
      if (scene.held.has(id)) continue;
      const box = scene.items.get(id);
      const w = Math.max(box.w, least);
      const h = Math.max(box.h, least);
      pathOf(scene.isGroup(id) ? (box.open ? 'open' : 'closed') : scene.kindOf(id)).rect(box.x - w / 2, box.y - h / 2, w, h);
    }
    let edgeIds = scene.edges.keys();
    if (few) {
      const ids = new Set();
      for (const id of near) for (const edgeId of scene.incident.get(id) || []) ids.add(edgeId);
      edgeIds = ids;
    }
    const edges = new Path2D();
    let anyEdge = false;
    for (const id of edgeIds) {
      if (scene.heldEdges.has(id)) continue;
      const { source, target } = scene.edges.get(id);
      const a = scene.items.get(source);
      const b = scene.items.get(target);
      if (!a || !b) continue;
      if (Math.max(a.x, b.x) < extent.x1 || Math.min(a.x, b.x) > extent.x2 || Math.max(a.y, b.y) < extent.y1 || Math.min(a.y, b.y) > extent.y2) continue;
      edges.moveTo(a.x, a.y);
      edges.lineTo(b.x, b.y);
      anyEdge = true;
    }
    const outline = zoom * 60 >= 4; // borders only where a node is a few pixels across
    context.lineWidth = 1 / zoom;
    const fills = [
      ['open', p.groupBg, p.group, 0.35],
      ['closed', p.groupBg, p.group, 1],
    ];
    for (const [key, fill, stroke, alpha] of fills) {
      const path = paths.get(key);
      if (!path) continue;
      context.globalAlpha = alpha;
      context.fillStyle = fill;
      context.fill(path);
      context.globalAlpha = 1;
      if (outline) {
        context.strokeStyle = stroke;
        context.stroke(path);
      }
    }
    if (anyEdge) {
      context.strokeStyle = p.edge;
      context.lineWidth = Math.max(1, 2 * zoom) / zoom;
      context.stroke(edges);
      context.lineWidth = 1 / zoom;
    }
    const nodes = [
      ['input', p.inputBg, p.input],
      ['op', p.opBg, p.op],
      ['output', p.outputBg, p.output],
    ];
    for (const [key, fill, stroke] of nodes) {
      const path = paths.get(key);
      if (!path) continue;
      // Zoomed far out a node is a dot: its border colour is what shows against the background.
      context.fillStyle = outline ? fill : stroke;
      context.fill(path);
      if (outline) {
        context.strokeStyle = stroke;
        context.stroke(path);
      }
    }
    // The current step's node stays findable however far out: a ring of at least 8 px.
    const active = scene.active && scene.items.get(scene.active);
    if (active && !scene.held.has(scene.active)) {
      context.strokeStyle = p.flow;
      context.lineWidth = 3 / zoom;
      context.beginPath();
      context.arc(active.x, active.y, Math.max(8 / zoom, Math.max(active.w, active.h) / 2), 0, 2 * Math.PI);
      context.stroke();
    }
    context.setTransform(1, 0, 0, 1, 0, 0);
    if (!cache || cache.bitmap.width !== canvas.width || cache.bitmap.height !== canvas.height) {
      const bitmap = document.createElement('canvas');
      bitmap.width = canvas.width;
      bitmap.height = canvas.height;
      cache = { bitmap };
    }
    const copy = cache.bitmap.getContext('2d');
    copy.clearRect(0, 0, canvas.width, canvas.height);
    copy.drawImage(canvas, 0, 0);
    cache.zoom = zoom;
    cache.pan = { ...pan };
    fullMs = performance.now() - started;
  }

  return {
    draw(scene, view, moving = false) {
      fitCanvas();
      if (moving && cache && fullMs > CHEAP_MS) drawMoved(view);
      else drawFull(scene, view);
    },
    clear() {
      cache = null;
      fitCanvas();
      clear();
    },
    destroy() {
      canvas.remove();
    },
  };
}
