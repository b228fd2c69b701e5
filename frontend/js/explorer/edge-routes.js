// Edges routed round the nodes they would cross. A layered layout draws an edge straight from its
// source to its target; one that skips ranks (makemore's `counts` feeding `probs` past
// `counts_sum_inv`) then runs through the nodes between, and reads as if it joined them. Such an edge
// bends round the nodes in its way: a run beside each, a gap off its side, on the side nearer the
// straight line (past any neighbour that side touches); runs on one side share the lane of the one
// farthest out. Pure geometry: boxes in, bends out.

import { rectOf } from './graph-window.js';

const GAP = 14; // between a node and an edge running beside it (model units)
const MAX_DETOURS = 6; // nodes one edge goes round before it is left straight

/** Whether segment a→b passes through `box` {x1, y1, x2, y2} (its inside, not just its border). */
export function segmentHitsBox(a, b, box) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  // Liang–Barsky clipping against the four sides, written out: it runs for every edge and node of a
  // boxed graph, and arrays of the sides made per call were most of its time.
  const range = [0, 1];
  return clip(-dx, a.x - box.x1, range) && clip(dx, box.x2 - a.x, range) && clip(-dy, a.y - box.y1, range) && clip(dy, box.y2 - a.y, range);
}

/** Whether the polyline through `points` [{x, y}] passes through `box`. */
export function pathHitsBox(points, box) {
  for (let i = 1; i < points.length; i += 1) if (segmentHitsBox(points[i - 1], points[i], box)) return true;
  return false;
}

// One side's clip of the parameter range [t0, t1] (narrowed in place); false once it is empty.
function clip(p, q, range) {
  if (p === 0) return q > 0;
  const t = q / p;
  if (p < 0) range[0] = Math.max(range[0], t);
  else range[1] = Math.min(range[1], t);
  return range[0] < range[1];
}

/**
 * The bends [{x, y}] of an edge from box `source` to box `target` (centres `x`, `y`; `w`, `h`) that
 * keep it out of `boxes` (every drawn node: the two ends are skipped), in a layout whose flow is
 * `direction` ('TB' top to bottom, 'LR' left to right). [] when the straight edge crosses nothing;
 * null when it would take more than MAX_DETOURS (then it is drawn straight).
 */
export function routeEdge(source, target, boxes, direction = 'TB') {
  const along = direction === 'TB' ? 'y' : 'x';
  const across = direction === 'TB' ? 'x' : 'y';
  // Most edges cross nothing: told before any lane is planned (a boxed graph routes every edge).
  if (!boxes.some((b) => b !== source && b !== target && segmentHitsBox(source, target, rectOf(b)))) return [];
  const ends = [rectOf(source), rectOf(target)];
  const lo = (r) => (along === 'y' ? [r.y1, r.x1] : [r.x1, r.y1]); // [along, across] of the low corner
  const hi = (r) => (along === 'y' ? [r.y2, r.x2] : [r.x2, r.y2]);
  // Only nodes level with some part of the edge can be in its way (every bend is level with one).
  const first = Math.min(lo(ends[0])[0], lo(ends[1])[0]);
  const last = Math.max(hi(ends[0])[0], hi(ends[1])[0]);
  const others = boxes
    .filter((b) => b !== source && b !== target)
    .map(rectOf)
    .filter((r) => lo(r)[0] < last && hi(r)[0] > first);
  const point = (a, c) => (along === 'y' ? { x: c, y: a } : { x: a, y: c });
  const backward = target[along] < source[along]; // an edge against the flow
  // A lane across the flow beside the stretch [a1, a2] along it, pushed (step −1 or +1) past any
  // node it would run through.
  const lane = (c, step, a1, a2) => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const o of others) {
        const [oa1, oc1] = lo(o);
        const [oa2, oc2] = hi(o);
        if (oa1 < a2 + GAP && oa2 > a1 - GAP && oc1 < c && oc2 > c) {
          c = step < 0 ? oc1 - GAP : oc2 + GAP;
          moved = true;
        }
      }
    }
    return c;
  };
  // Runs beside the nodes in the way: {a1, a2, c, step}. A run's ends stop halfway to a node just
  // before or after it in its lane (the edge's own ends included): ranks are spaced for the nodes as
  // first drawn, and a node grows while stepping.
  const runs = [];
  const bendsOf = ({ a1, a2, c }) => {
    let from = a1 - GAP;
    let to = a2 + GAP;
    for (const o of [...others, ...ends]) {
      const [oa1, oc1] = lo(o);
      const [oa2, oc2] = hi(o);
      if (oc1 >= c || oc2 <= c) continue;
      if (oa2 <= a1 && oa2 > from) from = (a1 + oa2) / 2;
      if (oa1 >= a2 && oa1 < to) to = (a2 + oa1) / 2;
    }
    return backward ? [point(to, c), point(from, c)] : [point(from, c), point(to, c)];
  };
  const pathOf = () => [{ x: source.x, y: source.y }, ...runs.flatMap(bendsOf), { x: target.x, y: target.y }];
  for (let detours = 0; ; detours += 1) {
    const path = pathOf();
    // the first node in the way, along the path
    let hit = null;
    for (let i = 0; i < path.length - 1 && !hit; i += 1) {
      let nearest = Infinity;
      for (const r of others) {
        if (!segmentHitsBox(path[i], path[i + 1], r)) continue;
        const distance = Math.abs((lo(r)[0] + hi(r)[0]) / 2 - path[i][along]);
        if (distance < nearest) [nearest, hit] = [distance, { leg: i, r }];
      }
    }
    if (!hit) return path.slice(1, -1);
    if (detours === MAX_DETOURS) return null;
    const { leg, r } = hit;
    const [a1, c1] = lo(r);
    const [a2, c2] = hi(r);
    const low = lane(c1 - GAP, -1, a1, a2);
    const high = lane(c2 + GAP, 1, a1, a2);
    // the side nearer where the leg crosses the node's middle
    const [start, end] = [path[leg], path[leg + 1]];
    const t = end[along] === start[along] ? 0.5 : ((a1 + a2) / 2 - start[along]) / (end[along] - start[along]);
    const crossing = start[across] + t * (end[across] - start[across]);
    let run = crossing - low <= high - crossing ? { a1, a2, c: low, step: -1 } : { a1, a2, c: high, step: 1 };
    // Runs on one side with none on the other between them are one run, in the lane of the one
    // farthest out: a lane for each jogged out and back between them.
    const joined = (o) => o.step === run.step && !runs.some((m) => m.step !== run.step && between(m, o, run));
    for (let k = runs.findIndex(joined); k !== -1; k = runs.findIndex(joined)) {
      const [o] = runs.splice(k, 1);
      const [b1, b2] = [Math.min(o.a1, run.a1), Math.max(o.a2, run.a2)];
      const c = run.step < 0 ? Math.min(o.c, run.c) : Math.max(o.c, run.c);
      run = { a1: b1, a2: b2, c: lane(c, run.step, b1, b2), step: run.step };
    }
    runs.push(run);
    runs.sort((x, y) => (backward ? y.a1 - x.a1 : x.a1 - y.a1));
  }
}

