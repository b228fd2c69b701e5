// A table of many rows that builds only the rows in view (plus a margin): a 20,000-node backward
// pass lists every reached accumulator and still repaints in a few milliseconds per step.

export const ROW_HEIGHT = 26; // px; rows do not wrap, so every row is this tall

/**
 * A scrolling box holding `table` whose body shows rows `[0, count)` drawn by `renderRow(i)` (a <tr>),
 * with `focus` (a row index or null) scrolled into view. Returns the box.
 */
export function virtualTable(table, { count, renderRow, focus = null, height = 320, overscan = 10 }) {
  const box = document.createElement('div');
  box.className = 'virtual-table';
  box.style.maxHeight = `${height}px`;
  box.style.overflowY = 'auto';
  box.dataset.rows = String(count);
  table.classList.add('virtual');
  const body = document.createElement('tbody');
  table.append(body);
  box.append(table);
  const spacer = (px) => {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.style.height = `${px}px`;
    return tr;
  };
  let shown = '';
  const paint = () => {
    const first = Math.max(0, Math.floor(box.scrollTop / ROW_HEIGHT) - overscan);
    const last = Math.min(count, Math.ceil((box.scrollTop + height) / ROW_HEIGHT) + overscan);
    if (shown === `${first}:${last}`) return;
    shown = `${first}:${last}`;
    const rows = [];
    for (let i = first; i < last; i += 1) rows.push(renderRow(i));
    body.replaceChildren(spacer(first * ROW_HEIGHT), ...rows, spacer((count - last) * ROW_HEIGHT));
  };
  box.addEventListener('scroll', () => requestAnimationFrame(paint));
  if (focus !== null) box.scrollTop = Math.max(0, (focus - 2) * ROW_HEIGHT);
  paint();
  // Once in the page the box knows its real scroll position (setting it earlier may be clamped).
  requestAnimationFrame(() => {
    if (focus !== null) box.scrollTop = Math.max(0, (focus - 2) * ROW_HEIGHT);
    paint();
  });
  return box;
}
