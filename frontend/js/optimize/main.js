// The optimization lab: form ⇄ state ⇄ URL hash, the function's surface, runs, animation, table.

import { getJSON, postJSON } from '../shared/api.js';
import { deferredWriter, replaceHash } from '../shared/deferred-url.js';
import { counted } from '../shared/format.js';
import { mountFollow } from '../shared/follow.js';
import { fillOptimizerSelect, updateRule } from '../shared/optimizers.js';
import { renderNav } from '../shared/nav.js';
import { onPaletteChange, seriesColor } from '../shared/palette.js';
import { plotlyLoaded, plotsDrawn, releasePlotly } from '../shared/first-plot.js';
import { sketchPointAt } from '../shared/sketch-plot.js';
import { restorePresentation } from '../shared/panels.js';
import { revealResults } from '../shared/reveal.js';
import { feedback } from './feedback.js';
import { animate, drawLoss, drawPaths, drawSurface, surfaceRanges } from './plots.js';
import {
  currentRun, decodeState, encodeState, EXAMPLES, formatStart, lrAfterSwitch, normalize, OWN,
  parseNumberList, parseStart, PRESETS, startFor, surfaceBody, trajectoriesBody, trajectoryBody,
} from './state.js';
import { offMap, stepCount } from './series.js';
import { renderStepTable, runSummary } from './step-table.js';
import {
  addedAnswered, answered, cleared, createLabStore, functionChosen, labelsOf, runAdded, runRemoved, runsOf, upToDate,
} from './store.js';

renderNav(document.getElementById('nav'), 'optimize');
restorePresentation(document.documentElement, window.localStorage); // large type when presenting

const $ = (id) => document.getElementById(id);
const form = {
  example: $('example'), fn: $('fn'), source: $('source'), kappa: $('kappa'), start: $('start'),
  optimizer: $('optimizer'), lr: $('lr'), steps: $('steps'), tol: $('tol'), clear: $('clear'),
  gradient: $('gradient'), lrs: $('lrs'),
};
const views = { landscape: $('landscape'), paths: $('paths'), loss: $('loss'), runs: $('runs'), table: $('table') };
// "Add run" stays enabled while a run is computed: a lecturer adds several runs without waiting
// (issue 13), and an add during a computation recomputes the whole list, the older answer dropped.
const { status: setStatus, error: showError, work, drawing } = feedback(
  $('status'), $('error'), ['run', 'compare', 'draw'].map($),
);

const store = createLabStore(decodeState(window.location.hash));
const lab = () => store.get('lab');
let stopAnimation = () => {};

function option(select, value, text) {
  const el = document.createElement('option');
  el.value = value;
  el.textContent = text;
  select.append(el);
}

function fillForm() {
  const state = lab();
  form.fn.value = state.fn;
  form.source.value = state.source;
  form.kappa.value = String(state.kappa);
  form.start.value = formatStart(state.start);
  form.optimizer.value = state.optimizer;
  $('update-rule').textContent = updateRule(state.optimizer);
  form.lr.value = String(state.lr);
  form.steps.value = String(state.steps);
  form.tol.value = state.tol === null ? '' : String(state.tol);
  form.clear.checked = state.clear;
  form.gradient.value = state.gradient;
  form.lrs.value = state.lrs;
  $('source-row').hidden = state.fn !== OWN;
  $('kappa-row').hidden = state.fn !== 'quadratic';
  const info = store.get('presets')[state.fn];
  $('formula').textContent = info ? `f = ${info.formula}` : '';
}

/** The form's values as a state (throws with a readable message on a bad entry). */
function readForm() {
  const lr = Number(form.lr.value);
  if (!(lr > 0)) throw new Error('learning rate: give a positive number');
  const steps = Number(form.steps.value);
  if (!Number.isInteger(steps) || steps < 1) throw new Error('steps: give a whole number ≥ 1');
  const tol = form.tol.value.trim() === '' ? null : Number(form.tol.value);
  if (tol !== null && !(tol >= 0)) throw new Error('tolerance: give a number ≥ 0 or leave it empty');
  return normalize({
    ...lab(),
    fn: form.fn.value,
    source: form.source.value,
    kappa: Number(form.kappa.value),
    start: parseStart(form.start.value),
    optimizer: form.optimizer.value,
    lr, steps, tol,
    clear: form.clear.checked,
    gradient: form.gradient.value,
    lrs: form.lrs.value,
  });
}

