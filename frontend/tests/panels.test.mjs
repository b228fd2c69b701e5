import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CENTRE_MIN, CHROME, defaultLayout, fitted, GRAPH_ROOM, LIMITS, normalizeLayout, normalizePresentation, ONE_COLUMN, RAIL, readStored, resized,
  shown, toggled,
  writeStored,
} from '../js/shared/panels.js';

function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, String(v)) };
}

test('a 1280 px projector and a 1600 px laptop start with the program closed, a 1920 px screen with it open', () => {
  assert.equal(defaultLayout(1280).editor.open, false);
  assert.equal(defaultLayout(1600).editor.open, false);
  assert.equal(defaultLayout(1920).editor.open, true);
  assert.ok(defaultLayout(1920).editor.width >= LIMITS.editor.min);
});

test('whatever the width, the default layout leaves the graph its room', () => {
  for (let width = 1000; width <= 3000; width += 20) {
    const layout = defaultLayout(width);
    const { editor, side } = fitted(layout, width);
    const graph = width - editor - side - CHROME;
    if (layout.editor.open) assert.ok(graph >= GRAPH_ROOM, `${width} px: graph ${graph} px`);
    else assert.ok(width - LIMITS.editor.min - layout.side.width - CHROME < GRAPH_ROOM, `${width} px: program closed needlessly`);
  }
});

test('the program panel opens at 60 columns or more and never shrinks below', () => {
  const narrow = resized(defaultLayout(1920), 'editor', -5000);
  assert.equal(narrow.editor.width, LIMITS.editor.min);
  // 60 columns of the 16 px code font (9.6 px each) plus the line-number gutter and padding.
  assert.ok(LIMITS.editor.min >= 60 * 9.6 + 40);
});

test('dragging the side splitter left widens the side panel, within its limits', () => {
  const layout = defaultLayout(1600);
  assert.equal(resized(layout, 'side', -100).side.width, layout.side.width + 100);
  assert.equal(resized(layout, 'side', -5000).side.width, LIMITS.side.max);
  assert.equal(resized(toggled(layout, 'side', false), 'side', -10).side.open, true); // dragging opens it
});

test('collapsing toggles one panel and keeps its width for when it reopens', () => {
  const layout = toggled(defaultLayout(1920), 'editor');
  assert.deepEqual([layout.editor.open, layout.editor.width, layout.side.open], [false, LIMITS.editor.min, true]);
  assert.equal(toggled(layout, 'editor').editor.open, true);
});

test('open panels shrink to their minimum before the centre drops below its own', () => {
  const layout = { editor: { open: true, width: 900 }, side: { open: true, width: 600 } };
  const { editor, side } = fitted(layout, 1440);
  assert.equal(side, LIMITS.side.min);
  assert.equal(editor, 1440 - CENTRE_MIN - LIMITS.side.min);
  assert.deepEqual(fitted(toggled(layout, 'editor', false), 1280), { editor: RAIL, side: 600 });
  // Too narrow for both minima: the panels keep them (the one-column layout takes over in CSS).
  assert.deepEqual(fitted(layout, 900), { editor: LIMITS.editor.min, side: LIMITS.side.min });
});

test('at a 1280 px projector the program opens by sending the steps to their rail, and gives them back', () => {
  const start = defaultLayout(1280);
  const withProgram = toggled(start, 'editor', true, 1280);
  assert.deepEqual([withProgram.editor.open, withProgram.side.open], [true, false]);
  const { editor, side } = fitted(withProgram, 1280);
  assert.ok(1280 - editor - side - CHROME >= CENTRE_MIN, 'the graph keeps its minimum');
  assert.deepEqual(toggled(withProgram, 'editor', false, 1280), { editor: { open: false, width: LIMITS.editor.min }, side: start.side });
  // Opening the steps again while the program is open sends the program to its rail instead.
  const steps = toggled(withProgram, 'side', true, 1280);
  assert.deepEqual([steps.editor.open, steps.side.open], [false, true]);
  // A yielded panel survives a reload as yielded; one the user closed is not given back.
  assert.equal(normalizeLayout(JSON.parse(JSON.stringify(withProgram)), 1280).side.yielded, true);
  const closedByHand = toggled(toggled(start, 'side', false, 1280), 'editor', true, 1280);
  assert.equal(toggled(closedByHand, 'editor', false, 1280).side.open, false);
});

test('where both fit beside the graph, opening one panel leaves the other open', () => {
  const wide = toggled(defaultLayout(1600), 'editor', true, 1600);
  assert.deepEqual([wide.editor.open, wide.side.open], [true, true]);
  assert.ok(1600 - LIMITS.editor.min - LIMITS.side.min - CHROME >= CENTRE_MIN);
});

test('a stored layout survives a reload; garbage falls back to the defaults', () => {
  const storage = memoryStorage();
  const mine = resized(toggled(defaultLayout(1280), 'editor', true), 'editor', 120);
  writeStored(storage, 'k', mine);
  assert.deepEqual(normalizeLayout(readStored(storage, 'k'), 1280), mine);
  storage.setItem('bad', '{not json');
  assert.equal(readStored(storage, 'bad'), null);
  assert.deepEqual(normalizeLayout({ editor: { open: 'yes', width: 1e9 } }, 1280).editor, { open: false, width: LIMITS.editor.max });
});

test('presentation keeps only the panels it knows and is off unless asked for', () => {
  assert.deepEqual(normalizePresentation(null), { on: false, hide: [] });
  assert.deepEqual(normalizePresentation({ on: true, hide: ['side', 'bogus', 'legend'] }), { on: true, hide: ['side', 'legend'] });
});

test('both panels left open on a wide screen: on a 1280 px projector the program waits on its rail, the graph keeps its room', () => {
  const wide = toggled(defaultLayout(1920), 'side', true, 1920); // both open at 1920
  assert.deepEqual([wide.editor.open, wide.side.open], [true, true]);
  for (let width = ONE_COLUMN + 1; width <= 2400; width += 20) {
    const drawn = shown(wide, width);
    const { editor, side } = fitted(drawn, width);
    assert.ok(width - editor - side >= CENTRE_MIN, `${width} px: centre ${width - editor - side} px`); // as fitted counts it
    assert.equal(drawn.side.open, true); // the steps stay: they are the lesson's
  }
  assert.equal(shown(wide, 1280).editor.yielded, true);
  assert.deepEqual(shown(wide, 1920), wide); // the stored layout is unchanged: wide again, both again
  // What a click on the program's rail does there: it opens, the steps go to their rail.
  const opened = toggled(shown(wide, 1280), 'editor', true, 1280);
  assert.deepEqual([opened.editor.open, opened.side.open], [true, false]);
  // Stacked in one column (phones, narrow windows), nothing is hidden.
  assert.deepEqual(shown(wide, ONE_COLUMN), wide);
});
