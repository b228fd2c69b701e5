// A run's steps as a table: step, loss, every parameter and its gradient (before the update).

import { el } from '../shared/dom.js';
import { counted, formatNumber } from '../shared/format.js';
import { stepCount, tableIndices, tableNumber } from './series.js';
import { divergence } from './store.js';

/** Render `result` (a /api/trajectory answer) into `container`; long runs show their head and tail. */
export function renderStepTable(container, result, { caption = '', limit = 400, digits = 6 } = {}) {
  const names = result.function.parameters;
  const table = document.createElement('table');
  table.className = 'step-table';
  if (caption) table.append(el('caption', caption));
  const head = document.createElement('tr');
  head.append(el('th', 'step'), el('th', 'loss'));
  for (const n of names) head.append(el('th', n));
  for (const n of names) head.append(el('th', `grad ${n}`));
  const thead = document.createElement('thead');
  thead.append(head);
  const body = document.createElement('tbody');
  const { indices, skipped, gapAfter } = tableIndices(stepCount(result), limit);
  indices.forEach((i, position) => {
    const row = document.createElement('tr');
    if (result.loss[i] === null) row.className = 'diverged';
    row.append(el('td', String(result.step[i])), el('td', tableNumber(result.loss[i], digits)));
    for (const n of names) row.append(el('td', tableNumber(result.params[n][i], digits)));
    for (const n of names) row.append(el('td', tableNumber(result.grad[n][i], digits)));
    body.append(row);
    if (skipped && position === gapAfter) {
      const gap = document.createElement('tr');
      const td = el('td', `… ${counted(skipped, 'step')} not shown …`, 'gap');
      td.colSpan = 2 + 2 * names.length;
      gap.append(td);
      body.append(gap);
    }
  });
  const final = document.createElement('tr');
  final.className = 'final';
  final.append(el('td', 'final'), el('td', tableNumber(result.final.loss, digits)));
  for (const n of names) final.append(el('td', tableNumber(result.final.params[n], digits)));
  for (let i = 0; i < names.length; i += 1) final.append(el('td', ''));
  body.append(final);
  table.append(thead, body);
  container.replaceChildren(table);
  return table;
}

/**
 * What the run cost, when steps alone do not say it: L-BFGS's line search evaluates the function
 * more than once a step, Newton computes a Hessian each update (comparing methods fairly counts these,
 * not steps). Empty for a first-order run: one evaluation per step, which the step count says.
 */
export function costOf(result) {
  const parts = [];
  if (result.evaluations !== undefined && result.evaluations !== result.stopped_at) {
    parts.push(counted(result.evaluations, 'loss-and-gradient evaluation'));
  }
  if (result.hessians) {
    const n = result.function.parameters.length;
    parts.push(`${counted(result.hessians, 'Hessian')} (${n}×${n})`);
  }
  return parts.join(' and ');
}

/** One line on how the run ended: reason, step and loss; where it left the map (`off`: series.offMap). */
export function runSummary(result, off = null) {
  const reasons = {
    max_steps: 'ran all steps',
    tolerance: 'stopped: loss change below the tolerance',
    diverged: 'diverged (loss is no longer finite)',
    singular: 'stopped: the Hessian is singular here, so Newton\'s step is undefined',
  };
  const blewUp = divergence(result);
  const ending = blewUp
    ? `diverged: the loss grew from ${formatNumber(blewUp.from, 4)} to ${formatNumber(blewUp.to, 4)} over ${result.stopped_at} steps (try a smaller learning rate)`
    : `${reasons[result.reason] || result.reason} at step ${result.stopped_at}`;
  const cost = costOf(result);
  let text = `${ending}${cost ? ` (${cost})` : ''}; final loss ${tableNumber(result.final.loss, 6)}`;
  const m = result.nearest_minimum;
  if (m && !blewUp) {
    const where = Object.values(m.params).map((v) => tableNumber(v, 4)).join(', ');
    text += `; nearest minimum (${where}), distance ${tableNumber(m.distance, 3)}`;
  }
  if (off) { // series.offMap: the path is cut at the map's edge there, so say where it went
    const steps = off.first === off.last ? `step ${off.first}` : `${off.count} of steps ${off.first}–${off.last}`;
    text += `; off the map at ${steps}`;
  }
  return text;
}
