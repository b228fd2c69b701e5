import assert from 'node:assert/strict';
import { test } from 'node:test';

import { asSegments, pathHitsBox, routeEdge, rowReturn, segmentHitsBox } from '../js/explorer/edge-routes.js';

const box = (x, y, w, h) => ({ x, y, w, h });
const rect = (b) => ({ x1: b.x - b.w / 2, y1: b.y - b.h / 2, x2: b.x + b.w / 2, y2: b.y + b.h / 2 });
const inside = (p, b) => p.x > b.x - b.w / 2 && p.x < b.x + b.w / 2 && p.y > b.y - b.h / 2 && p.y < b.y + b.h / 2;

/** The boxes (other than its ends) that the edge source → bends → target passes through. */
function crossed(source, target, bends, boxes) {
  const path = [source, ...bends, target];
  return boxes.filter((b) => b !== source && b !== target && path.some((p, i) => i > 0 && segmentHitsBox(path[i - 1], p, rect(b))));
}

test('a segment hits a box it passes through, not one it passes beside or touches', () => {
  const r = { x1: 0, y1: 0, x2: 10, y2: 10 };
  assert.equal(segmentHitsBox({ x: -5, y: 5 }, { x: 15, y: 5 }, r), true);
  assert.equal(segmentHitsBox({ x: 5, y: -5 }, { x: 5, y: 2 }, r), true); // ends inside
  assert.equal(segmentHitsBox({ x: -5, y: 11 }, { x: 15, y: 11 }, r), false);
  assert.equal(segmentHitsBox({ x: -5, y: 10 }, { x: 15, y: 10 }, r), false); // along its border
  assert.equal(segmentHitsBox({ x: -5, y: -5 }, { x: -1, y: 20 }, r), false);
});

test("an edge past a node between its ends bends round it, on the straight line's nearer side", () => {
  // makemore's backprop: counts → probs straight down through counts_sum_inv
  const counts = box(100, 0, 200, 80);
  const between = box(110, 130, 200, 80);
  const probs = box(100, 260, 200, 80);
  const boxes = [counts, between, probs];
  assert.deepEqual(crossed(counts, probs, [], boxes), [between]);
  const bends = routeEdge(counts, probs, boxes, 'TB');
  assert.ok(bends.length >= 2);
  assert.deepEqual(crossed(counts, probs, bends, boxes), []);
  assert.ok(bends.every((p) => p.x < 10)); // the left: the line (x = 100) is nearer its left side (10) than its right (210)
  assert.ok(bends.every((p) => boxes.every((b) => !inside(p, b))));
});

test('an edge that crosses nothing has no bends', () => {
  const a = box(0, 0, 100, 50);
  const b = box(0, 120, 100, 50);
  const aside = box(300, 60, 100, 50);
  assert.deepEqual(routeEdge(a, b, [a, b, aside], 'TB'), []);
});

test('the run beside a node goes past a neighbour on that side, and stops short of the nodes at its ends', () => {
  const source = box(0, 0, 100, 60);
  const blocker = box(0, 100, 100, 60);
  const neighbour = box(-110, 100, 100, 60); // touching the blocker's left side, across the gap
  const wide = box(205, 100, 300, 60); // the right: a wider one, touching it too
  const target = box(0, 175, 100, 60); // 15 units after the blocker: a run ending 14 after it would be 1 from the target
  const boxes = [source, blocker, neighbour, wide, target];
  const bends = routeEdge(source, target, boxes, 'TB');
  assert.deepEqual(crossed(source, target, bends, boxes), []);
  assert.ok(bends[0].x < -160, `past the neighbour: ${bends[0].x}`);
  assert.ok(bends.every((p) => boxes.every((b) => !inside(p, b))));
});

test('left to right: the bends go above or below', () => {
  const a = box(0, 0, 80, 40);
  const mid = box(150, 5, 80, 40);
  const b = box(300, 0, 80, 40);
  const bends = routeEdge(a, b, [a, mid, b], 'LR');
  assert.deepEqual(crossed(a, b, bends, [a, mid, b]), []);
  assert.ok(bends.every((p) => p.y < -15)); // above: the line (y = 0) is nearer the top (−15)
});

