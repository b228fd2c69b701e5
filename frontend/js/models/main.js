// The Models lab: train jobs, follow them live, compare finished models, draw digits, see mistakes.

import { getJSON, postJSON } from '../shared/api.js';
import { renderNav } from '../shared/nav.js';
import { drawBoundary } from './boundary.js';
import { configFromForm, LECTURE_RUNS } from './config.js';
import { drawCurves } from './curves.js';
import { inkToRGBA, paint, saliencyToRGBA, toMnistPixels } from './digits.js';
import { drawPad } from './draw-pad.js';
import { renderGraph } from './graph-table.js';
import { cancelJob, jobTokens } from './job-tokens.js';
import { renderJobs } from './jobs.js';
import { renderMisclassified } from './misclassified.js';
import { followJob } from './stream.js';
import { renderTable } from './table.js';

renderNav(document.getElementById('nav'), 'models');

const $ = (id) => document.getElementById(id);
const models = new Map(); // id → record with its curves, in creation order
const shown = new Set(); // ids whose curves are plotted
const following = new Map(); // id → close()
// Browsers allow ~6 HTTP/1.1 connections per host: stream at most a few jobs, poll the others.
const MAX_STREAMS = 3;
const waiting = []; // active jobs not streamed yet, oldest first
let selected = null; // the table row used by the boundary view
let boundaryTarget = null; // the 2-D model whose boundary is drawn
let lectureIds = [];
let redrawQueued = false;
let lastBoundaryFetch = 0;
let lastDrawing = null; // {id, pixels} of the last prediction, for tracing its graph
const tokens = jobTokens(window.localStorage); // job id → the token that cancels it (jobs made here)

const isActive = (m) => m.status === 'queued' || m.status === 'running';
const isMnist = (m) => m.config.dataset === 'mnist_parity';
const finished = () => [...models.values()].filter((m) => m.status === 'done');

function showError(error) {
  const box = $('error');
  box.hidden = !error;
  box.textContent = error ? (error.message || String(error)) : '';
}

function setStatus() {
  const active = [...models.values()].filter(isActive);
  const running = active.filter((m) => m.status === 'running').length;
  $('status').textContent = active.length
    ? `${running} job(s) training, ${active.length - running} queued — curves update live`
    : `${finished().length} trained model(s)`;
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

function refreshSelects() {
  const mnist = finished().filter(isMnist).map((m) => [m.id, m.name]).reverse();
  fillSelect($('draw-model'), mnist);
  fillSelect($('wrong-a'), mnist);
  fillSelect($('wrong-b'), mnist, undefined, '— alone —');
}

function redraw() {
  if (redrawQueued) return;
  redrawQueued = true;
  requestAnimationFrame(() => {
    redrawQueued = false;
    const all = [...models.values()];
    const jobs = all.filter((m) => isActive(m) || m.status !== 'done').slice(-8);
    renderJobs($('jobs'), jobs, cancel, (id) => tokens.get(id) !== null);
    const plotted = all.filter((m) => shown.has(m.id) && m.curves.length);
    drawCurves($('loss-plot'), $('accuracy-plot'), plotted);
    renderTable($('compare').tBodies[0], all, {
      shown, selected,
      onToggle: (id, on) => { if (on) shown.add(id); else shown.delete(id); redraw(); },
      onSelect: select,
    });
    setStatus();
  });
}

async function updateBoundary(force = false) {
  const model = boundaryTarget && models.get(boundaryTarget);
  $('boundary-panel').hidden = !model;
  if (!model) return;
  const now = performance.now();
  if (!force && now - lastBoundaryFetch < 400) return;
  lastBoundaryFetch = now;
  try {
    const grid = await getJSON(`/api/models/${model.id}/boundary?resolution=70`);
    const where = grid.status === 'done' ? 'trained' : `training, ${(100 * grid.progress).toFixed(0)} %`;
    await drawBoundary($('boundary-plot'), grid, `${model.name} (${where})`);
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
    for (const record of await getJSON('/api/models')) {
      const model = models.get(record.id);
      if (!model || !waiting.includes(record.id)) continue;
      if (isActive(record)) Object.assign(model, { status: record.status, progress: record.progress });
      else follow(record.id, true); // finished while waiting: one short stream brings its curves
    }
    redraw();
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
    onProgress: ({ status, progress, points }) => {
      const model = models.get(id);
      Object.assign(model, { status, progress });
      model.curves.push(...points);
      redraw();
      if (id === boundaryTarget && points.length) updateBoundary();
    },
    onEnd: (record) => {
      following.delete(id);
      followNext();
      models.set(id, record);
      if (record.status === 'failed') showError(new Error(`${record.name}: ${record.error}`));
      refreshSelects();
      redraw();
      if (id === boundaryTarget) updateBoundary(true);
      if (lectureIds.includes(id)) lectureFinished();
    },
    onError: () => {
      following.delete(id);
      followNext();
    },
  });
  following.set(id, close);
}

