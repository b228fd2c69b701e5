// The regression page's tables: coefficients of each fit, and the exercise sweep.

import { tableNumber } from '../optimize/series.js';

const NAMES = 'abcdefghk';

function row(cells, className) {
  const tr = document.createElement('tr');
  if (className) tr.className = className;
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

function table(className, caption, headers) {
  const el = document.createElement('table');
  el.className = className;
  const cap = document.createElement('caption');
  cap.textContent = caption;
  const head = document.createElement('tr');
  for (const h of headers) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  el.append(cap, thead, tbody);
  return { el, tbody };
}

const coefficientNames = (count) => NAMES.slice(0, count).split('');

/** Gradient descent's coefficients beside the closed form's. */
export function renderCoefficients(container, fit, closed) {
  const names = coefficientNames(closed.coefficients.length);
  const { el, tbody } = table('sweep-table', 'Coefficients (y ≈ a + b·x + c·x² …)', ['fit', ...names, 'loss']);
  const label = `${fit.method === 'manual' ? 'by hand' : 'by autograd'}, lr ${fit.lr}, ${fit.steps} iterations`;
  tbody.append(row([label, ...fit.coefficients.map((c) => tableNumber(c, 5)), tableNumber(fit.loss, 5)], fit.diverged ? 'diverged' : ''));
  tbody.append(row(['closed form (normal equations, float64)', ...closed.coefficients.map((c) => tableNumber(c, 5)), tableNumber(closed.loss, 5)], 'closed-form'));
  container.replaceChildren(el);
}

/** The exercise table: one row per (learning rate, iterations), the closed form last. */
export function renderSweep(container, sweep) {
  const names = coefficientNames(sweep.closed_form.coefficients.length);
  const { el, tbody } = table('sweep-table', `Exercise table (${sweep.method === 'manual' ? 'by hand' : 'by autograd'})`, ['lr', 'iterations', ...names, 'loss', '']);
  for (const r of sweep.rows) {
    const cells = [String(r.lr), String(r.steps), ...r.coefficients.map((c) => tableNumber(c, 5)), tableNumber(r.loss, 5), r.diverged ? 'diverged' : ''];
    tbody.append(row(cells, r.diverged ? 'diverged' : ''));
  }
  const c = sweep.closed_form;
  tbody.append(row(['closed form', '', ...c.coefficients.map((v) => tableNumber(v, 5)), tableNumber(c.loss, 5), ''], 'closed-form'));
  container.replaceChildren(el);
}
