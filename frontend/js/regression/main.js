// The regression page: fit by gradient descent against the closed form, and the exercise table.

import { postJSON } from '../shared/api.js';
import { replaceHash } from '../shared/deferred-url.js';
import { followForm } from '../shared/follow.js';
import { renderNav } from '../shared/nav.js';
import { onPaletteChange, themedLayout, themedTraces } from '../shared/palette.js';
import { plot, releasePlotly } from '../shared/first-plot.js';
import { restorePresentation } from '../shared/panels.js';
import { revealResults } from '../shared/reveal.js';
import { Store } from '../shared/store.js';
import { feedback } from '../optimize/feedback.js';
import { parseNumberList } from '../optimize/state.js';
import { closedFormBody, decodeState, encodeState, fitBody, normalize, parseCounts, sweepBody } from './state.js';
import { fitSummary, sweepSummary } from './summary.js';
import { renderCoefficients, renderSweep } from './tables.js';

renderNav(document.getElementById('nav'), 'regression');
restorePresentation(document.documentElement, window.localStorage); // large type when presenting

const $ = (id) => document.getElementById(id);
const fields = ['method', 'lr', 'iterations', 'degree'];
const { drawing, error: showError, work } = feedback($('status'), $('error'), [$('fit'), $('sweep')]);
let state = decodeState(window.location.hash);
// The page's store holds what a room shares (shared/follow.js): the fit and table on screen.
const store = new Store({ shown: null });

function fillForm() {
  for (const f of fields) $(f).value = String(state[f]);
  $('sweep-lrs').value = state.lrs;
  $('sweep-iterations').value = state.counts;
}

function readForm() {
  return normalize({
    method: $('method').value,
    lr: Number($('lr').value),
    iterations: Number($('iterations').value),
    degree: Number($('degree').value),
    lrs: $('sweep-lrs').value,
    counts: $('sweep-iterations').value,
    table: state.table,
  });
}

let figureShown = null; // the server's figure as sent (light colours), repainted on a theme change
function drawFigure(figure) {
  figureShown = figure;
  const layout = themedLayout({ ...figure.layout, height: 480, autosize: true });
  // Sketched until Plotly has loaded (shared/first-plot.js): the form, the coefficients table and
  // the figure do not wait for its 1.5 MB. Resolves once on screen; `plotted` once Plotly has drawn.
  return plot($('fit-plot'), themedTraces(figure.data), layout);
}
onPaletteChange(() => { if (figureShown) drawFigure(figureShown); });

/** Refuse what normalize() would silently replace by a default: results must match the form. */
function checkFit() {
  const lr = Number($('lr').value);
  const iterations = Number($('iterations').value);
  const degree = Number($('degree').value);
  if (!(lr > 0)) return 'learning rate: give a positive number';
  if (!Number.isInteger(iterations) || iterations < 1) return 'iterations: give a whole number ≥ 1';
  if (!Number.isInteger(degree) || degree < 1 || degree > 8) return 'degree: give a whole number from 1 to 8';
  return null;
}

async function fit(event) {
  if (event) event.preventDefault();
  const problem = checkFit();
  if (problem) {
    showError(new Error(problem));
    return;
  }
  state = readForm();
  replaceHash(encodeState(state));
  const answer = await work('Fitting…', () => Promise.all([
    postJSON('/api/regression/polynomial', fitBody(state)),
    postJSON('/api/regression/polynomial', closedFormBody(state)),
  ]));
  if (!answer) return;
  store.set({ shown: state });
  const [gd, closed] = answer;
  renderCoefficients($('coefficients'), gd, closed);
  const drawn = drawFigure(gd.figure);
  // Not awaited: the opening is ready with the sketch, and Plotly runs only after that (releasePlotly).
  // Once drawn, the line says what the fit reached.
  drawing('Drawing the fit…', drawn.plotted, fitSummary(gd, closed));
  await drawn;
}

async function sweep() {
  state = { ...readForm(), table: true };
  replaceHash(encodeState(state));
  let lrs;
  let counts;
  try {
    lrs = parseNumberList(state.lrs);
    counts = parseCounts(state.counts);
  } catch (error) {
    showError(error);
    return;
  }
  const answer = await work(`Running ${lrs.length} learning rates up to ${Math.max(...counts)} iterations…`,
    () => postJSON('/api/regression/polynomial/sweep', sweepBody(state, lrs, counts)), sweepSummary);
  if (!answer) return;
  store.set({ shown: state });
  renderSweep($('sweep-table'), answer);
}

fillForm();
$('fit-form').addEventListener('submit', (event) => {
  revealResults($('fit-form'), $('results'));
  fit(event);
});
$('sweep').addEventListener('click', async () => {
  revealResults($('fit-form'), $('sweep-table')); // the progress line at once,
  await sweep();
  revealResults($('fit-form'), $('sweep-table')); // the table once it is there (the page grew under it)
});
// The lecture's default fit right away, and a shared link's exercise table. Plotly (1.5 MB, most
// of a cold opening's main-thread time) runs once they are on screen, the figure sketched till then.
const opening = Promise.all([fit(), state.table ? sweep() : null]);
// Lets tests and the benchmark wait for the opening fit's table and figure (or its error).
opening.finally(() => {
  performance.mark('regression:ready');
  document.body.dataset.ready = 'true';
  releasePlotly();
});

// Follow mode: a lecturer's fit and exercise table, on every student's page.
followForm({
  page: 'regression',
  store,
  normalize,
  show: async (next) => {
    state = next;
    fillForm();
    replaceHash(encodeState(state));
    await Promise.all([fit(), state.table ? sweep() : null]);
  },
});
