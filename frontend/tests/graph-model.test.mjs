import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { buildGraphModel } from '../js/explorer/graph-model.js';
import { escapeXml, graphToSvg } from '../js/explorer/graph-svg.js';

const poly = JSON.parse(readFileSync(new URL('./fixtures/trace-poly.json', import.meta.url)));

test('a small graph is drawn node for node with its kinds', () => {
  const model = buildGraphModel(poly);
  assert.deepEqual(model.nodes.map((n) => [n.id, n.kind]), [
    ['n0', 'input'],
    ['n1', 'op'],
    ['n2', 'op'],
    ['n3', 'output'],
  ]);
  assert.equal(model.edges.length, 4);
  assert.equal(model.displayOf.get(2), 'n2');
});

test('saved tensors appear as extra nodes only when asked for', () => {
  assert.equal(buildGraphModel(poly, { showSaved: false }).nodes.length, 4);
  const shown = buildGraphModel(poly, { showSaved: true });
  const saved = shown.nodes.filter((n) => n.kind === 'saved');
  assert.equal(saved.length, poly.nodes.reduce((n, node) => n + node.saved.length, 0));
  assert.ok(saved.length > 0);
  assert.ok(shown.edges.some((e) => e.saved && e.target === 'n1'));
});

test('the SVG export escapes user text and frames every node', () => {
  const svg = graphToSvg(
    [{ x: 0, y: 0, width: 80, height: 40, kind: 'input', lines: ['x <y> & "z"'] }],
    [{ x1: 0, y1: 0, x2: 100, y2: 0, label: '\u22123', active: true }],
  );
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.includes('x &lt;y&gt; &amp; &quot;z&quot;'));
  assert.ok(svg.includes('\u22123'));
  assert.equal(escapeXml("a'b"), 'a&apos;b');
});

test("the SVG export draws each node in the page's shape: an input an ellipse, the output double-bordered", () => {
  const svg = graphToSvg(
    [
      { x: 0, y: 0, width: 80, height: 40, kind: 'input', lines: ['w'] },
      { x: 200, y: 0, width: 100, height: 40, kind: 'output', lines: ['f'] },
    ],
    [],
  );
  assert.match(svg, /<ellipse cx="0" cy="0" rx="40" ry="20" fill="[^"]+" stroke="[^"]+" stroke-width="2"\/>/);
  assert.equal((svg.match(/<rect x="1[45]\d/g) || []).length, 2, svg); // the output's two borders, 4 apart
  assert.match(svg, /<rect x="154" y="-16" width="92" height="32" rx="8" fill="none"/);
});

test('node titles use the name, else the lecture symbol as plain text', async () => {
  const { nodeTitle, plainSymbol, shortTitle } = await import('../js/explorer/state.js');
  assert.equal(plainSymbol('z_{12}'), 'z₁₂');
  assert.equal(plainSymbol('f'), 'f');
  assert.equal(plainSymbol('\\mathrm{w\\_true}'), null);
  assert.deepEqual(poly.nodes.map(nodeTitle), ['x', 'z₁ = x**3', 'z₂ = 3*x', 'f = x**3 - 3*x']);
  assert.equal(shortTitle({ name: 'loss', symbol: 'f', label: 'mean' }), 'loss');
});

test('the SVG export draws an open box behind its edges, titled at its corner, and labels on top', async () => {
  const { withoutClickHint } = await import('../js/explorer/graph-svg.js');
  assert.equal(withoutClickHint('4 nodes · click to open'), '4 nodes');
  assert.equal(withoutClickHint('model · 10 nodes (click to close)'), 'model · 10 nodes');
  assert.equal(withoutClickHint('z₁ = x**3'), 'z₁ = x**3');
  const svg = graphToSvg(
    [
      { x: 200, y: 100, width: 400, height: 200, kind: 'group', lines: ['model · 10 nodes'], open: true },
      { x: 80, y: 100, width: 100, height: 40, kind: 'op', lines: ['h = relu(x)'] },
      { x: 260, y: 100, width: 100, height: 40, kind: 'output', lines: ['loss'], active: true },
    ],
    [{ x1: 130, y1: 100, x2: 210, y2: 100, label: '← 2', labelY: 60, active: true }],
  );
  const at = (text) => svg.indexOf(text);
  const frame = at('stroke-dasharray');
  const title = at('>model · 10 nodes<');
  const edge = at('<line ');
  const node = at('>h = relu(x)<');
  const label = at('>← 2<');
  assert.ok(frame > 0 && frame < title && title < edge && edge < node && node < label, svg);
  // The title at the frame's top left corner (x = 0 + 16), not centred on its contents.
  assert.match(svg, /<text x="16" y="[\d.]+" fill="[^"]+">model · 10 nodes<\/text>/);
  // The label where the page drew it (labelY, its centre), on a patch of the panel's colour.
  assert.match(svg, /<text x="170" y="64.9" text-anchor="middle"[^>]*>← 2<\/text>/);
  assert.ok(svg.lastIndexOf('<rect ') > node, 'the label patch is drawn over the nodes');
  // A gradient's arrowhead is the flow's colour and the graph's size, not four times the grey one.
  assert.match(svg, /marker-end="url\(#arrow-flow\)"/);
  assert.match(svg, /<marker id="arrow-flow"[^>]*markerUnits="userSpaceOnUse" markerWidth="18"/);
});
