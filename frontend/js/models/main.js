// The Models lab: train jobs, follow them live, compare finished models, draw digits, see mistakes.

import { getAllPages, getJSON, postJSON } from '../shared/api.js';
import { mountFollow } from '../shared/follow.js';
import { restoreNonFinite } from '../shared/format.js';
import { renderNav } from '../shared/nav.js';
import { fillOptimizerSelect } from '../shared/optimizers.js';
import { onPaletteChange } from '../shared/palette.js';
import { restorePresentation } from '../shared/panels.js';
import { drawBoundary } from './boundary.js';
import { configFromForm, LECTURE_RUNS } from './config.js';
import { drawCurves } from './curves.js';
import { inkToRGBA, paint, saliencyToRGBA, toMnistPixels } from './digits.js';
import { drawPad } from './draw-pad.js';
import { renderGraph } from './graph-table.js';
import { cancelJob, jobTokens } from './job-tokens.js';
import { renderJobs } from './jobs.js';
import { modelLabels } from './labels.js';
import { renderMisclassified } from './misclassified.js';
import { followJob } from './stream.js';
import {
  createModelsStore, emptyCurve, ended, finished, isActive, isMnist, loaded, picked, polled, progressed, statusLine, submitted, toggled,
} from './store.js';
import { renderTable } from './table.js';

renderNav(document.getElementById('nav'), 'models');
restorePresentation(document.documentElement, window.localStorage); // large type when presenting

const $ = (id) => document.getElementById(id);
fillOptimizerSelect($('optimizer')); // every update rule training takes
const store = createModelsStore();
// Connections, not page state: the open streams and the jobs waiting for one.
// Browsers allow ~6 HTTP/1.1 connections per host: stream at most a few jobs, poll the others.
const MAX_STREAMS = 3;
const following = new Map(); // id → close()
const waiting = []; // active jobs not streamed yet, oldest first
let lastBoundaryFetch = 0;
let lastDrawing = null; // {id, pixels} of the last prediction, for tracing its graph
const tokens = jobTokens(window.localStorage); // job id → the token that cancels it (jobs made here)
const model = (id) => store.get('models').find((m) => m.id === id);
// One label per model wherever it is named (legend, table, menus, boundary title): labels.js. Worked
// out once per `models` array (records are replaced, never mutated: store.js), not by each of the
// four places a training step's progress event redraws.
const labelsByModels = new WeakMap();
function labelsFor(models) {
  if (!labelsByModels.has(models)) labelsByModels.set(models, modelLabels(models));
  return labelsByModels.get(models);
}
const labelOf = (id) => labelsFor(store.get('models')).get(id);

function showError(error) {
  const box = $('error');
  box.hidden = !error;
  box.textContent = error ? (error.message || String(error)) : '';
}

function fillSelect(select, options, keep, blank) {
  const previous = keep ?? select.value;
  const entries = blank ? [['', blank], ...options] : options;
  select.replaceChildren(...entries.map(([value, text]) => {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = text;
    return option;
  }));
  if (entries.some(([value]) => value === previous)) select.value = previous;
}

/** Fill the model menus; `drawWith` (when given) becomes the drawing pad's model. */
function refreshSelects(drawWith) {
  const labels = labelsFor(store.state.models);
  const mnist = finished(store.state).filter(isMnist).map((m) => [m.id, labels.get(m.id)]).reverse();
  const { wrong } = store.state;
  fillSelect($('draw-model'), mnist, drawWith);
  fillSelect($('wrong-a'), mnist, wrong.a);
  fillSelect($('wrong-b'), mnist, wrong.b, '— alone —');
}

// --- one render path: each view redraws when the store keys it shows change ------------------

let redrawQueued = false;
function redraw() {
  // Coalesce: a stream delivers points many times a second; draw once per frame.
  if (redrawQueued) return;
  redrawQueued = true;
  requestAnimationFrame(() => {
    redrawQueued = false;
    const { models, shown, selected } = store.state;
    const labels = labelsFor(models);
    const jobs = models.filter((m) => isActive(m) || m.status !== 'done').slice(-8);
    renderJobs($('jobs'), jobs, cancel, (id) => tokens.get(id) !== null);
    drawCurves(
      $('loss-plot'), $('accuracy-plot'), models.filter((m) => shown.has(m.id) && m.curve.step.length),
      finished(store.state).length > 0, labels,
    );
    renderTable($('compare').tBodies[0], models, {
      shown, selected, labels,
      onToggle: (id, on) => store.set(toggled(store.state, id, on)),
      onSelect: (id) => {
        store.set(picked(store.state, id));
        if (!isMnist(model(id))) updateBoundary(true); // a new job's boundary waits for its first snapshot instead
      },
    });
    $('status').textContent = statusLine(store.state);
  });
}

