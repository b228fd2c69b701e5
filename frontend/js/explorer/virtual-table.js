// A table of many rows that builds only the rows in view (plus a margin): a 20,000-node backward
// pass lists every reached accumulator and still repaints in a few milliseconds per step. The same
// table is updated from step to step (rebuilding it cost a layout of the whole side panel per step).

import { syncChildren } from '../shared/dom.js';

export const ROW_HEIGHT = 26; // px; rows do not wrap, so every row is this tall

/**
 * A scrolling box holding `table` whose body shows rows `[0, count)` drawn by `renderRow(i)` (a <tr>),
 * with `focus` (a row index or null) scrolled into view. Returns {element, update(options)}: update
 * takes new {count, renderRow, focus} and redraws the rows in view, scrolling only when the focus is
 * outside them.
 */
export function createVirtualTable(table, { count, renderRow, focus = null, height = 320, overscan = 6 }) {
  const box = document.createElement('div');
  box.className = 'virtual-table';
  box.style.maxHeight = `${height}px`;
  box.style.overflowY = 'auto';
  table.classList.add('virtual');
  const body = document.createElement('tbody');
  table.append(body);
  box.append(table);
  const spacer = () => {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    return tr;
  };
  const above = spacer();
  const below = spacer();
  let rows = { count, renderRow };
  // The scroll position as last set or seen: reading box.scrollTop after a change forces a layout.
  let scrollTop = 0;
  let shown = '';
  const paint = (force) => {
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - overscan);
    const last = Math.min(rows.count, Math.ceil((scrollTop + height) / ROW_HEIGHT) + overscan);
    if (!force && shown === `${first}:${last}`) return;
    shown = `${first}:${last}`;
    above.style.height = `${first * ROW_HEIGHT}px`;
    below.style.height = `${Math.max(0, rows.count - last) * ROW_HEIGHT}px`;
    const built = [];
    for (let i = first; i < last; i += 1) built.push(rows.renderRow(i));
    syncChildren(body, [above, ...built, below]); // the rows kept in view stay attached
  };
  const scrollTo = (row) => {
    if (row === null) return;
    const top = row * ROW_HEIGHT;
    if (top >= scrollTop && top + ROW_HEIGHT <= scrollTop + height) return; // already in view
    scrollTop = Math.max(0, (row - 2) * ROW_HEIGHT);
    box.scrollTop = scrollTop;
  };
  box.addEventListener('scroll', () => {
    scrollTop = box.scrollTop;
    requestAnimationFrame(() => paint(false));
  });
  const update = (options) => {
    rows = { count: options.count, renderRow: options.renderRow };
    box.dataset.rows = String(rows.count);
    scrollTo(options.focus ?? null);
    paint(true);
  };
  update({ count, renderRow, focus });
  // Once in the page the box can scroll (set earlier, the position may have been clamped to 0).
  requestAnimationFrame(() => {
    if (box.scrollTop !== scrollTop) box.scrollTop = scrollTop;
  });
  return { element: box, update };
}

/** A virtual table shown once: its box (see createVirtualTable). */
export function virtualTable(table, options) {
  return createVirtualTable(table, options).element;
}
