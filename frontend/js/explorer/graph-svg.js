// A standalone SVG of the drawn graph, built from positions the graph view reports (no library),
// in the colours of the theme it was drawn in (a palette from js/shared/palette.js; light by default).

import { LIGHT } from '../shared/palette.js';
import { BOX_PADDING } from './graph-layout.js';

const escapeXml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);

export { escapeXml };

const KINDS = ['input', 'op', 'output', 'group', 'saved'];

const marker = (id, colour, size) =>
  `<marker id="${id}" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="${size}" markerHeight="${size}" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="${colour}"/></marker>`;

/** A box's line without the page's hint to click it: "4 nodes · click to open" → "4 nodes". */
export function withoutClickHint(line) {
  return line.replace(/ · click to open$| \(click to close\)$/, '');
}

/**
 * SVG text for `nodes` [{x, y, width, height, kind, lines, active, open, stopped}] (x, y: centres) and `edges`
 * [{x1, y1, x2, y2, bends, label, labelX, labelY, active}] (bends: [{x, y}] between the ends of an
 * edge routed round other nodes; labelX, labelY: the label's centre, if not just above the straight
 * edge's midpoint), framed with a margin, on the palette's panel colour.
 *
 * Drawn as the page draws them: an open box (`open`) is a frame behind everything, its title at its
 * top left corner; then the edges, the nodes, and last the labels of the edges carrying a gradient,
 * each on a patch of the panel's colour. Drawn in one pass, an open box's fill covered the edges
 * inside it, its title sat in the middle of its contents, and a short edge's label was under the
 * nodes at its ends.
 */
export function graphToSvg(nodes, edges, { margin = 20, fontSize = 14, palette: p = LIGHT } = {}) {
  const fill = { input: p.inputBg, op: p.opBg, output: p.outputBg, group: p.groupBg, saved: p.savedBg };
  const stroke = { input: p.input, op: p.op, output: p.output, group: p.group, saved: p.saved };
  const xs = nodes.flatMap((n) => [n.x - n.width / 2, n.x + n.width / 2]);
  const ys = nodes.flatMap((n) => [n.y - n.height / 2, n.y + n.height / 2]);
  const minX = Math.min(0, ...xs) - margin;
  const minY = Math.min(0, ...ys) - margin;
  const width = Math.max(...xs, 0) - minX + margin;
  const height = Math.max(...ys, 0) - minY + margin;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${minX} ${minY} ${width} ${height}" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}">`,
    `<rect x="${minX}" y="${minY}" width="${width}" height="${height}" fill="${p.panel}"/>`,
    // Arrowheads in the graph's own units, as the page's: scaled by the stroke (the default), a
    // gradient's 4-unit edge had a 32-unit head, in the grey of the others.
    `<defs>${marker('arrow', p.muted, 14)}${marker('arrow-flow', p.flow, 18)}</defs>`,
  ];
  const box = (n, kind, dash = '') => {
    // Where a failed backward() stopped (as the page draws it: red and dashed, over the step's colour).
    if (n.stopped) dash = ' stroke-dasharray="8 5"';
    const colour = n.stopped ? p.error : n.active ? p.flow : stroke[kind];
    const width = n.stopped || n.active ? 5 : 2;
    const paint = `fill="${n.stopped ? p.errorBg : fill[kind]}" stroke="${colour}" stroke-width="${width}"${dash}`;
    // In the page's shapes (its legend names them): an input is an ellipse (drawn as a box, the
    // exported least squares' w had the operations' shape); the output's border is double.
    if (kind === 'input') return `<ellipse cx="${n.x}" cy="${n.y}" rx="${n.width / 2}" ry="${n.height / 2}" ${paint}/>`;
    const rect = (inset, attrs) => `<rect x="${n.x - n.width / 2 + inset}" y="${n.y - n.height / 2 + inset}" width="${n.width - 2 * inset}" height="${n.height - 2 * inset}" rx="8" ${attrs}/>`;
    if (kind !== 'output' || n.active || n.stopped) return rect(0, paint);
    return rect(0, paint) + rect(4, `fill="none" stroke="${colour}" stroke-width="1.5"`);
  };
  for (const n of nodes.filter((node) => node.open)) {
    parts.push(box(n, 'group', ' stroke-dasharray="6 4" fill-opacity="0.35"'));
    const [title = ''] = n.lines || [];
    parts.push(`<text x="${n.x - n.width / 2 + BOX_PADDING}" y="${n.y - n.height / 2 + fontSize * 1.5}" fill="${p.groupLabel}">${escapeXml(title)}</text>`);
  }
  for (const e of edges) {
    const colour = e.active ? p.flow : p.muted;
    const ends = `stroke="${colour}" stroke-width="${e.active ? 4 : 2}" marker-end="url(#${e.active ? 'arrow-flow' : 'arrow'})"`;
    if (e.bends && e.bends.length) {
      // an edge routed round the nodes between its ends: its bends joined straight (the page rounds them)
      const points = [[e.x1, e.y1], ...e.bends.map(({ x, y }) => [x, y]), [e.x2, e.y2]].map((pt) => pt.join(',')).join(' ');
      parts.push(`<polyline points="${points}" fill="none" ${ends}/>`);
    } else {
      parts.push(`<line x1="${e.x1}" y1="${e.y1}" x2="${e.x2}" y2="${e.y2}" ${ends}/>`);
    }
  }
  for (const n of nodes.filter((node) => !node.open)) {
    const kind = KINDS.includes(n.kind) ? n.kind : 'op';
    parts.push(box(n, kind));
    const lines = n.lines || [];
    const top = n.y - ((lines.length - 1) * fontSize * 1.25) / 2 + fontSize * 0.35;
    lines.forEach((line, i) => {
      parts.push(`<text x="${n.x}" y="${top + i * fontSize * 1.25}" text-anchor="middle" fill="${p.nodeFg}">${escapeXml(line)}</text>`);
    });
  }
  for (const e of edges.filter((edge) => edge.label)) {
    const colour = e.active ? p.flow : p.muted;
    const x = e.labelX ?? (e.x1 + e.x2) / 2;
    const y = (e.labelY ?? (e.y1 + e.y2) / 2 - 12) + fontSize * 0.35; // the label's centre, as the page's
    const half = (String(e.label).length * fontSize * 0.62) / 2 + 3; // bold DejaVu Sans, about 0.62 em a character
    parts.push(`<rect x="${x - half}" y="${y - fontSize}" width="${2 * half}" height="${fontSize * 1.35}" rx="3" fill="${p.panel}" fill-opacity="0.9"/>`);
    parts.push(`<text x="${x}" y="${y}" text-anchor="middle" fill="${colour}" font-weight="bold">${escapeXml(e.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