store.on(['models', 'shown', 'selected'], redraw);
let boundaryShown = null; // [grid, title] last drawn, repainted as it is when the theme changes
onPaletteChange(() => {
  redraw();
  if (boundaryShown && !$('boundary-panel').hidden) drawBoundary($('boundary-plot'), ...boundaryShown);
});
let finishedIds = '';
store.on(['models', 'wrong'], (state, keys) => {
  // Labels too: a model trained under a finished one's name relabels it ("net" becomes "net · seed 0").
  const labels = labelsFor(state.models);
  const ids = finished(state).map((m) => `${m.id}=${labels.get(m.id)}`).join();
  // The pad follows the model whose mistakes were just picked (a row, the lecture's network).
  const chosen = keys.has('wrong') && state.wrong.a ? state.wrong.a : undefined;
  if (ids !== finishedIds || chosen) refreshSelects(chosen);
  finishedIds = ids;
});
store.on(['wrong'], () => updateMisclassified());

async function updateBoundary(force = false) {
  const target = store.get('boundaryTarget');
  const shownModel = target && model(target);
  $('boundary-panel').hidden = !shownModel;
  if (!shownModel) return;
  const now = performance.now();
  if (!force && now - lastBoundaryFetch < 400) return;
  lastBoundaryFetch = now;
  try {
    const grid = await getJSON(`/api/models/${shownModel.id}/boundary?grid=70`);
    const where = grid.status === 'done' ? 'trained' : `training, ${(100 * grid.progress).toFixed(0)} %`;
    boundaryShown = [grid, `${labelOf(shownModel.id)} (${where})`];
    await drawBoundary($('boundary-plot'), ...boundaryShown);
  } catch (error) {
    if (error.status !== 409) showError(error); // 409: no snapshot saved yet
  }
}

function followNext() {
  while (waiting.length && following.size < MAX_STREAMS) follow(waiting.shift());
}

async function pollWaiting() {
  if (!waiting.length) return;
  try {
    for (const record of await getAllPages('/api/models')) {
      if (!model(record.id) || !waiting.includes(record.id)) continue;
      if (isActive(record)) store.set(polled(store.state, record));
      else follow(record.id, true); // finished while waiting: one short stream brings its curves
    }
  } catch (error) {
    showError(error);
  }
}
setInterval(pollWaiting, 2000);

function follow(id, now = false) {
  if (following.has(id)) return;
  if (!now && following.size >= MAX_STREAMS) {
    if (!waiting.includes(id)) waiting.push(id);
    return;
  }
  const at = waiting.indexOf(id);
  if (at >= 0) waiting.splice(at, 1);
  const close = followJob(id, {
    onProgress: (update) => {
      store.set(progressed(store.state, id, update));
      if (id === store.get('boundaryTarget') && update.points.length) updateBoundary();
    },
    onEnd: (record) => {
      following.delete(id);
      followNext();
      store.set(ended(store.state, record));
      if (record.status === 'failed') showError(new Error(`${record.name}: ${record.error}`));
      if (id === store.get('boundaryTarget')) updateBoundary(true);
    },
    onError: () => {
      following.delete(id);
      followNext();
    },
  });
  following.set(id, close);
}

async function submit(config) {
  // An identical job (same data, model, optimizer, steps, seed) answers its id and no token.
  const { id, status, token } = await postJSON('/api/models', config);
  if (token) tokens.remember(id, token);
  const name = config.name || `${config.model} · ${config.dataset}`;
  store.set(submitted(store.state, { id, status, config, name, progress: 0, curve: emptyCurve(), metrics: null }));
  follow(id);
  return id;
}

async function cancel(id) {
  const token = tokens.get(id);
  if (!token) return; // not created here: only its creator (or the lecturer) may cancel it
  try {
    await cancelJob(id, token);
  } catch (error) {
    showError(error);
  }
}

async function updateMisclassified() {
  const { a, b } = store.get('wrong');
  if (!a) {
    $('wrong-summary').textContent = 'Train an MNIST model to see the digits it gets wrong.';
    $('wrong-grid').replaceChildren();
    return;
  }
  try {
    const other = b && b !== a ? `&other=${encodeURIComponent(b)}` : '';
    const found = await getJSON(`/api/models/${a}/misclassified?limit=36${other}`);
    const who = other ? 'both models get' : 'the model gets';
    $('wrong-summary').textContent = `${found.count} of ${found.test_size} test digits ${who} wrong; the first ${found.items.length}:`;
    renderMisclassified($('wrong-grid'), found.items);
  } catch (error) {
    showError(error);
  }
}

// What predict and graph take: a tensor {shape, dtype, data} (docs/api.md).
const imageTensor = (pixels) => ({ shape: [pixels.length], dtype: 'float32', data: pixels });

