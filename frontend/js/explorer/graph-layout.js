// Where things go: a layered layout for one box's contents, and the whole scene composed box by box,
// so opening a box lays out only that box (and re-places its few ancestors' children).
//
// Why our own layered layout and not ELK or dagre: measured on this machine, elkjs 0.12 takes
// 30–300 ms for 10 nodes and 3.7 s for a 5,000-node chain once warm; dagre recurses once per chain
// link (1 s at 1,000 nodes, stack overflow near 2,000). Longest-path layers, two barycentre sweeps
// and straight-line placement are O(nodes + edges): a 20,000-node graph fully expanded lays out in
// tens of milliseconds, and a box of at most MAX_CHILDREN things in well under one.

import { ROOT } from './graph-groups.js';

export const RANK_GAP = 48;
export const NODE_GAP = 28;
export const BOX_PADDING = 16;
export const BOX_HEADER = 30; // room for the open box's own label above its contents

/**
 * Layered positions of `items` [{id, w, h}] (in data-flow order) joined by `edges` [[source, target]].
 * `direction` 'LR' puts layers left to right, 'TB' top to bottom. Returns {positions: Map id →
 * {x, y} (centres, from 0), width, height, layerOf(id), bandOf(id)}. An edge back to an earlier item
 * is ignored for layering.
 * `wrap` (model units along the flow): layers past it start a new band beside the last, as text
 * wraps (LR: rows downward; TB: columns rightward), so a long chain fills a view instead of one strip;
 * `bandGap` apart (only the edge joining two bands crosses that gap, so it may be less than a rank's).
 * `late`: each item that feeds another sits in the layer just before its first consumer (as dagre
 * places an input), not in the first after its producers: stacked in the first layer, the one-layer
 * example's w and b made its first row too tall for a 1280×720 panel, and the vector output's
 * z₃ = b**2, a layer early, fed the next row's first layer past the end of its own.
 * `centreSources`: an item no other feeds sits level with the middle of what it feeds, where that
 * makes its band no taller, not at its band's top: the second derivative's x, an ellipse
 * feeding three stacked nodes, stood above them and made its rows too tall for a 1280×720 panel.
 */
export function layeredLayout(items, edges, { direction = 'LR', rankGap = RANK_GAP, nodeGap = NODE_GAP, wrap = Infinity, bandGap = rankGap, late = false, centreSources = false } = {}) {
  const index = new Map(items.map((item, i) => [item.id, i]));
  const preds = items.map(() => []);
  const succs = items.map(() => []);
  for (const [s, t] of edges) {
    const a = index.get(s);
    const b = index.get(t);
    if (a === undefined || b === undefined || a === b) continue;
    if (a < b) {
      preds[b].push(a);
      succs[a].push(b);
    } else {
      preds[a].push(b); // a box fed by a later box: still drawn after it
      succs[b].push(a);
    }
  }
  const rank = items.map(() => 0);
  for (let i = 0; i < items.length; i += 1) for (const p of preds[i]) rank[i] = Math.max(rank[i], rank[p] + 1);
  if (late) for (let i = items.length - 1; i >= 0; i -= 1) if (succs[i].length) rank[i] = Math.min(...succs[i].map((s) => rank[s])) - 1;
  const layers = [];
  items.forEach((_, i) => (layers[rank[i]] ||= []).push(i));
  // Order within layers: barycentre of neighbours, one sweep down and one up.
  const order = new Float64Array(items.length);
  for (const layer of layers) layer.forEach((i, k) => (order[i] = k));
  const sweep = (neighbours, sequence) => {
    for (const layer of sequence) {
      const key = (i) => (neighbours[i].length ? neighbours[i].reduce((sum, j) => sum + order[j], 0) / neighbours[i].length : order[i]);
      const keyed = layer.map((i) => [key(i), order[i], i]);
      keyed.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      keyed.forEach(([, , i], k) => (order[i] = k));
      layer.splice(0, layer.length, ...keyed.map(([, , i]) => i));
    }
  };
  sweep(preds, layers.slice(1));
  sweep(succs, layers.slice(0, -1).reverse());
  const along = direction === 'LR' ? (item) => item.w : (item) => item.h;
  const across = direction === 'LR' ? (item) => item.h : (item) => item.w;
  // Along the flow: each layer as thick as its thickest item.
  const layerStart = [];
  let cursor = 0;
  for (const layer of layers) {
    layerStart.push(cursor);
    cursor += Math.max(...layer.map((i) => along(items[i]))) + rankGap;
  }
  const length = Math.max(0, cursor - rankGap);
  // Across the flow: each item wants to sit level with its producers; items keep their order and gap.
  const centre = new Float64Array(items.length);
  for (const layer of layers) {
    let floor = -Infinity;
    for (const i of layer) {
      const wanted = preds[i].length ? preds[i].reduce((sum, j) => sum + centre[j], 0) / preds[i].length : floor;
      const half = across(items[i]) / 2;
      centre[i] = Math.max(wanted, floor + half);
      if (!Number.isFinite(centre[i])) centre[i] = half;
      floor = centre[i] + half + nodeGap;
    }
  }
  const { starts: bands, of: bandOf } = wrapBands(layers.map((layer, k) => [layerStart[k], layerStart[k] + Math.max(...layer.map((i) => along(items[i])))]), wrap);
  if (centreSources) centreOnConsumers(layers, centre, { preds, succs, across, items, nodeGap, bandOf, rank });
  // Each band's extent across, then the bands side by side (room for the edge joining them between).
  const low = bands.map(() => Infinity);
  const high = bands.map(() => -Infinity);
  items.forEach((item, i) => {
    const b = bandOf[rank[i]];
    low[b] = Math.min(low[b], centre[i] - across(item) / 2);
    high[b] = Math.max(high[b], centre[i] + across(item) / 2);
  });
  const offset = [];
  let breadth = 0;
  bands.forEach((_, b) => {
    if (!Number.isFinite(low[b])) low[b] = high[b] = 0;
    offset.push(breadth);
    breadth += high[b] - low[b] + (b < bands.length - 1 ? bandGap : 0);
  });
  const positions = new Map();
  items.forEach((item, i) => {
    const b = bandOf[rank[i]];
    const a = layerStart[rank[i]] - bands[b] + along(item) / 2;
    const c = centre[i] - low[b] + offset[b];
    positions.set(item.id, direction === 'LR' ? { x: a, y: c } : { x: c, y: a });
  });
  const wrapped = bands.length > 1 ? Math.max(...bands.map((start, b) => (bands[b + 1] ?? cursor) - rankGap - start)) : length;
  const placed = { positions, layerOf: (id) => rank[index.get(id)], bandOf: (id) => bandOf[rank[index.get(id)]] };
  return direction === 'LR' ? { ...placed, width: wrapped, height: breadth } : { ...placed, width: breadth, height: wrapped };
}