/**
 * The bends of an edge from one row to the next in a layout wrapped as text (rows downward): down
 * from the source into the gap between the rows (`gapY`, its middle), along the gap, and down into
 * the target, as a line of text returns to the margin. Straight from the end of one row to the start
 * of the next, the one-layer example's z → z₂ ran under b, the input stacked below z₁. A source with
 * a node below it (the vector output's z₂ above z₃) leaves by its foot and goes down beside its
 * layer instead, on the side the row came from. null when neither way is clear of `boxes` (every
 * node drawn, as `routeEdge`'s: the two ends are skipped).
 */
export function rowReturn(source, target, gapY, boxes) {
  const others = boxes.filter((b) => b !== source && b !== target).map(rectOf);
  const clear = (bends) => {
    const path = [source, ...bends, target];
    for (let i = 0; i < path.length - 1; i += 1) if (others.some((r) => segmentHitsBox(path[i], path[i + 1], r))) return false;
    return true;
  };
  const down = [{ x: source.x, y: gapY }, { x: target.x, y: gapY }];
  if (clear(down)) return down;
  const foot = source.y + source.h / 2;
  const below = others.filter((r) => r.y1 >= foot && r.x1 < source.x && r.x2 > source.x);
  if (!below.length) return null;
  const under = (foot + Math.min(...below.map((r) => r.y1))) / 2;
  // Beside the layer: left of every node level with the way down, a gap off the leftmost.
  const level = others.filter((r) => r.y2 > foot && r.y1 < gapY && r.x2 > source.x - source.w / 2 - GAP && r.x1 < source.x + source.w / 2);
  const side = Math.min(source.x - source.w / 2, ...level.map((r) => r.x1)) - GAP;
  const beside = [{ x: source.x, y: under }, { x: side, y: under }, { x: side, y: gapY }, { x: target.x, y: gapY }];
  return clear(beside) ? beside : null;
}

/** Whether run `m` lies between runs `a` and `b` along the flow. */
function between(m, a, b) {
  const mid = (r) => (r.a1 + r.a2) / 2;
  return Math.min(mid(a), mid(b)) < mid(m) && mid(m) < Math.max(mid(a), mid(b));
}

/**
 * Bends as Cytoscape's segment edge reads them with `edge-distances: node-position`: each one's
 * weight along the line from the source's centre to the target's and its distance off that line.
 */
export function asSegments(source, target, bends) {
  const dx = target.x - source.x;
  const dy = target.y - source.y;
  const length = Math.hypot(dx, dy) || 1;
  return {
    weights: bends.map((p) => ((p.x - source.x) * dx + (p.y - source.y) * dy) / (length * length)),
    distances: bends.map((p) => ((p.y - source.y) * dx - (p.x - source.x) * dy) / length),
  };
}