test('on random layered graphs every routed edge crosses no node and bends outside every node', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let routed = 0;
  for (let trial = 0; trial < 200; trial += 1) {
    const ranks = [];
    const boxes = [];
    for (let r = 0; r < 6; r += 1) {
      const rank = [];
      let x = random() * 100;
      for (let k = 0, n = 1 + Math.floor(random() * 3); k < n; k += 1) {
        const w = 60 + random() * 200;
        const h = 40 + random() * 60;
        const b = box(x + w / 2, r * 130 + 50, w, h);
        x += w + 20 + random() * 40;
        rank.push(b);
        boxes.push(b);
      }
      ranks.push(rank);
    }
    const source = ranks[0][Math.floor(random() * ranks[0].length)];
    const last = ranks[2 + Math.floor(random() * 4)];
    const target = last[Math.floor(random() * last.length)];
    const bends = routeEdge(source, target, boxes, 'TB');
    if (bends === null) continue; // more than MAX_DETOURS: drawn straight
    if (bends.length) routed += 1;
    assert.deepEqual(crossed(source, target, bends, boxes), [], `trial ${trial}`);
    assert.ok(bends.every((p) => boxes.every((b) => !inside(p, b))), `trial ${trial}`);
  }
  assert.ok(routed > 50, `routed ${routed}`);
});

test('segments relative to the centres: each bend back from its weight and distance', () => {
  const s = { x: 10, y: 20 };
  const t = { x: 50, y: 200 };
  const bends = [{ x: -30, y: 60 }, { x: -30, y: 150 }];
  const { weights, distances } = asSegments(s, t, bends);
  const length = Math.hypot(t.x - s.x, t.y - s.y);
  const [ux, uy] = [(t.x - s.x) / length, (t.y - s.y) / length];
  bends.forEach((p, i) => {
    // Cytoscape's convention (its segmentPoints() read back in the browser): a distance along (−uy, ux)
    const x = s.x + weights[i] * (t.x - s.x) - distances[i] * uy;
    const y = s.y + weights[i] * (t.y - s.y) + distances[i] * ux;
    assert.ok(Math.abs(x - p.x) < 1e-9 && Math.abs(y - p.y) < 1e-9, `${x},${y}`);
  });
});

test('past nodes one after another the edge keeps one lane, the one the widest needs', () => {
  // hprebn → bndiff past z₂ and the wider bnmeani: one run, not a jog out at the second node
  const source = box(0, 0, 300, 100);
  const narrow = box(20, 120, 250, 80);
  const wide = box(20, 230, 380, 100);
  const target = box(0, 350, 300, 100);
  const boxes = [source, narrow, wide, target];
  const bends = routeEdge(source, target, boxes, 'TB');
  assert.deepEqual(crossed(source, target, bends, boxes), []);
  assert.equal(bends.length, 2);
  assert.equal(bends[0].x, bends[1].x);
  assert.equal(bends[0].x, 20 - 190 - 14);
});

test('an edge to the next row goes down into the gap between the rows, along it, and down into its target', () => {
  // the one-layer example: z ends the first row, b sits below z₁ to its left, z₂ starts the second
  const z1 = box(520, 60, 160, 80);
  const b = box(570, 200, 220, 150);
  const z = box(820, 130, 170, 80);
  const z2 = box(160, 380, 170, 80);
  const boxes = [z1, b, z, z2];
  assert.deepEqual(crossed(z, z2, [], boxes), [b]); // straight, it ran under b
  const bends = rowReturn(z, z2, 310, boxes);
  assert.deepEqual(bends, [{ x: 820, y: 310 }, { x: 160, y: 310 }]);
  assert.deepEqual(crossed(z, z2, bends, boxes), []);
});

test('a source with a node below it leaves by its foot and goes down beside its layer', () => {
  // the vector output: z₂ above z₃ in the first row's last layer, b to their left, Q below
  const b = box(540, 380, 280, 160);
  const z2 = box(800, 225, 170, 90);
  const z3 = box(805, 377, 190, 90);
  const q = box(180, 560, 170, 90);
  const boxes = [b, z2, z3, q];
  const bends = rowReturn(z2, q, 490, boxes);
  assert.equal(bends.length, 4);
  assert.deepEqual(crossed(z2, q, bends, boxes), []);
  assert.ok(bends[0].y > 270 && bends[0].y < 332); // between z₂'s foot and z₃'s head
  assert.ok(bends[1].x < 710 && bends[1].x > 680); // left of z₃ and z₂, right of b
  assert.deepEqual(bends.slice(2).map((p) => p.y), [490, 490]);
  // with no room beside the layer (b reaching under z₃) there is no clear way: null
  const wide = box(620, 380, 280, 160);
  assert.equal(rowReturn(z2, q, 490, [wide, z2, z3, q]), null);
});

test('a path hits a box when any of its segments runs through it, not when it goes round', () => {
  const box = { x1: 10, y1: 10, x2: 30, y2: 20 };
  const round = [{ x: 0, y: 0 }, { x: 40, y: 0 }, { x: 40, y: 30 }]; // along the top, then down the right
  assert.equal(pathHitsBox(round, box), false);
  const through = [{ x: 0, y: 0 }, { x: 0, y: 15 }, { x: 40, y: 15 }]; // its second segment crosses
  assert.equal(pathHitsBox(through, box), true);
  assert.equal(pathHitsBox([{ x: 0, y: 15 }], box), false); // one point is no segment
});