async function predictDrawing(gray, width) {
  const pixels = toMnistPixels(gray, width);
  paint($('seen'), inkToRGBA(pixels));
  const id = $('draw-model').value;
  if (!id) {
    $('verdict').textContent = 'Train an MNIST model first.';
    return;
  }
  if (pixels.every((v) => v === 0)) return;
  try {
    const result = await postJSON(`/api/models/${id}/predict`, { input: imageTensor(pixels) });
    lastDrawing = { id, pixels };
    $('trace').disabled = false;
    const percent = (100 * result.probability).toFixed(result.probability > 0.999 || result.probability < 0.001 ? 3 : 1);
    $('verdict').textContent = `${result.class_name} — P(odd) = ${percent} %`;
    // Far into the sigmoid's flat tail dP/dx vanishes; the logit's gradient still shows the evidence.
    const flat = result.saliency.data.flat();
    const saturated = Math.max(...flat.map(Math.abs)) < 1e-12;
    paint($('saliency'), saliencyToRGBA(saturated ? result.logit_saliency.data.flat() : flat));
    $('saliency-what').textContent = saturated ? '∂logit/∂pixel (P saturated)' : '∂P(odd)/∂pixel';
  } catch (error) {
    showError(error);
  }
}

function formValues() {
  const v = (id) => $(id).value;
  return {
    dataset: v('dataset'), model: v('model'), hidden: v('hidden'), activation: v('activation'),
    optimizer: v('optimizer'), lr: v('lr'), batch: v('batch'), steps: v('steps'), trainSize: v('train-size'),
    noise: v('noise'), seed: v('seed'), name: v('name'),
  };
}

$('controls').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError(null);
  try {
    await submit(configFromForm(formValues()));
  } catch (error) {
    showError(error);
  }
});

$('lecture').addEventListener('click', async () => {
  showError(null);
  try {
    store.set({ lectureIds: [] });
    const ids = [];
    for (const run of LECTURE_RUNS) ids.push(await submit(run));
    store.set({ lectureIds: ids });
  } catch (error) {
    showError(error);
  }
});

$('dataset').addEventListener('change', () => {
  const twoD = $('dataset').value !== 'mnist_parity';
  if (twoD && $('model').value === 'simple_nn') $('model').value = 'binary_classifier';
  if (!twoD && $('model').value === 'binary_classifier') $('model').value = 'simple_nn';
});
$('trace').addEventListener('click', async () => {
  if (!lastDrawing) return;
  try {
    const payload = await postJSON(`/api/models/${lastDrawing.id}/graph`, { input: imageTensor(lastDrawing.pixels) });
    renderGraph($('graph'), restoreNonFinite(payload));
    $('graph-panel').hidden = false;
    $('graph-panel').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  } catch (error) {
    showError(error);
  }
});
const pickWrong = () => store.set({ wrong: { a: $('wrong-a').value, b: $('wrong-b').value } });
$('wrong-a').addEventListener('change', pickWrong);
$('wrong-b').addEventListener('change', pickWrong);
const clearPad = drawPad($('pad'), predictDrawing);
$('clear-pad').addEventListener('click', () => {
  clearPad();
  $('verdict').textContent = '';
  $('trace').disabled = true;
  paint($('seen'), inkToRGBA(new Array(784).fill(0)));
  paint($('saliency'), saliencyToRGBA(new Array(784).fill(0)));
});

async function start() {
  try {
    const records = await getAllPages('/api/models?curve=true');
    tokens.keepOnly(records.map((r) => r.id));
    store.set(loaded(records));
    for (const record of records) if (isActive(record)) follow(record.id);
    if (!store.get('wrong').a) updateMisclassified(); // says how to get some
    updateBoundary(true);
  } catch (error) {
    showError(error);
  }
  document.body.dataset.ready = 'true'; // follow mode applies a lecturer's state from here on
}

// Follow mode: a lecturer shares which models are plotted, picked, and whose boundary and
// mistakes are shown; a follower who lacks a model (trained since it opened) reloads the list.
mountFollow({
  page: 'models',
  store,
  keys: ['shown', 'selected', 'boundaryTarget', 'wrong'],
  snapshot: () => {
    const { shown, selected, boundaryTarget, wrong } = store.state;
    return { shown: [...shown], selected, boundaryTarget, wrong };
  },
  apply: async (shared) => {
    const ids = [...(shared.shown || []), shared.selected, shared.boundaryTarget].filter(Boolean);
    if (ids.some((id) => !model(id))) {
      try {
        store.set(loaded(await getAllPages('/api/models?curve=true')));
      } catch (error) {
        showError(error);
        return;
      }
    }
    const known = (id) => (id && model(id) ? id : null);
    const wrong = shared.wrong || { a: '', b: '' };
    store.set({
      shown: new Set((shared.shown || []).filter(known)),
      selected: known(shared.selected),
      boundaryTarget: known(shared.boundaryTarget),
      wrong: { a: known(wrong.a) || '', b: known(wrong.b) || '' },
    });
    updateBoundary(true);
  },
});

start();
