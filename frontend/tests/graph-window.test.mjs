import assert from 'node:assert/strict';
import { test } from 'node:test';

import { contains, createSpatialIndex, grown, meets, overlaps, rectOf, roundWhatFits } from '../js/explorer/graph-window.js';

// A small deterministic generator, so a failure names the seed that made it.
function random(seed) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

test('the grid index finds exactly the boxes a rectangle meets (oracle: every box tested)', () => {
  for (const seed of [1, 2, 3]) {
    const next = random(seed);
    const items = new Map();
    for (let i = 0; i < 600; i += 1) {
      // Mostly node-sized boxes, a few wide open boxes spanning many cells, some at negative coordinates.
      const wide = i % 50 === 0;
      items.set(`n${i}`, { x: next() * 20000 - 2000, y: next() * 8000 - 1000, w: wide ? 9000 : 70 + next() * 200, h: wide ? 3000 : 60 + next() * 80 });
    }
    const index = createSpatialIndex(items);
    for (let q = 0; q < 40; q += 1) {
      const x1 = next() * 22000 - 3000;
      const y1 = next() * 9000 - 1500;
      const size = q % 10 === 0 ? 40000 : next() * 3000; // now and then a rectangle holding everything
      const rect = { x1, y1, x2: x1 + size, y2: y1 + size * 0.6 };
      const expected = [...items].filter(([, box]) => meets(box, rect)).map(([id]) => id).sort();
      assert.deepEqual(index.query(rect).sort(), expected, `seed ${seed}, query ${q}`);
    }
  }
});

test('a box touching the rectangle only at an edge meets it; one a unit away does not', () => {
  const box = { x: 100, y: 100, w: 20, h: 10 };
  assert.equal(meets(box, { x1: 110, y1: 0, x2: 200, y2: 200 }), true);
  assert.equal(meets(box, { x1: 111, y1: 0, x2: 200, y2: 200 }), false);
  assert.equal(meets(box, { x1: 0, y1: 0, x2: 200, y2: 94 }), false);
});

test('grown and contains: the window held around a view', () => {
  const view = { x1: 0, y1: 0, x2: 1000, y2: 500 };
  const window = grown(view, 0.25);
  assert.deepEqual(window, { x1: -250, y1: -125, x2: 1250, y2: 625 });
  assert.equal(contains(window, view), true);
  assert.equal(contains(window, { x1: 200, y1: 0, x2: 1200, y2: 500 }), true);
  assert.equal(contains(window, { x1: 300, y1: 0, x2: 1300, y2: 500 }), false);
});

test('the rectangle round what fits: all of it when it fits the view, else what must be kept', () => {
  assert.deepEqual(rectOf({ x: 10, y: 20, w: 4, h: 6 }), { x1: 8, y1: 17, x2: 12, y2: 23 });
  const keep = [{ x1: 0, y1: 0, x2: 10, y2: 10 }];
  const more = [{ x1: 50, y1: 0, x2: 60, y2: 5 }];
  assert.deepEqual(roundWhatFits(keep, more, { width: 60, height: 10 }), { x1: 0, y1: 0, x2: 60, y2: 10 });
  assert.deepEqual(roundWhatFits(keep, more, { width: 59, height: 10 }), keep[0]);
  assert.deepEqual(roundWhatFits(keep, [], { width: 1, height: 1 }), keep[0]);
  // Of three it cannot show together, the nearest (and then whatever else still fits with it).
  const three = [
    { x1: 0, y1: -40, x2: 10, y2: -30 }, // 40 above
    { x1: 0, y1: -200, x2: 10, y2: -190 }, // far above
    { x1: 100, y1: 0, x2: 110, y2: 10 }, // 100 right
  ];
  assert.deepEqual(roundWhatFits(keep, three, { width: 60, height: 60 }), { x1: 0, y1: -40, x2: 10, y2: 10 });
  assert.deepEqual(roundWhatFits(keep, three, { width: 120, height: 60 }), { x1: 0, y1: -40, x2: 110, y2: 10 });
});

test('two rectangles overlap when they share more than an edge', () => {
  const a = { x1: 0, y1: 0, x2: 10, y2: 10 };
  assert.equal(overlaps(a, { x1: 5, y1: 5, x2: 15, y2: 15 }), true);
  assert.equal(overlaps(a, { x1: 10, y1: 0, x2: 20, y2: 10 }), false); // side by side, touching
  assert.equal(overlaps(a, { x1: 2, y1: 12, x2: 8, y2: 20 }), false); // below it
});