// --- one render path: each view redraws when the store keys it shows change ------------------

// The contour is drawn when the surface changes, the paths over it on every change of the runs and
// in a few big animation steps (each paths frame is a Plotly redraw besides the loss plot's).
const PATH_FRAMES = 15;
let surfaceDrawn = null; // the surface last sent to Plotly
let surfaceShown = null; // the surface on screen (sketched, or drawn by Plotly)
let pathsDrawn = { surface: null, results: null, upTo: -1 };
let drawQueued = false;
let surfaceWaiters = []; // resolved once the surface of the moment has been drawn (init's ready)
function whenSurfaceShown() {
  if (!store.get('surface') || surfaceShown === store.get('surface')) return Promise.resolve();
  return new Promise((resolve) => surfaceWaiters.push(resolve));
}
function releaseSurfaceWaiters() {
  const waiting = surfaceWaiters;
  surfaceWaiters = [];
  for (const resolve of waiting) resolve();
}
// After the next frame is painted, not inside it: what changed beside the plots (an example's runs
// listed, the status line) shows before Plotly redraws (measured: the Rosenbrock example's runs
// waited 440 ms behind its contour and both paths inside the frame's callback).
const afterPaint = (draw) => requestAnimationFrame(() => setTimeout(draw, 0));
function redraw() {
  // Coalesce: an animation frame, a new surface and a removed run in one tick draw once.
  if (drawQueued) return;
  drawQueued = true;
  afterPaint(() => {
    drawQueued = false;
    const { surface, results, upTo } = store.state;
    const labels = labelsOf(lab());
    if (surfaceDrawn !== surface) {
      surfaceDrawn = surface;
      const drawn = drawSurface(views.landscape, surface);
      // On screen (sketched before Plotly has loaded, or drawn by Plotly): the student sees the map.
      drawn.then(() => {
        if (surfaceDrawn !== surface) return; // a newer surface is on its way
        surfaceShown = surface;
        performance.mark('optimize:surface-drawn'); // the heatmap; its contour lines follow Plotly's drawing
        releaseSurfaceWaiters();
      });
      drawn.plotted.then(() => {
        if (!clickWired && surface) wireClicks(); // Plotly has drawn the div now, so it takes event handlers
        // Plotly's ranges (a zoom kept by uirevision included) are the paths' now.
        if (surfaceDrawn === surface && pathsDrawn.surface === surface) {
          pathsDrawn = { surface: null, results: null, upTo: -1 };
          redraw();
        }
      }, (error) => {
        showError(error); // Plotly could not be loaded: the sketched map, the form and the runs' tables still work
        releaseSurfaceWaiters();
      });
    }
    const longest = Math.max(1, ...results.map(stepCount));
    const last = pathsDrawn;
    const moved = upTo === Infinity || upTo < last.upTo || upTo - last.upTo >= longest / PATH_FRAMES;
    if (last.surface !== surface || last.results !== results || moved) {
      drawPaths(views.paths, surface, results, labels, upTo, shownRanges(surface));
      pathsDrawn = { surface, results, upTo };
    }
    drawLoss(views.loss, results, labels, upTo);
  });
}

/** The ranges the contour shows now (the user may have zoomed it), else the surface's box. */
function shownRanges(surface) {
  if (!surface) return null;
  const { xaxis, yaxis } = views.landscape.layout || {};
  if (surfaceShown === surface && Array.isArray(xaxis?.range) && Array.isArray(yaxis?.range)) {
    return { x: xaxis.range, y: yaxis.range };
  }
  return surfaceRanges(surface);
}

