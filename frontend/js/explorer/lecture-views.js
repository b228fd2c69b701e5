// Lecture views beside the graph: f and f′ over an interval, the Jacobian chain, the lecture notes.

import { postJSON } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { flatten, formatShape, formatTensor, jacobianMatrix, toNumber } from '../shared/format.js';
import { onPaletteChange, palette, themedLayout } from '../shared/palette.js';
import { loadPlotly } from '../shared/plotly-loader.js';
import { latexElement, nodeSymbol } from './formula.js';
import { matrixTable } from './matrix-view.js';

// Derivatives the lecture writes out by hand, keyed by the program with spaces removed.
const ANALYTIC = {
  'x**3-3*x': { label: "analytic 3x² − 3", derivative: (x) => 3 * x * x - 3 },
};

const SAMPLES = 121;

/** `count` evenly spaced numbers from `a` to `b`. */
export function linspace(a, b, count) {
  return Array.from({ length: count }, (_, i) => a + ((b - a) * i) / (count - 1));
}

/** The single scalar input of an expression-mode trace, or null when the plot does not apply. */
function plottableInput(trace) {
  if (!trace || trace.mode !== 'expression') return null;
  const names = Object.keys(trace.inputs || {});
  if (names.length !== 1 || typeof trace.inputs[names[0]] !== 'number') return null;
  return names[0];
}

// Each curve's colour by its role, from the theme: f as an op, f′ as the gradient flowing, the
// analytic derivative as an input (the lecture's green), the evaluated point as the output.
function coloured(traces, p) {
  const colour = { f: p.op, grad: p.flow, exact: p.input, point: p.output };
  return traces.map(({ role, ...t }) =>
    role === 'point' ? { ...t, marker: { ...t.marker, color: colour[role] } } : { ...t, line: { ...t.line, color: colour[role] } });
}

