// The optimization lab: form ⇄ state ⇄ URL hash, the function's surface, runs, animation, table.

import { getJSON, postJSON } from '../shared/api.js';
import { renderNav } from '../shared/nav.js';
import { feedback } from './feedback.js';
import { writeHash as setHash } from './hash.js';
import { animate, COLORS, drawLandscape, drawLoss } from './plots.js';
import {
  currentRun, decodeState, encodeState, EXAMPLES, formatStart, functionBody, normalize, OPTIMIZERS, OWN,
  parseNumberList, parseStart, PRESETS, runLabel, startFor, trajectoriesBody,
} from './state.js';
import { renderStepTable, runSummary } from './step-table.js';

renderNav(document.getElementById('nav'), 'optimize');

const $ = (id) => document.getElementById(id);
const form = {
  example: $('example'), fn: $('fn'), source: $('source'), kappa: $('kappa'), start: $('start'),
  optimizer: $('optimizer'), lr: $('lr'), steps: $('steps'), tol: $('tol'), clear: $('clear'),
  gradient: $('gradient'), lrs: $('lrs'),
};
const views = { landscape: $('landscape'), loss: $('loss'), runs: $('runs'), table: $('table') };
const { status: setStatus, error: showError, work } = feedback(
  $('status'), $('error'), ['run', 'add', 'compare', 'draw'].map($),
);

let state = decodeState(window.location.hash);
let presets = {};
let surface = null;
let results = [];
let labels = [];
let selected = 0;
let stopAnimation = () => {};

function option(select, value, text) {
  const el = document.createElement('option');
  el.value = value;
  el.textContent = text;
  select.append(el);
}

function writeHash() {
  setHash(encodeState(state));
}

