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

/**
 * The rectangle to centre for `found` (mostBoxesInView's) inside open boxes: an open box's title
 * ("model · 44 nodes (click to close)") is in its header, above the boxes it holds, and centred on
 * those boxes the first view cut the title in half at the graph's top edge. Grown upwards to the tops
 * of the open boxes around it, the nearest first, while that fits `view`'s height; when not even the
 * nearest fits, grown downwards to the view's height instead, so the boxes start at the view's top and
 * the title is wholly above it. `frames` [{x, y, w, h}] are the open boxes (centres and sizes, model
 * units); `header` is the band their title takes.
 */
export function withHeaders(found, frames, view, header) {
  const around = framesAround(found, frames, header).reverse(); // the nearest first
  const fitting = around.filter((frame) => found.y2 - frame.top <= view.height);
  if (fitting.length) return { ...found, y1: fitting.at(-1).top }; // the outermost whose title fits
  return around.length ? { ...found, y2: Math.max(found.y2, found.y1 + view.height) } : found;
}

/**
 * The rectangle `rect` {x1, y1, x2, y2} grown up and left to the title of an open box around it (its
 * top left corner, where the title starts), the outermost whose title fits `view` with it; `rect` when
 * none does. A node shown alone (where a program stopped) sat under frame lines whose titles, "model"
 * and "model.fc1", were off the view's top and left. `frames` [{x, y, w, h}] are the open boxes.
 */
export function withFrameTitle(rect, frames, view, header) {
  for (const frame of framesAround(rect, frames, header)) {
    if (rect.x2 - frame.left <= view.width && rect.y2 - frame.top <= view.height) return { ...rect, x1: frame.left, y1: frame.top };
  }
  return rect;
}

// The open boxes `frames` ({x, y, w, h}) holding `rect` {x1, y1, x2, y2} with room for a title of
// `header` above it, as {left, top, right, bottom}, the outermost first.
function framesAround(rect, frames, header) {
  return frames
    .map((f) => ({ left: f.x - f.w / 2, top: f.y - f.h / 2, right: f.x + f.w / 2, bottom: f.y + f.h / 2 }))
    .filter((f) => f.left <= rect.x1 && f.right >= rect.x2 && f.top + header <= rect.y1 && f.bottom >= rect.y2)
    .sort((a, b) => a.top - b.top || a.left - b.left);
}

const EMPTY_BAND_PX = 60;
const OUT_PX = 4;

/**
 * How far to move a view along one axis so that it cuts as few nodes as it can: `spans` [[lo, hi]]
 * are the nodes' extents on that axis (rendered px, those level with the view on the other), `keep`
 * [lo, hi] the one that must stay wholly in view (the current node), `size` the view's extent, `pad`
 * the margin kept inside its edges, `bounds` [lo, hi] the graph's extent (the move opens no empty band
 * past its ends wider than EMPTY_BAND_PX, or a tenth of the view). Each candidate puts one node's edge at the view's edge (wholly in, or just
 * out); the least move among the fewest cut wins, 0 when nothing is better. The vector output at
 * 1280×720, centred on its output, showed a sliver of input a's ellipse at the left edge.
 */
export function uncutShift(spans, keep, size, pad, bounds) {
  // the current node stays in view, so no move is larger than the view: nodes farther than that from
  // it can be neither cut nor a candidate (a 20,000-node graph laid out whole has thousands level with it)
  spans = spans.filter(([lo, hi]) => hi > -size && lo < 2 * size);
  const cut = (shift) => spans.filter(([lo, hi]) => (lo + shift < 0 && hi + shift > 0) || (lo + shift < size && hi + shift > size)).length;
  // a band past the graph's end narrower than this is less seen than a node cut in two
  const band = Math.min(EMPTY_BAND_PX, size / 10);
  const allowed = (shift) =>
    keep[0] + shift >= pad &&
    keep[1] + shift <= size - pad &&
    (bounds[1] - bounds[0] <= size - 2 * pad || (bounds[0] + shift <= pad + band && bounds[1] + shift >= size - pad - band));
  let best = { shift: 0, cut: cut(0) };
  for (const [lo, hi] of spans) {
    // wholly in at either edge, or just out (past its border's width: the spans are the shapes')
    for (const shift of [pad - lo, size - pad - hi, -hi - OUT_PX, size - lo + OUT_PX]) {
      if (!allowed(shift)) continue;
      const count = cut(shift);
      if (count < best.cut || (count === best.cut && Math.abs(shift) < Math.abs(best.shift))) best = { shift, cut: count };
    }
  }
  return best.shift;
}