function mountPlotView(store) {
  const view = document.getElementById('plot-view');
  let drawnFor = null;
  let shown = null; // { plot, traces, layout }: what to repaint when the theme changes
  const paint = (Plotly) =>
    Plotly.react(shown.plot, coloured(shown.traces, palette()), themedLayout(shown.layout), { displaylogo: false, responsive: true });
  onPaletteChange(() => {
    if (shown && shown.plot.isConnected && window.Plotly) paint(window.Plotly);
  });
  // Pointing at (or tabbing to) the tab starts Plotly's download and parse before the click.
  const tab = document.querySelector(".view-tabs [data-view='plot']");
  if (tab) for (const event of ['pointerenter', 'focus']) tab.addEventListener(event, () => loadPlotly().catch(() => {}), { once: true });

  async function render() {
    const trace = store.get('trace');
    if (store.get('view') !== 'plot') return;
    const name = plottableInput(trace);
    if (!name) {
      drawnFor = null;
      view.replaceChildren(
        el('h2', 'f and f′ over an interval'),
        el('p', 'This view plots a one-input expression such as x**3 - 3*x (pick “x³ − 3x” in the examples) and its autograd derivative.', 'muted'),
      );
      return;
    }
    const key = JSON.stringify([trace.source, trace.inputs]);
    if (key === drawnFor) return;
    drawnFor = key;
    const centre = toNumber(trace.inputs[name]);
    const xs = linspace(centre - 3, centre + 3, SAMPLES).map((x) => Math.round(x * 1e6) / 1e6);
    const plot = el('div', undefined, 'plot');
    plot.id = 'fx-plot';
    const note = el('p', 'Running one batched trace over the interval…', 'muted');
    view.replaceChildren(el('h2', `f(${name}) and f′(${name}) by autograd`), note, plot);
    // Plotly (1.5 MB cartesian build) loads while the server traces, not after it (measured: most of the first plot's wait).
    const plotlyLoading = loadPlotly();
    try {
      // One call: x becomes a vector and the sum's gradient is f′ at every point (the terms are independent).
      const batch = await postJSON('/api/trace', {
        source: `(${trace.source.trim()}).sum()`,
        inputs: { [name]: xs },
        jacobians: false,
        max_value_elements: SAMPLES * 2,
      });
      if (drawnFor !== key) return;
      const outputId = batch.output.node;
      const edge = batch.edges.find((e) => e.target === outputId);
      const termNode = edge && batch.nodes.find((n) => n.id === edge.source);
      const fs = termNode && termNode.value ? flatten(termNode.value.data).map(toNumber) : null;
      const grads = flatten(batch.grads[name].data).map(toNumber);
      const traces = [];
      if (fs) traces.push({ x: xs, y: fs, name: `f(${name})`, mode: 'lines', line: { width: 3 }, role: 'f' });
      traces.push({ x: xs, y: grads, name: `f′(${name}) by autograd`, mode: 'lines', line: { width: 5 }, role: 'grad' });
      const analytic = ANALYTIC[trace.source.replace(/\s+/g, '')];
      let agreement = '';
      if (analytic) {
        const exact = xs.map(analytic.derivative);
        traces.push({ x: xs, y: exact, name: analytic.label, mode: 'lines', line: { width: 2, dash: 'dash' }, role: 'exact' });
        const worst = Math.max(...exact.map((v, i) => Math.abs(v - grads[i])));
        agreement = ` Largest difference between autograd and ${analytic.label}: ${worst.toExponential(1)} (float32 rounding).`;
      }
      const fAtCentre = trace.output && trace.output.value ? toNumber(trace.output.value.data) : null;
      const gradAtCentre = trace.grads && trace.grads[name] ? toNumber(trace.grads[name].data) : null;
      if (fAtCentre !== null) {
        traces.push({ x: [centre], y: [fAtCentre], name: `${name} = ${centre}`, mode: 'markers', marker: { size: 14 }, role: 'point' });
      }
      note.textContent = `One trace of ${SAMPLES} points: ${name} is a vector and (f).sum() has gradient f′ at every point.${agreement}${
        gradAtCentre !== null ? ` At ${name} = ${centre}: f′ = ${gradAtCentre}.` : ''
      }`;
      const Plotly = await plotlyLoading;
      if (drawnFor !== key) return;
      shown = {
        plot,
        traces,
        layout: {
          font: { size: 16 },
          // The legend sits above the plot: below it, it covered the x-axis labels in a short view.
          margin: { l: 55, r: 20, t: 40, b: 10 },
          xaxis: { title: { text: name }, zeroline: true, automargin: true },
          yaxis: { zeroline: true, automargin: true },
          legend: { orientation: 'h', x: 0, y: 1, yanchor: 'bottom' },
        },
      };
      paint(Plotly);
    } catch (error) {
      if (drawnFor === key) note.textContent = `Could not plot: ${error.message}`;
      drawnFor = null;
    }
  }

  store.on(['view', 'trace'], render);
}

function mountJacobianView(store) {
  const view = document.getElementById('jacobian-view');

  function render() {
    if (store.get('view') !== 'jacobians') return;
    const trace = store.get('trace');
    const pass = store.pass();
    if (!trace || !pass) {
      view.replaceChildren(el('h2', 'Jacobians along the backward pass'), el('p', 'Run a program first (the least-squares example shows the shapes best).', 'muted'));
      return;
    }
    const children = [el('h2', 'Jacobians along the backward pass, in the engine’s order')];
    const chain = el('div', undefined, 'jacobian-chain');
    const count = { shown: 0, withheld: 0, unexplained: 0 };
    pass.steps.forEach((step, k) => {
      const node = store.node(step.node);
      const explained = step.detailed || !trace.detailsOnDemand;
      for (const input of step.inputs || []) {
        if (!explained) count.unexplained += 1;
        else if (input.jacobian) count.shown += 1;
        else count.withheld += 1;
        if (!input.jacobian) continue;
        const target = store.node(input.to);
        const factor = el('div', undefined, 'factor');
        if (k < store.get('position')) factor.style.borderColor = 'var(--flow)'; // the theme's gradient colour
        factor.append(latexElement(`\\frac{\\partial ${nodeSymbol(node)}}{\\partial ${input.symbol || nodeSymbol(target)}}${input.formula ? ` = ${input.formula}` : ''}`, { tag: 'span' }));
        factor.append(el('span', `${input.jacobian.shape.join('×')}`, 'shape'));
        const rows = jacobianMatrix(input.jacobian);
        if (rows) factor.append(matrixTable(rows, ''));
        chain.append(factor);
      }
    });
    children.push(jacobianCount(count), chain);
    children.push(
      el(
        'p',
        'Multiplying the Jacobians along the path from the output back to an input gives the total derivative ∂f/∂w, a 1×p row (one output, p inputs). ' +
          'PyTorch stores the gradient in the shape of w itself: the column (∂f/∂w)ᵀ. That is why a transpose appears: in the least-squares example, ' +
          'f(w) = ½‖Xw − y‖², ∂f/∂w = z₁ᵀX and the gradient is Xᵀ(Xw − y).',
      ),
    );
    const leaves = Object.entries(trace.grads || {});
    if (leaves.length) {
      children.push(el('h3', 'Gradients (in each input’s own shape)'));
      for (const [name, grad] of leaves) {
        // None: the tensor got no gradient (detached, or torch.autograd.grad left .grad alone).
        const text = grad ? `${name}.grad (${formatShape(grad.shape)}): ${formatTensor(grad, { maxElements: 10 })}` : `${name}.grad: None`;
        children.push(el('p', text));
      }
    }
    view.replaceChildren(...children);
  }

  store.on(['view', 'trace', 'passIndex', 'position', 'details'], render); // details: Jacobians fetched on demand
}