function renderRuns() {
  const { results, selected, surface } = store.state;
  const labels = labelsOf(lab());
  views.runs.replaceChildren();
  results.forEach((result, i) => {
    const li = document.createElement('li');
    if (i === selected) li.className = 'selected';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = seriesColor(i);
    const title = document.createElement('strong');
    title.textContent = labels[i];
    const summary = document.createElement('span');
    summary.className = 'muted';
    summary.textContent = ` — ${runSummary(result, surface && offMap(result, surfaceRanges(surface), surface.x_name, surface.y_name))}`;
    const show = document.createElement('button');
    show.type = 'button';
    show.textContent = 'Steps';
    show.setAttribute('aria-label', `Show the steps of ${labels[i]}`);
    show.addEventListener('click', () => store.set({ selected: i }));
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove ${labels[i]}`);
    remove.addEventListener('click', () => store.set(runRemoved(store.state, i)));
    li.append(swatch, title, summary, show, remove);
    views.runs.append(li);
  });
}

function renderTable() {
  const { results, selected } = store.state;
  const result = results[selected];
  if (!result) {
    views.table.replaceChildren();
    return;
  }
  const label = labelsOf(lab())[selected];
  renderStepTable(views.table, result, { caption: `Steps of ${label} (values before each update)` });
}

// The URL follows the lab's state a moment after it changes, once for a burst of changes (a click
// sets the form's state, then the runs): not inside the click's handler, which should only start
// the request (as the explorer does for a step; each replaceState also counts as a navigation
// the browser reports, measured 0.3–1 s of a test driver's click at load ~12).
const hash = deferredWriter(() => replaceHash(encodeState(lab())), { delayMs: 200, flushOn: window });
store.on(['lab'], () => hash.schedule());
store.on(['results', 'selected', 'surface'], () => {
  renderRuns();
  renderTable();
});
store.on(['surface', 'results', 'upTo'], redraw);
// A theme or presentation switch: both plots and the runs' swatches in the new colours.
onPaletteChange(() => {
  surfaceDrawn = null;
  surfaceShown = null;
  pathsDrawn = { surface: null, results: null, upTo: -1 };
  redraw();
  renderRuns();
});

// --- actions ---------------------------------------------------------------------------------

function play() {
  stopAnimation();
  const results = store.get('results');
  const longest = Math.max(1, ...results.map(stepCount));
  $('replay').disabled = true;
  store.set({ upTo: 1 }); // before the frame that draws the new runs, so they do not flash complete
  // 0.75 s, at most one frame in 50 ms (plots.js animate).
  stopAnimation = animate(longest, (upTo) => store.set({ upTo }), () => { $('replay').disabled = results.length === 0; });
}

/**
 * Say what happened, so the line beside the buttons is never blank after an action: once the
 * answer's paths are drawn (the progress bar until then, feedback.js drawing()), not while Plotly,
 * loading or drawing its first plot, still holds them back. `mine` is the run's generation.
 */
async function ranStatus(text, started, mine) {
  const took = Math.round(performance.now() - started);
  if (!plotlyLoaded()) { // once loaded, redraw() draws the paths in its own task: nothing to wait for
    await drawing('Drawing the paths…', new Promise((resolve) => afterPaint(resolve)).then(plotsDrawn));
  }
  if (mine === runGeneration) setStatus(`${text} in ${took} ms`);
}

/** A click on the map sets the start: on Plotly's heatmap, or on its sketch before Plotly has loaded. */
function setStartAt(point) {
  const surface = store.get('surface');
  if (!point || !surface) return;
  const start = { ...lab().start };
  start[surface.x_name] = Number(Number(point.x).toFixed(3));
  start[surface.y_name] = Number(Number(point.y).toFixed(3));
  store.set({ lab: normalize({ ...lab(), start }) });
  form.start.value = formatStart(start);
  setStatus(`Start set to (${start[surface.x_name]}, ${start[surface.y_name]}); press Run.`);
}
views.landscape.addEventListener('click', (event) => setStartAt(sketchPointAt(views.landscape, event)));

let clickWired = false;
function wireClicks() {
  clickWired = true;
  // A zoom, pan or reset of the contour: the paths above it follow.
  views.landscape.on('plotly_relayout', () => {
    pathsDrawn = { surface: null, results: null, upTo: -1 };
    redraw();
  });
  views.landscape.on('plotly_click', (event) => setStartAt(event.points && event.points[0]));
}

let presetsLoaded = Promise.resolve();

async function loadSurface() {
  const state = lab();
  const answer = await work('Drawing the function…', () => postJSON('/api/surface', surfaceBody(state)));
  if (!answer) {
    redraw();
    return;
  }
  await presetsLoaded; // for the preset's default start of a parameter the state lacks
  const parameters = answer.function.parameters;
  const presets = store.get('presets');
  const defaults = presets[state.fn] ? presets[state.fn].start : {};
  const start = startFor(parameters, lab().start, defaults);
  if (formatStart(start) !== formatStart(lab().start)) {
    store.set({ lab: normalize({ ...lab(), start }) });
    form.start.value = formatStart(start);
  }
  store.set({ surface: answer });
  $('formula').textContent = `f = ${answer.function.formula}`;
  const others = parameters.slice(2);
  if (others.length) {
    setStatus(`The map shows ${parameters[0]} and ${parameters[1]} with ${others.map((n) => `${n} = ${start[n]}`).join(', ')} (their start values).`);
  }
}

// A new action replaces the animation of the last answer: stopped at the click, it no longer redraws
// the contour (76 ms a frame) while the server computes, and the click answers at once (measured:
// "Add run" right after "Run" waited 1–2 s for the running animation's frames on this machine).
function haltAnimation() {
  stopAnimation();
  $('replay').disabled = store.get('results').length === 0;
}

// Each computation's number: an answer that arrives after a newer request was sent is dropped, or a
// follower's page given two lab states in a row could end showing the older one's runs.
let runGeneration = 0;

async function runAll() {
  haltAnimation();
  const mine = ++runGeneration;
  const body = trajectoriesBody(lab());
  const count = body.runs.length;
  const started = performance.now();
  const answer = await work(`Running ${counted(count, 'run')}…`, () => postJSON('/api/trajectories', body));
  if (mine !== runGeneration) return; // a newer run was asked for: its answer is the one to show
  if (!answer) {
    store.set({ upTo: Infinity }); // the halted animation's paths, whole
    return;
  }
  store.set(answered(store.state, answer.runs));
  play();
  ranStatus(`ran ${counted(count, 'run')}`, started, mine);
}

/** Add the form's run; when the earlier runs are answered only the new one is computed. */
async function addRun() {
  haltAnimation();
  const fresh = upToDate(store.state);
  store.set(runAdded(store.state));
  if (!fresh) {
    await runAll();
    return;
  }
  const state = lab();
  const run = state.runs[state.runs.length - 1];
  const started = performance.now();
  const mine = ++runGeneration;
  const answer = await work('Running the added run…', () => postJSON('/api/trajectories', { runs: [trajectoryBody(state, run)] }));
  if (mine !== runGeneration) return; // a newer run was asked for meanwhile
  if (!answer) {
    store.set({ lab: normalize({ ...state, runs: state.runs.slice(0, -1) }), upTo: Infinity }); // nothing to show for it
    return;
  }
  store.set(addedAnswered(store.state, answer.runs[0]));
  play();
  ranStatus(`added run ${store.get('results').length} (only it was computed)`, started, mine);
}

function withForm(action) {
  return (event) => {
    if (event) event.preventDefault();
    try {
      store.set({ lab: readForm() });
    } catch (error) {
      showError(error);
      return;
    }
    action();
  };
}

/** A button's action on the form's values, with the results brought into view on a narrow screen. */
const clicked = (action) => (event) => {
  revealResults($('controls'), $('results'));
  withForm(action)(event);
};

async function functionChanged() {
  store.set(functionChosen(store.state, form.fn.value));
  fillForm();
  await loadSurface();
}

async function applyExample(key) {
  const example = EXAMPLES[key];
  if (!example) return;
  store.set({ lab: normalize({ ...lab(), ...example.state }), results: [], surface: null });
  fillForm();
  // The example names its start for every parameter: the map and the runs need not wait for each other.
  await Promise.all([loadSurface(), runAll()]);
}

async function init() {
  for (const name of PRESETS) option(form.fn, name, name.replace('_', ' '));
  option(form.fn, OWN, 'Your own function…');
  fillOptimizerSelect(form.optimizer, lab().optimizer, 'trajectory');
  for (const [key, example] of Object.entries(EXAMPLES)) option(form.example, key, example.title);
  presetsLoaded = getJSON('/api/presets')
    .then((list) => store.set({ presets: Object.fromEntries(list.map((p) => [p.name, p])) }))
    .catch(showError);
  fillForm();
  $('controls').addEventListener('submit', clicked(() => { store.set({ lab: normalize({ ...lab(), runs: [currentRun(lab())] }) }); runAll(); }));
  $('add').addEventListener('click', clicked(addRun));
  $('reset').addEventListener('click', () => {
    store.set(cleared(store.state));
    setStatus('cleared every run');
  });
  $('compare').addEventListener('click', clicked(() => {
    let lrs;
    try {
      lrs = parseNumberList(lab().lrs);
    } catch (error) {
      showError(new Error(`learning rates: ${error.message}`));
      return;
    }
    store.set({ lab: normalize({ ...lab(), runs: lrs.map((lr) => ({ ...currentRun(lab()), lr })) }) });
    runAll();
  }));
  $('replay').addEventListener('click', play);
  $('draw').addEventListener('click', clicked(() => { store.set(cleared(store.state)); loadSurface(); }));
  form.fn.addEventListener('change', functionChanged);
  form.kappa.addEventListener('change', withForm(() => loadSurface()));
  form.example.addEventListener('change', () => { applyExample(form.example.value); form.example.value = ''; });
  form.optimizer.addEventListener('change', () => {
    // before the listener below reads the form: the rate a method's steps are measured in
    form.lr.value = String(lrAfterSwitch(lab().optimizer, form.optimizer.value, Number(form.lr.value)));
    $('update-rule').textContent = updateRule(form.optimizer.value);
  });
  for (const input of [form.optimizer, form.lr, form.steps, form.tol, form.clear, form.gradient, form.lrs, form.start]) {
    input.addEventListener('change', () => {
      try {
        store.set({ lab: readForm() });
        showError(null);
      } catch (error) {
        showError(error);
      }
    });
  }
  form.start.addEventListener('change', () => {
    // After the listener above stored the start: the map holds parameters beyond its two at
    // their start values, so redraw it when those change.
    const surface = store.get('surface');
    if (surface && surface.function.parameters.length > 2) loadSurface();
  });
  // The map, the presets and a shared link's runs are independent requests: send them together.
  const runs = lab().runs.length ? runAll() : null;
  await Promise.all([presetsLoaded, loadSurface()]);
  if (runs) await runs;
  // The function's heatmap on screen, not only its answer received: the student sees the surface and
  // can run, add runs or click a start on it. Before Plotly has loaded it is a sketch of the same
  // plot (shared/first-plot.js); Plotly runs after this frame, draws over it, then the contour lines.
  await whenSurfaceShown();
  performance.mark('optimize:ready');
  document.body.dataset.ready = 'true'; // lets tests and the benchmark wait for a usable page
  releasePlotly();
}

// Follow mode: a lecturer shares the lab's state (function, form and runs) once it has been drawn
// or run, not on every keystroke in the form; a follower draws and runs the same.
mountFollow({
  page: 'optimize',
  store,
  keys: ['results', 'surface'],
  snapshot: () => ({ lab: lab() }),
  apply: async (shared) => {
    const next = normalize(shared.lab || {});
    if (JSON.stringify(next) === JSON.stringify(lab()) && store.get('surface')) return;
    stopAnimation();
    store.set({ lab: next, results: [], surface: null });
    fillForm();
    await Promise.all([loadSurface(), next.runs.length ? runAll() : null]);
  },
});

init();
