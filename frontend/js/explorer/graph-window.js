// What of a large laid-out scene is near the view. Cytoscape's canvas renderer pays per element it
// holds, on screen or not (its style, label measuring and bounding boxes: a 20,000-node graph fully
// expanded took 27–58 s to draw and seconds per redraw), so above a size the page gives it only the
// items near the view and draws the rest itself (graph-overview.js). A uniform grid over the items'
// boxes answers "what is in this rectangle" in time proportional to what is there.

const CELL = 1024; // model units: a few nodes across, so a cell holds tens of items

/**
 * A grid index over `items` (Map id → {x, y, w, h}: centres and sizes). `query({x1, y1, x2, y2})`
 * returns the ids whose box meets the rectangle, each once, in no particular order.
 */
export function createSpatialIndex(items) {
  const cells = new Map(); // "cx,cy" → [id]
  const boxes = [];
  for (const [id, box] of items) {
    const x1 = Math.floor((box.x - box.w / 2) / CELL);
    const x2 = Math.floor((box.x + box.w / 2) / CELL);
    const y1 = Math.floor((box.y - box.h / 2) / CELL);
    const y2 = Math.floor((box.y + box.h / 2) / CELL);
    boxes.push([id, box]);
    for (let cx = x1; cx <= x2; cx += 1) {
      for (let cy = y1; cy <= y2; cy += 1) {
        const key = `${cx},${cy}`;
        const list = cells.get(key);
        if (list) list.push(id);
        else cells.set(key, [id]);
      }
    }
  }
  return {
    query(rect) {
      const found = new Set();
      const x1 = Math.floor(rect.x1 / CELL);
      const x2 = Math.floor(rect.x2 / CELL);
      const y1 = Math.floor(rect.y1 / CELL);
      const y2 = Math.floor(rect.y2 / CELL);
      // A rectangle wider than the scene's cells: walking the items beats walking empty cells.
      if ((x2 - x1 + 1) * (y2 - y1 + 1) > cells.size) {
        for (const [id, box] of boxes) if (meets(box, rect)) found.add(id);
        return [...found];
      }
      for (let cx = x1; cx <= x2; cx += 1) {
        for (let cy = y1; cy <= y2; cy += 1) {
          for (const id of cells.get(`${cx},${cy}`) || []) if (!found.has(id) && meets(items.get(id), rect)) found.add(id);
        }
      }
      return [...found];
    },
  };
}

/** Whether a centred box {x, y, w, h} meets the rectangle {x1, y1, x2, y2}. */
export function meets(box, rect) {
  return box.x + box.w / 2 >= rect.x1 && box.x - box.w / 2 <= rect.x2 && box.y + box.h / 2 >= rect.y1 && box.y - box.h / 2 <= rect.y2;
}

/** Whether two rectangles {x1, y1, x2, y2} overlap (more than touch). */
export function overlaps(a, b) {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

/** The rectangle {x1, y1, x2, y2} of a centred box {x, y, w, h}. */
export function rectOf(box) {
  return { x1: box.x - box.w / 2, y1: box.y - box.h / 2, x2: box.x + box.w / 2, y2: box.y + box.h / 2 };
}

/** The rectangle {x1, y1, x2, y2} round `rects` (rectangles). */
export function rectAround(rects) {
  return {
    x1: Math.min(...rects.map((r) => r.x1)),
    y1: Math.min(...rects.map((r) => r.y1)),
    x2: Math.max(...rects.map((r) => r.x2)),
    y2: Math.max(...rects.map((r) => r.y2)),
  };
}

/**
 * The rectangle round `keep` and as many of `more` (rectangles) as fit in `view` {width, height} with
 * it, the nearest first. (All or none: the step that sends a gradient to three nodes above it, one
 * near and two far, showed none of them in a short view, only the arrows leaving its top.)
 */
export function roundWhatFits(keep, more, view) {
  let around = rectAround(keep);
  const centre = (r) => [(r.x1 + r.x2) / 2, (r.y1 + r.y2) / 2];
  const [cx, cy] = centre(around);
  const distance = (r) => {
    const [x, y] = centre(r);
    return Math.hypot(x - cx, y - cy);
  };
  for (const r of [...more].sort((a, b) => distance(a) - distance(b))) {
    const grown = rectAround([around, r]);
    if (grown.x2 - grown.x1 <= view.width && grown.y2 - grown.y1 <= view.height) around = grown;
  }
  return around;
}

/** `rect` grown by `fraction` of its width and height on every side. */
export function grown(rect, fraction) {
  const dx = (rect.x2 - rect.x1) * fraction;
  const dy = (rect.y2 - rect.y1) * fraction;
  return { x1: rect.x1 - dx, y1: rect.y1 - dy, x2: rect.x2 + dx, y2: rect.y2 + dy };
}

/** Whether `inner` lies wholly inside `outer`. */
export function contains(outer, inner) {
  return inner.x1 >= outer.x1 && inner.y1 >= outer.y1 && inner.x2 <= outer.x2 && inner.y2 <= outer.y2;
}