/**
 * Each source (fed by nothing) of `layers` moved down, level with the middle of the items it feeds,
 * kept between its neighbours in its layer and above the bottom of the band's other items (so the
 * band grows no taller); a source taller than the band's other items is centred on them.
 */
function centreOnConsumers(layers, centre, { preds, succs, across, items, nodeGap, bandOf, rank }) {
  const isSource = (i) => !preds[i].length && succs[i].length > 0;
  const extent = new Map(); // band → [top, bottom] of its items that are not sources
  items.forEach((item, i) => {
    if (isSource(i)) return;
    const b = bandOf[rank[i]];
    const [top, bottom] = extent.get(b) || [Infinity, -Infinity];
    extent.set(b, [Math.min(top, centre[i] - across(item) / 2), Math.max(bottom, centre[i] + across(item) / 2)]);
  });
  for (const layer of layers) {
    layer.forEach((i, k) => {
      if (!isSource(i)) return;
      const half = across(items[i]) / 2;
      const middle = succs[i].reduce((sum, j) => sum + centre[j], 0) / succs[i].length;
      const [top, bottom] = extent.get(bandOf[rank[i]]) || [-Infinity, Infinity];
      let wanted = bottom - top >= 2 * half ? Math.min(middle, bottom - half) : (top + bottom) / 2;
      const before = layer[k - 1];
      const after = layer[k + 1];
      if (before !== undefined) wanted = Math.max(wanted, centre[before] + across(items[before]) / 2 + nodeGap + half);
      if (after !== undefined) wanted = Math.min(wanted, centre[after] - across(items[after]) / 2 - nodeGap - half);
      if (wanted >= centre[i]) centre[i] = wanted; // only down: the layer's floor put it at its highest
    });
  }
}

/**
 * Bands of consecutive layers, each at most `wrap` long unless one layer alone is longer (and none
 * when every layer would be a band of its own): `spans` are the layers' [start, end] along the flow.
 * Returns {starts: each band's start, of: layer → band}.
 */
export function wrapBands(spans, wrap) {
  const starts = [spans.length ? spans[0][0] : 0];
  const of = [];
  spans.forEach(([start, end], k) => {
    if (k > 0 && end - starts.at(-1) > wrap) starts.push(start);
    of.push(starts.length - 1);
  });
  // One layer a band is the other direction drawn badly (a row of one box under a row of one box): not wrapped.
  if (spans.length > 1 && starts.length === spans.length) return { starts: [spans[0][0]], of: spans.map(() => 0) };
  return { starts, of };
}