async function submit(config) {
  const { id, status, token } = await postJSON('/api/models', config);
  tokens.remember(id, token);
  const name = config.name || `${config.model} · ${config.dataset}`;
  models.set(id, { id, status, config, name, progress: 0, curves: [], metrics: null });
  shown.add(id);
  if (config.dataset !== 'mnist_parity') boundaryTarget = id;
  follow(id);
  redraw();
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

function select(id) {
  selected = id;
  const model = models.get(id);
  if (!isMnist(model)) {
    boundaryTarget = id;
    updateBoundary(true);
  } else {
    $('draw-model').value = id;
    $('wrong-a').value = id;
    updateMisclassified();
  }
  redraw();
}

function lectureFinished() {
  const [logistic, network] = lectureIds.map((id) => models.get(id));
  if (![logistic, network].every((m) => m && m.status === 'done')) return;
  refreshSelects();
  $('draw-model').value = network.id;
  $('wrong-a').value = network.id;
  $('wrong-b').value = logistic.id;
  updateMisclassified();
}

async function updateMisclassified() {
  const a = $('wrong-a').value;
  const b = $('wrong-b').value;
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
    const result = await postJSON(`/api/models/${id}/predict`, { input: pixels });
    lastDrawing = { id, pixels };
    $('trace').disabled = false;
    const percent = (100 * result.probability).toFixed(result.probability > 0.999 || result.probability < 0.001 ? 3 : 1);
    $('verdict').textContent = `${result.class_name} — P(odd) = ${percent} %`;
    // Far into the sigmoid's flat tail dP/dx vanishes; the logit's gradient still shows the evidence.
    const flat = result.saliency.flat();
    const saturated = Math.max(...flat.map(Math.abs)) < 1e-12;
    paint($('saliency'), saliencyToRGBA(saturated ? result.logit_saliency.flat() : flat));
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
    lectureIds = [];
    for (const run of LECTURE_RUNS) lectureIds.push(await submit(run));
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
    const payload = await postJSON(`/api/models/${lastDrawing.id}/graph`, { input: lastDrawing.pixels });
    renderGraph($('graph'), payload);
    $('graph-panel').hidden = false;
    $('graph-panel').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  } catch (error) {
    showError(error);
  }
});
$('wrong-a').addEventListener('change', updateMisclassified);
$('wrong-b').addEventListener('change', updateMisclassified);
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
    const records = await getJSON('/api/models?curves=true');
    tokens.keepOnly(records.map((r) => r.id));
    for (const record of records) {
      models.set(record.id, record);
      if (isActive(record)) {
        shown.add(record.id);
        follow(record.id);
      }
    }
    const done = finished();
    done.slice(-2).forEach((m) => shown.add(m.id));
    const last2d = [...models.values()].filter((m) => !isMnist(m) && m.status !== 'failed').pop();
    if (last2d) boundaryTarget = last2d.id;
    refreshSelects();
    redraw();
    updateBoundary(true);
    updateMisclassified();
  } catch (error) {
    showError(error);
  }
}

start();
