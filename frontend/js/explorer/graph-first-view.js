// Where a grouped graph too big to fit readably is first shown: the view, at the readable zoom, that
// holds the most closed boxes, the earliest in reading order among equals. A 20-layer model's output
// end (the loss, the squeeze, the model box's bottom) showed no layer at all; its first layers are what
// a student looks for after Run, and what they click to open.

// Windows tried: each anchored at one of the first this many boxes (a model's layers, a loop's
// iterations), so a scene of hundreds of closed boxes costs at most this many passes over them.
const ANCHORS = 200;

/**
 * `boxes` [{x, y, w, h}] (centres and sizes, model units) in reading order; `view` {width, height} in
 * model units. Returns {count, first, x1, y1, x2, y2}: how many boxes the best view holds wholly, the
 * index of the first, and the rectangle around them; null when no box fits in the view.
 */
export function mostBoxesInView(boxes, view) {
  let best = null;
  const anchors = Math.min(boxes.length, ANCHORS);
  for (let i = 0; i < anchors; i += 1) {
    // The view with its top left corner at box i's: boxes above or left of it are another anchor's.
    const x1 = boxes[i].x - boxes[i].w / 2;
    const y1 = boxes[i].y - boxes[i].h / 2;
    const x2 = x1 + view.width;
    const y2 = y1 + view.height;
    const found = { count: 0, first: i, x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
    for (const box of boxes) {
      const left = box.x - box.w / 2;
      const top = box.y - box.h / 2;
      const right = box.x + box.w / 2;
      const bottom = box.y + box.h / 2;
      if (left < x1 || top < y1 || right > x2 || bottom > y2) continue;
      found.count += 1;
      found.x1 = Math.min(found.x1, left);
      found.y1 = Math.min(found.y1, top);
      found.x2 = Math.max(found.x2, right);
      found.y2 = Math.max(found.y2, bottom);
    }
    if (found.count > 0 && (!best || found.count > best.count)) best = found;
  }
  return best;
}
