// The accumulation pitfall (CONTENT.md §9): the same run without and with clearing, side by side.

import { postJSON } from '../shared/api.js';
import { replaceHash } from '../shared/deferred-url.js';
import { followForm } from '../shared/follow.js';
import { renderNav } from '../shared/nav.js';
import { onPaletteChange } from '../shared/palette.js';
import { releasePlotly } from '../shared/first-plot.js';
import { restorePresentation } from '../shared/panels.js';
import { revealResults } from '../shared/reveal.js';
import { Store } from '../shared/store.js';
import { feedback } from '../optimize/feedback.js';
import { decodeDiff, encodeDiff } from '../optimize/hash.js';
import { drawLoss } from '../optimize/plots.js';
import { formatStart, parseStart } from '../optimize/state.js';
import { tableNumber } from '../optimize/series.js';
import { renderStepTable } from '../optimize/step-table.js';

renderNav(document.getElementById('nav'), 'pitfall');
restorePresentation(document.documentElement, window.localStorage); // large type when presenting

const $ = (id) => document.getElementById(id);
const DEFAULTS = Object.freeze({ start: { a: 0.5, b: 0.5 }, lr: 0.1, steps: 10 });
const LABELS = ['without clearing', 'with clearing'];
const { drawing, work } = feedback($('status'), $('error'), [$('run')]);

function normalize(p) {
  const start = p.start && typeof p.start === 'object' && Number.isFinite(p.start.a) && Number.isFinite(p.start.b)
    ? { a: p.start.a, b: p.start.b } : { ...DEFAULTS.start };
  return {
    start,
    lr: Number.isFinite(p.lr) && p.lr > 0 ? p.lr : DEFAULTS.lr,
    steps: Number.isInteger(p.steps) && p.steps > 0 ? p.steps : DEFAULTS.steps,
  };
}

let state = normalize(decodeDiff(window.location.hash));
// The page's store holds what a room shares (shared/follow.js): the runs on screen.
const store = new Store({ shown: null });

function fillForm() {
  $('start').value = formatStart(state.start);
  $('lr').value = String(state.lr);
  $('steps').value = String(state.steps);
}

/** The lesson in one short line (one on a phone), beside Run, once both runs are drawn: the line was blank. */
function bothRan(without, withClear) {
  const loss = (r) => tableNumber(r.final.loss, 4);
  return `loss ${loss(without)} without clearing, ${loss(withClear)} with`;
}

async function run(event) {
  if (event) event.preventDefault();
  const answer = await work('Running both…', async () => {
    const lr = Number($('lr').value);
    const steps = Number($('steps').value);
    // Refuse rather than silently run the defaults: the tables must match what the form says.
    if (!(lr > 0)) throw new Error('learning rate: give a positive number');
    if (!Number.isInteger(steps) || steps < 1) throw new Error('steps: give a whole number ≥ 1');
    state = normalize({ start: parseStart($('start').value), lr, steps });
    replaceHash(encodeDiff(state, DEFAULTS));
    const base = { preset: 'accumulation', start: state.start, optimizer: { name: 'gd', lr: state.lr }, steps: state.steps };
    return postJSON('/api/trajectories', { runs: [{ ...base, clear_grad: false }, { ...base, clear_grad: true }] });
  });
  if (!answer) return;
  store.set({ shown: state });
  const [without, withClear] = answer.runs;
  renderStepTable($('without'), without, { caption: 'a.grad and b.grad keep every earlier gradient' });
  renderStepTable($('with'), withClear, { caption: 'a fresh gradient each step' });
  lossShown = answer.runs;
  const drawn = drawLoss($('pitfall-loss'), lossShown, LABELS, Infinity, LOSS_TITLE); // sketched till Plotly has loaded
  // not awaited: Plotly runs after the opening is ready; the lesson's line once it has drawn
  drawing('Drawing the curves…', drawn.plotted, bothRan(without, withClear));
  await drawn;
}

let lossShown = null;
const LOSS_TITLE = 'Loss per step, both runs';
onPaletteChange(() => { if (lossShown) drawLoss($('pitfall-loss'), lossShown, LABELS, Infinity, LOSS_TITLE); });

fillForm();
$('pitfall-form').addEventListener('submit', (event) => {
  revealResults($('pitfall-form'), $('results'));
  run(event);
});
const opening = run();
// Lets tests and the benchmark wait for both tables and the loss curves (or the error). Plotly (1.5
// MB, most of a cold opening's main-thread time) runs after that, the curves sketched till then.
opening.finally(() => {
  performance.mark('pitfall:ready');
  document.body.dataset.ready = 'true';
  releasePlotly();
});

// Follow mode: the lecturer's start, learning rate and steps, run on every student's page.
followForm({
  page: 'pitfall',
  store,
  normalize,
  show: async (next) => {
    state = next;
    fillForm();
    await run();
  },
});
