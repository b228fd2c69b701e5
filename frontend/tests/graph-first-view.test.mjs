import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mostBoxesInView, uncutShift, withFrameTitle, withHeaders } from '../js/explorer/graph-first-view.js';
import { layeredLayout } from '../js/explorer/graph-layout.js';

const box = (x, y, w = 200, h = 60) => ({ x, y, w, h });

test('the first view holds the most boxes, the earliest run among equals', () => {
  // A column of 10 boxes 100 apart: a view 260 high holds three, first those from box 0.
  const column = Array.from({ length: 10 }, (_, i) => box(100, 30 + 100 * i));
  const best = mostBoxesInView(column, { width: 300, height: 260 });
  assert.equal(best.count, 3);
  assert.equal(best.first, 0);
  assert.deepEqual([best.x1, best.y1, best.x2, best.y2], [0, 0, 200, 260]);
  // Boxes crowded at the end (the output end of a model) win over the sparse start.
  const crowded = [box(100, 30), box(100, 1030), box(100, 1110), box(100, 1190)];
  assert.equal(mostBoxesInView(crowded, { width: 300, height: 250 }).first, 1);
});

test('no box fits: no first view (the caller centres the output as before)', () => {
  assert.equal(mostBoxesInView([], { width: 300, height: 250 }), null);
  assert.equal(mostBoxesInView([box(0, 0, 400, 60)], { width: 300, height: 250 }), null);
});

test("a wrapped chain's first view holds several of its boxes, in reading order", () => {
  // 20 layers of box and node (a model's fc_k and its relu), laid out top to bottom and wrapped at
  // the view's height: the view holds boxes from two columns, not only those of one strip.
  const items = [];
  for (let k = 1; k <= 20; k += 1) items.push({ id: `fc${k}`, w: 220, h: 60 }, { id: `relu${k}`, w: 260, h: 110 });
  const edges = items.slice(1).map((item, i) => [items[i].id, item.id]);
  const view = { width: 880, height: 460 };
  const boxes = (layout) => items.filter((item) => item.id.startsWith('fc')).map((item) => ({ ...layout.positions.get(item.id), w: item.w, h: item.h }));
  const strip = mostBoxesInView(boxes(layeredLayout(items, edges, { direction: 'TB' })), view);
  const wrapped = mostBoxesInView(boxes(layeredLayout(items, edges, { direction: 'TB', wrap: view.height })), view);
  assert.equal(strip.count, 2);
  assert.ok(wrapped.count >= 4, `${wrapped.count} boxes`);
  assert.equal(wrapped.first, 0);
});

test("the first view takes in the title of the open box around its boxes when it fits", () => {
  // A model box (open, 30 units of header) around a column of closed layers: the best view starts at
  // the first layer; grown, it starts at the model box's top, where its title is.
  const column = Array.from({ length: 10 }, (_, i) => box(100, 76 + 100 * i));
  const model = { x: 116, y: 530, w: 232, h: 1060 };
  const view = { width: 300, height: 320 };
  const found = mostBoxesInView(column, view);
  assert.deepEqual([found.y1, found.y2], [46, 306]);
  assert.deepEqual(withHeaders(found, [model], view, 30), { ...found, y1: 0 });
  // Nested: the inner box's title fits, the outer's would not (the boxes would leave the view).
  const outer = { x: 116, y: 500, w: 300, h: 1200 };
  assert.equal(withHeaders(found, [outer, model], view, 30).y1, 0);
  // Too tall with the title: the boxes at the view's top, the title wholly above it.
  const short = { width: 300, height: 280 };
  assert.deepEqual(withHeaders(found, [model], short, 30), { ...found, y2: 46 + 280 });
  // A box that does not hold them all is no frame: centred as found.
  assert.deepEqual(withHeaders(found, [{ ...model, y: 700 }], view, 30), found);
  assert.deepEqual(withHeaders(found, [], short, 30), found);
});

test('a node shown alone takes in the title of the outermost open box around it that fits', () => {
  // SimpleNN stopped at model.fc1.weight: the node inside model.fc1's open box, inside model's.
  const weight = { x1: 400, y1: 200, x2: 560, y2: 250 };
  const fc1 = { x: 350, y: 300, w: 500, h: 400 }; // left 100, top 100
  const model = { x: 300, y: 500, w: 800, h: 1000 }; // left -100, top 0
  assert.deepEqual(withFrameTitle(weight, [fc1, model], { width: 700, height: 400 }, 30), { ...weight, x1: -100, y1: 0 });
  // model's title would not fit beside the node: fc1's does.
  assert.deepEqual(withFrameTitle(weight, [fc1, model], { width: 500, height: 400 }, 30), { ...weight, x1: 100, y1: 100 });
  // Neither fits, or no box holds it with room for a title above: as it was.
  assert.deepEqual(withFrameTitle(weight, [fc1, model], { width: 300, height: 400 }, 30), weight);
  assert.deepEqual(withFrameTitle(weight, [{ ...fc1, y: 380 }], { width: 700, height: 400 }, 30), weight);
});

// The vector output at 1280×720 on one axis (rendered px, an 835 px view, 12 px kept inside it): input a
// [-80, 18] was cut by the left edge; z₁ [126, 281], z₂ [389, 544], the output Q [648, 823].
const VECTOR = { spans: [[-80, 18], [126, 281], [389, 544], [648, 823]], keep: [648, 823], size: 835, pad: 12, bounds: [-80, 823] };

test('the view moves the least that leaves no node cut by its edges, the current node kept whole', () => {
  const { spans, keep, size, pad, bounds } = VECTOR;
  const shift = uncutShift(spans, keep, size, pad, bounds);
  assert.equal(shift, -22); // a wholly out on the left (4 px past its border); Q still 34 px in from the right edge
  const cut = spans.filter(([lo, hi]) => (lo + shift < 0 && hi + shift > 0) || (lo + shift < size && hi + shift > size));
  assert.deepEqual(cut, []);
  assert.ok(keep[1] + shift <= size - pad);
});

test('no move when none is better, when the current node would leave, or past a wide empty band', () => {
  const { spans, size, pad, bounds } = VECTOR;
  assert.equal(uncutShift([[100, 200], [300, 400]], [100, 200], size, pad, [100, 400]), 0); // nothing cut
  // the current node a, partly out: taken in whole, Q is cut at the other edge instead: no fewer cut
  assert.equal(uncutShift(spans, [-70, 10], size, pad, bounds), 0);
  // a graph whose far end is already at the edge: hiding a 200 px sliver would open a 200 px band
  assert.equal(uncutShift([[-300, 200], [300, 823]], [300, 823], size, pad, [-300, 823]), 0);
});
