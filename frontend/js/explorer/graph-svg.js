// A standalone SVG of the drawn graph, built from positions the graph view reports (no library).

const escapeXml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);

export { escapeXml };

const FILL = { input: '#e2f4ea', op: '#e3ebfc', output: '#fbe4de', group: '#f3f0fb', saved: '#fff1d6' };
const STROKE = { input: '#0f7b46', op: '#2456c9', output: '#b5361c', group: '#6d4fc2', saved: '#a05a00' };

/**
 * SVG text for `nodes` [{x, y, width, height, kind, lines, active}] (x, y: centres) and `edges`
 * [{x1, y1, x2, y2, label, active}], framed with a margin.
 */
export function graphToSvg(nodes, edges, { margin = 20, fontSize = 14 } = {}) {
  const xs = nodes.flatMap((n) => [n.x - n.width / 2, n.x + n.width / 2]);
  const ys = nodes.flatMap((n) => [n.y - n.height / 2, n.y + n.height / 2]);
  const minX = Math.min(0, ...xs) - margin;
  const minY = Math.min(0, ...ys) - margin;
  const width = Math.max(...xs, 0) - minX + margin;
  const height = Math.max(...ys, 0) - minY + margin;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${minX} ${minY} ${width} ${height}" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#5b6270"/></marker></defs>',
  ];
  for (const e of edges) {
    const colour = e.active ? '#d97706' : '#5b6270';
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
    const kind = FILL[n.kind] ? n.kind : 'op';
    parts.push(
      `<rect x="${n.x - n.width / 2}" y="${n.y - n.height / 2}" width="${n.width}" height="${n.height}" rx="8" fill="${FILL[kind]}" stroke="${n.active ? '#d97706' : STROKE[kind]}" stroke-width="${n.active ? 5 : 2}"/>`,
    );
    const lines = n.lines || [];
    const top = n.y - ((lines.length - 1) * fontSize * 1.25) / 2 + fontSize * 0.35;
    lines.forEach((line, i) => {
      parts.push(`<text x="${n.x}" y="${top + i * fontSize * 1.25}" text-anchor="middle">${escapeXml(line)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('\n');
}
