// A grid of misclassified test digits, each drawn from its 28×28 pixels on a small canvas.

import { inkToRGBA, paint, SIDE } from './digits.js';

const pct = (p) => `${(100 * p).toFixed(0)}%`;

/** Fill `grid` with the items of a GET /api/models/{id}/misclassified answer. */
export function renderMisclassified(grid, items) {
  grid.replaceChildren(...items.map((item) => {
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.width = SIDE;
    canvas.height = SIDE;
    canvas.style.width = '70px';
    canvas.style.height = '70px';
    paint(canvas, inkToRGBA(item.pixels.flat())); // 28 rows of 28
    const caption = document.createElement('figcaption');
    const truth = document.createElement('span');
    truth.textContent = `${item.digit} (${item.label ? 'odd' : 'even'})`;
    const odds = document.createElement('span');
    odds.textContent = `P(odd) ${item.probabilities.map(pct).join(' / ')}`;
    caption.append(truth, odds);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `digit ${item.digit}, test image ${item.index}`);
    figure.append(canvas, caption);
    return figure;
  }));
}
