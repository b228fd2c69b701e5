import assert from 'node:assert/strict';
import { test } from 'node:test';

import { graphToSvg } from '../js/explorer/graph-svg.js';
import { LIGHT, themedLayout, themedTraces } from '../js/shared/palette.js';

const DARK = { ...LIGHT, panel: '#1d2027', fg: '#e6e8ee', muted: '#a4abba', nodeFg: '#e6e8ee', opBg: '#1c2a4a', op: '#7aa2ff', plotBg: '#1d2027', plotGrid: '#3a3f4b', flow: '#f0a030' };

test('a plot layout takes the theme colours and keeps everything else it says', () => {
  const layout = themedLayout(
    {
      height: 300,
      font: { size: 14 },
      xaxis: { title: { text: 'step' } },
      yaxis2: { type: 'log' },
      legend: { orientation: 'h' },
      annotations: [{ text: 'A', font: { size: 20, color: '#000' } }],
    },
    DARK,
  );
  assert.equal(layout.height, 300);
  assert.equal(layout.paper_bgcolor, '#1d2027');
  assert.equal(layout.plot_bgcolor, '#1d2027');
  assert.deepEqual(layout.font, { size: 14, color: '#e6e8ee' });
  assert.equal(layout.xaxis.title.text, 'step');
  assert.equal(layout.xaxis.color, '#e6e8ee');
  assert.equal(layout.yaxis.gridcolor, '#3a3f4b'); // an axis the layout did not name is coloured too
  assert.equal(layout.yaxis2.type, 'log');
  assert.equal(layout.yaxis2.gridcolor, '#3a3f4b');
  assert.equal(layout.legend.orientation, 'h');
  assert.equal(layout.legend.font.color, '#e6e8ee');
  assert.deepEqual(layout.annotations[0].font, { size: 20, color: '#e6e8ee' });
});

test('the SVG export draws in the palette it is given, light by default', () => {
  const nodes = [{ x: 0, y: 0, width: 80, height: 40, kind: 'op', lines: ['z'] }];
  const edges = [{ x1: 0, y1: 0, x2: 100, y2: 0, label: '1', active: true }];
  const light = graphToSvg(nodes, edges);
  assert.ok(light.includes(`fill="${LIGHT.panel}"`) && light.includes(`fill="${LIGHT.opBg}"`));
  const dark = graphToSvg(nodes, edges, { palette: DARK });
  assert.ok(dark.includes('fill="#1d2027"'), 'background');
  assert.ok(dark.includes('fill="#1c2a4a" stroke="#7aa2ff"'), 'node fill and border');
  assert.ok(dark.includes('fill="#e6e8ee">z</text>'), 'node text');
  assert.ok(dark.includes('stroke="#f0a030"'), 'the carrying edge');
  assert.ok(!dark.includes(LIGHT.opBg));
});

test('a server figure drawn for a white page takes the theme colours, series by series', () => {
  const dark = { ...DARK, series: ['#7aa2ff', '#ff8a70', ...LIGHT.series.slice(2)] };
  const data = [
    { type: 'scatter', mode: 'markers', marker: { color: '#5b6270' } },
    { type: 'scatter', mode: 'lines', line: { color: '#B5361C', width: 3 } },
    { type: 'contour', colorscale: 'Viridis' },
    { type: 'scatter', line: { color: '#123456' } },
  ];
  const out = themedTraces(data, dark);
  assert.equal(out[0].marker.color, '#a4abba'); // the light muted grey → the dark one
  assert.deepEqual(out[1].line, { color: '#ff8a70', width: 3 });
  assert.deepEqual(out[2], data[2]);
  assert.equal(out[3].line.color, '#123456'); // a colour of no palette stays
  assert.equal(data[1].line.color, '#B5361C'); // the input is not changed
});