function fillForm() {
  form.fn.value = state.fn;
  form.source.value = state.source;
  form.kappa.value = String(state.kappa);
  form.start.value = formatStart(state.start);
  form.optimizer.value = state.optimizer;
  form.lr.value = String(state.lr);
  form.steps.value = String(state.steps);
  form.tol.value = state.tol === null ? '' : String(state.tol);
  form.clear.checked = state.clear;
  form.gradient.value = state.gradient;
  form.lrs.value = state.lrs;
  $('source-row').hidden = state.fn !== OWN;
  $('kappa-row').hidden = state.fn !== 'quadratic';
  const info = presets[state.fn];
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
    ...state,
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

function redraw(upTo = Infinity) {
  drawLandscape(views.landscape, surface, results, labels, upTo);
  drawLoss(views.loss, results, labels, upTo);
}

function renderRuns() {
  views.runs.replaceChildren();
  results.forEach((result, i) => {
    const li = document.createElement('li');
    if (i === selected) li.className = 'selected';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = COLORS[i % COLORS.length];
    const title = document.createElement('strong');
    title.textContent = labels[i];
    const summary = document.createElement('span');
    summary.className = 'muted';
    summary.textContent = ` — ${runSummary(result)}`;
    const show = document.createElement('button');
    show.type = 'button';
    show.textContent = 'Steps';
    show.setAttribute('aria-label', `Show the steps of ${labels[i]}`);
    show.addEventListener('click', () => { selected = i; renderRuns(); renderTable(); });
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove ${labels[i]}`);
    remove.addEventListener('click', () => removeRun(i));
    li.append(swatch, title, summary, show, remove);
    views.runs.append(li);
  });
}

function renderTable() {
  const result = results[selected];
  if (!result) {
    views.table.replaceChildren();
    return;
  }
  renderStepTable(views.table, result, { caption: `Steps of ${labels[selected]} (values before each update)` });
}

function play() {
  stopAnimation();
  const longest = Math.max(1, ...results.map((r) => r.step.length));
  stopAnimation = animate(longest, (upTo) => redraw(upTo), () => { $('replay').disabled = results.length === 0; });
}

async function loadSurface() {
  // Parameters beyond the map's two are held at their start values (0 for a new function's).
  const body = { ...functionBody(state), nx: 120, ny: 120, fixed: { ...state.start }, fixed_default: 0 };
  const answer = await work('Drawing the function…', () => postJSON('/api/surface', body));
  surface = answer;
  if (answer) {
    const parameters = answer.function.parameters;
    const defaults = presets[state.fn] ? presets[state.fn].start : {};
    const start = startFor(parameters, state.start, defaults);
    if (formatStart(start) !== formatStart(state.start)) {
      state = normalize({ ...state, start });
      form.start.value = formatStart(start);
      writeHash();
    }
    $('formula').textContent = `f = ${answer.function.formula}`;
    const others = parameters.slice(2);
    if (others.length) {
      setStatus(`The map shows ${parameters[0]} and ${parameters[1]} with ${others.map((n) => `${n} = ${start[n]}`).join(', ')} (their start values).`);
    }
  }
  redraw();
}

async function runAll() {
  writeHash();
  const body = trajectoriesBody(state);
  const count = body.runs.length;
  const answer = await work(`Running ${count} run${count > 1 ? 's' : ''}…`, () => postJSON('/api/trajectories', body));
  if (!answer) return;
  const runs = state.runs.length ? state.runs : [currentRun(state)];
  results = answer.runs;
  labels = runs.map(runLabel);
  selected = Math.min(selected, results.length - 1);
  renderRuns();
  renderTable();
  play();
}

function removeRun(i) {
  const runs = state.runs.length ? [...state.runs] : [currentRun(state)];
  runs.splice(i, 1);
  state = normalize({ ...state, runs });
  results.splice(i, 1);
  labels.splice(i, 1);
  selected = 0;
  writeHash();
  renderRuns();
  renderTable();
  redraw();
}

function withForm(action) {
  return (event) => {
    if (event) event.preventDefault();
    try {
      state = readForm();
    } catch (error) {
      showError(error);
      return;
    }
    action();
  };
}

async function functionChanged() {
  const next = form.fn.value;
  const defaults = presets[next] ? presets[next].start : state.start;
  state = normalize({ ...state, fn: next, start: defaults, runs: [] });
  results = [];
  labels = [];
  fillForm();
  writeHash();
  renderRuns();
  renderTable();
  await loadSurface();
}

function applyExample(key) {
  const example = EXAMPLES[key];
  if (!example) return;
  state = normalize({ ...state, ...example.state });
  fillForm();
  writeHash();
  loadSurface().then(runAll);
}

async function init() {
  for (const name of PRESETS) option(form.fn, name, name.replace('_', ' '));
  option(form.fn, OWN, 'Your own function…');
  for (const name of OPTIMIZERS) option(form.optimizer, name, name === 'gd' ? 'gd (the lecture’s update)' : name);
  for (const [key, example] of Object.entries(EXAMPLES)) option(form.example, key, example.title);
  try {
    const list = await getJSON('/api/presets');
    presets = Object.fromEntries(list.map((p) => [p.name, p]));
  } catch (error) {
    showError(error);
  }
  fillForm();
  $('controls').addEventListener('submit', withForm(() => { state = normalize({ ...state, runs: [currentRun(state)] }); runAll(); }));
  $('add').addEventListener('click', withForm(() => {
    state = normalize({ ...state, runs: [...state.runs, currentRun(state)] });
    runAll();
  }));
  $('reset').addEventListener('click', () => {
    state = normalize({ ...state, runs: [] });
    results = [];
    labels = [];
    writeHash();
    renderRuns();
    renderTable();
    redraw();
  });
  $('compare').addEventListener('click', withForm(() => {
    let lrs;
    try {
      lrs = parseNumberList(state.lrs);
    } catch (error) {
      showError(new Error(`learning rates: ${error.message}`));
      return;
    }
    state = normalize({ ...state, runs: lrs.map((lr) => ({ ...currentRun(state), lr })) });
    runAll();
  }));
  $('replay').addEventListener('click', play);
  $('draw').addEventListener('click', withForm(() => { state = normalize({ ...state, runs: [] }); writeHash(); loadSurface(); }));
  form.fn.addEventListener('change', functionChanged);
  form.kappa.addEventListener('change', withForm(() => { writeHash(); loadSurface(); }));
  form.example.addEventListener('change', () => { applyExample(form.example.value); form.example.value = ''; });
  for (const input of [form.optimizer, form.lr, form.steps, form.tol, form.clear, form.gradient, form.lrs, form.start]) {
    input.addEventListener('change', () => {
      try {
        state = readForm();
        writeHash();
        showError(null);
      } catch (error) {
        showError(error);
      }
    });
  }
  form.start.addEventListener('change', () => {
    // After the listener above stored the start: the map holds parameters beyond its two at
    // their start values, so redraw it when those change.
    if (surface && surface.function.parameters.length > 2) loadSurface();
  });
  await loadSurface(); // Plotly has drawn the div now, so it takes event handlers
  views.landscape.on('plotly_click', (event) => {
    const point = event.points && event.points[0];
    if (!point || !surface) return;
    const start = { ...state.start };
    start[surface.x_name] = Number(Number(point.x).toFixed(3));
    start[surface.y_name] = Number(Number(point.y).toFixed(3));
    state = normalize({ ...state, start });
    form.start.value = formatStart(start);
    writeHash();
    setStatus(`Start set to (${start[surface.x_name]}, ${start[surface.y_name]}); press Run.`);
  });
  if (state.runs.length) await runAll();
}

init();
