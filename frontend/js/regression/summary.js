// What a fit or the exercise table showed, in one short line for the status beside the buttons (at
// most ~45 characters: one line on a 390 px phone, so nothing below it moves when it appears): the
// line was blank once an answer was drawn, while the optimization lab says what its runs did.

import { tableNumber } from '../optimize/series.js';

const loss = (value) => tableNumber(value, 4);

/** A gradient-descent fit beside the closed form (two /api/regression/polynomial answers). */
export function fitSummary(fit, closed) {
  if (fit.diverged) return `diverged at lr ${fit.lr}: try a smaller one`;
  return `loss ${loss(fit.loss)} (closed form ${loss(closed.loss)})`;
}

/** The exercise table (an /api/regression/polynomial/sweep answer): its best row. */
export function sweepSummary(sweep) {
  const finite = sweep.rows.filter((r) => !r.diverged && r.loss !== null);
  if (!finite.length) return `every run diverged (closed form ${loss(sweep.closed_form.loss)})`;
  const best = finite.reduce((a, b) => (b.loss < a.loss ? b : a)); // the diverged rows are marked in the table
  return `lowest loss ${loss(best.loss)}: lr ${best.lr}, ${best.steps} iterations`;
}
