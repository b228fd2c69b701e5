// A standalone SVG of the drawn graph, built from positions the graph view reports (no library),
// in the colours of the theme it was drawn in (a palette from js/shared/palette.js; light by default).

import { LIGHT } from '../shared/palette.js';

const escapeXml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);

export { escapeXml };

const KINDS = ['input', 'op', 'output', 'group', 'saved'];

/**
 * SVG text for `nodes` [{x, y, width, height, kind, lines, active}] (x, y: centres) and `edges`
 * [{x1, y1, x2, y2, label, active}], framed with a margin, on the palette's panel colour.
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
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="${p.muted}"/></marker></defs>`,
  ];
  for (const e of edges) {
    const colour = e.active ? p.flow : p.muted;
    parts.push(
      `<line x1="${e.x1}" y1="${e.y1}" x2="${e.x2}" y2="${e.y2}" stroke="${colour}" stroke-width="${e.active ? 4 : 2}" marker-end="url(#arrow)"/>`,
    );
    if (e.label) {
      parts.push(
        `<text x="${(e.x1 + e.x2) / 2}" y="${(e.y1 + e.y2) / 2 - 6}" text-anchor="middle" fill="${colour}" font-weight="bold">${escapeXml(e.label)}</text>`,
      );
    }
  }
  for (const n of nodes) {
    const kind = KINDS.includes(n.kind) ? n.kind : 'op';
    parts.push(
      `<rect x="${n.x - n.width / 2}" y="${n.y - n.height / 2}" width="${n.width}" height="${n.height}" rx="8" fill="${fill[kind]}" stroke="${n.active ? p.flow : stroke[kind]}" stroke-width="${n.active ? 5 : 2}"/>`,
    );
    const lines = n.lines || [];
    const top = n.y - ((lines.length - 1) * fontSize * 1.25) / 2 + fontSize * 0.35;
    lines.forEach((line, i) => {
      parts.push(`<text x="${n.x}" y="${top + i * fontSize * 1.25}" text-anchor="middle" fill="${p.nodeFg}">${escapeXml(line)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('\n');
}