// How many of the pass's local Jacobians the chain shows, and why not the others: a deep model's
// chain showed two matrices of 45 steps with nothing saying that the rest exist.
function jacobianCount({ shown, withheld, unexplained }) {
  const total = shown + withheld + unexplained;
  const parts = [`${shown.toLocaleString('en')} of the pass’s ${total.toLocaleString('en')} local Jacobians shown.`];
  if (withheld) {
    parts.push(
      `${withheld.toLocaleString('en')} not computed: larger than the server’s limit on entries (a 64×16 output alone gives 1,024 rows), ` +
        'of a node PyTorch cannot call outside its engine, or of the program’s own autograd Function (its backward is not run again). ' +
        'Their gradients are in the step panel.',
    );
  }
  if (unexplained) parts.push(`${unexplained.toLocaleString('en')} of steps not explained yet: they come as you step to them.`);
  const note = el('p', parts.join(' '), 'muted');
  note.id = 'jacobian-count';
  return note;
}

function mountLectureNotes(store, { onExample }) {
  const view = document.getElementById('lecture-view');

  function render() {
    if (store.get('view') !== 'lecture') return;
    const children = [
      el('h2', 'How the backward pass works'),
      el(
        'p',
        'PyTorch records every operation on tensors that require gradients as a node of a graph. backward() seeds the output with ∂f/∂f = 1 and ' +
          'visits the nodes in reverse topological order: each node multiplies the gradient that arrived by its local derivative and adds the result ' +
          'to the accumulator of each of its inputs. One accumulator per node, each node visited once: O(n) time and memory.',
      ),
    ];
    let current = null; // the open example's entry: its explanation is what the student came for
    const bySection = new Map();
    for (const example of store.get('examples')) {
      const section = example.section || 'Examples';
      if (!bySection.has(section)) bySection.set(section, []);
      bySection.get(section).push(example);
    }
    for (const [section, examples] of bySection) {
      const box = el('section');
      box.append(el('h2', section));
      const list = el('ul', undefined, 'example-list');
      for (const example of examples) {
        const item = el('li');
        const open = el('button', example.title);
        open.type = 'button';
        // Opening an example from the notes means "show me it": switch to the graph it draws.
        open.addEventListener('click', () => {
          store.set({ view: 'graph' });
          onExample(example.id);
        });
        item.append(open, el('p', example.explanation || '', 'muted'));
        if (example.id === store.get('example')) {
          item.classList.add('current');
          item.setAttribute('aria-current', 'true');
          current = item;
        }
        list.append(item);
      }
      box.append(list);
      children.push(box);
    }
    view.replaceChildren(...children);
    // The example's explanation sits in the program panel, on its rail below 1880 px: the notes
    // open at it rather than at §1.
    // (measured in the next frame: the view may be shown by another listener of the same change)
    if (current) {
      const entry = current;
      requestAnimationFrame(() => {
        view.scrollTop += entry.getBoundingClientRect().top - view.getBoundingClientRect().top - 8;
      });
    }
  }

  store.on(['view', 'examples', 'example'], render);
}

/** Mount the three lecture views; each draws only while it is the visible view. */
export function mountLectureViews(store, options) {
  mountPlotView(store);
  mountJacobianView(store);
  mountLectureNotes(store, options);
}