/**
 * The edges each box lays out: for every trace edge, the two children of the innermost box holding
 * both ends. Returns Map group id → [[source item, target item]] (deduplicated).
 */
export function edgesByGroup(hierarchy, edges) {
  const { parentOf } = hierarchy;
  const depths = new Map(); // box id → depth
  const depthOf = (id) => {
    let depth = depths.get(id);
    if (depth === undefined) {
      const parent = parentOf.get(id);
      depth = parent === undefined ? 0 : depthOf(parent) + 1;
      depths.set(id, depth);
    }
    return depth;
  };
  const boxOfNode = []; // node id → the box holding it: looked up once per node, not twice per edge
  const boxOf = (node) => boxOfNode[node] ?? (boxOfNode[node] = parentOf.get(`n${node}`));
  const result = new Map();
  const add = (group, pair) => {
    const list = result.get(group);
    if (list) list.push(pair);
    else result.set(group, [pair]);
  };
  const seenNodes = new Set(); // two nodes of one box, as one number (ids stay far below 2^26)
  const seen = new Set(); // the other pairs (a box at one end at least), as `a>b`
  for (const edge of edges) {
    const boxA = boxOf(edge.source);
    const boxB = boxOf(edge.target);
    if (boxA === boxB) {
      if (edge.source === edge.target) continue; // as below: one end holds the other
      // Most edges join two nodes of one box (a layer's ops): no climbing, no key text.
      const key = edge.source * 2 ** 26 + edge.target;
      if (seenNodes.has(key)) continue;
      seenNodes.add(key);
      add(boxA, [`n${edge.source}`, `n${edge.target}`]);
      continue;
    }
    let a = `n${edge.source}`;
    let b = `n${edge.target}`;
    let da = depthOf(boxA) + 1;
    let db = depthOf(boxB) + 1;
    for (; da > db; da -= 1) a = parentOf.get(a);
    for (; db > da; db -= 1) b = parentOf.get(b);
    if (a === b) continue; // one end holds the other (cannot happen for nodes)
    while (parentOf.get(a) !== parentOf.get(b)) {
      a = parentOf.get(a);
      b = parentOf.get(b);
    }
    const key = `${a}>${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    add(parentOf.get(a), [a, b]);
  }
  return result;
}

/**
 * Lays out what is visible: every open box's contents, inside out, reusing each box's layout while
 * nothing inside it changed. `sizeOf(item)` gives {w, h} of a node or a closed box; `isOpen(groupId)`.
 * Returns {items: Map item id → {x, y, w, h, open}} in absolute coordinates (centres), open boxes included.
 */
export function createSceneLayout(hierarchy, edges, { direction = 'LR', groupEdges = edgesByGroup(hierarchy, edges), wrap = Infinity } = {}) {
  const cache = new Map(); // group id → its last layout, reused while its key (what is inside) holds
  let serial = 0;

  function layoutGroup(id, sizeOf, isOpen) {
    const group = hierarchy.groups.get(id);
    const children = [];
    const keyParts = [];
    for (const child of group.children) {
      if (hierarchy.groups.has(child) && isOpen(child)) {
        const inner = layoutGroup(child, sizeOf, isOpen);
        children.push({ id: child, w: inner.width + 2 * BOX_PADDING, h: inner.height + 2 * BOX_PADDING + BOX_HEADER, inner });
        keyParts.push(`#${inner.serial}`);
      } else {
        const { w, h } = sizeOf(child);
        children.push({ id: child, w, h, inner: null });
        keyParts.push(`${w}x${h}`);
      }
    }
    const key = keyParts.join(',');
    const cached = cache.get(id);
    if (cached && cached.key === key) return cached;
    const { positions, width, height } = layeredLayout(children, groupEdges.get(id) || [], { direction, wrap });
    serial += 1;
    const result = { key, serial, children, positions, width, height };
    cache.set(id, result);
    return result;
  }

  function place(layout, left, top, out) {
    for (const child of layout.children) {
      const p = layout.positions.get(child.id);
      const x = left + p.x;
      const y = top + p.y;
      out.set(child.id, { x, y, w: child.w, h: child.h, open: Boolean(child.inner) });
      if (child.inner) place(child.inner, x - child.w / 2 + BOX_PADDING, y - child.h / 2 + BOX_PADDING + BOX_HEADER, out);
    }
  }

  return {
    direction,
    /** Absolute boxes of everything visible under `isOpen`. */
    layout(sizeOf, isOpen) {
      const top = layoutGroup(ROOT, sizeOf, isOpen);
      const items = new Map();
      place(top, 0, 0, items);
      return { items, width: top.width, height: top.height };
    },
  };
}
