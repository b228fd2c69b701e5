// Everything about one node: value and gradient in full, saved tensors, PyTorch's flags.

import { postJSON } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { lineText } from '../shared/errors.js';
import { formatShape } from '../shared/format.js';
import { accumulatorOf } from './accumulators.js';
import { hookedGradient } from './grad-labels.js';
import { tensorView } from './matrix-view.js';
import { nodeTitle } from './state.js';
import { stoppedAfterNode, stoppedInBackward, stoppedInspected } from './stopped-note.js';

const PICKER_LIMIT = 500;
const FULL_VALUE_LIMIT = 10_000; // elements fetched on demand for the heatmap

/** Whether re-running `source` reproduces its tensors (random ones only under a fixed seed). */
function reproducible(source) {
  // A recording from the user's own Python (the standalone viewer) has no program to run again.
  if (typeof source !== 'string') return false;
  return !/\brand/.test(source) || /manual_seed/.test(source);
}

function props(pairs) {
  const dl = el('dl', undefined, 'props');
  for (const [key, value] of pairs) dl.append(el('dt', key), el('dd', String(value)));
  return dl;
}

/** `boxesOf(nodeId)`: the labels of the boxes around a node in the graph drawn ([] without boxes). */
export function mountInspector(store, { boxesOf = () => [] } = {}) {
  const panel = document.getElementById('inspector');
  const picker = document.getElementById('node-picker');

  function renderPicker() {
    const trace = store.get('trace');
    const none = el('option', 'Inspect node…');
    none.value = '';
    const options = [none];
    for (const node of trace ? trace.nodes.slice(-PICKER_LIMIT).reverse() : []) {
      const option = el('option', `${node.id}: ${nodeTitle(node)}`);
      option.value = String(node.id);
      options.push(option);
    }
    picker.replaceChildren(...options);
    picker.value = store.get('selected') === null ? '' : String(store.get('selected'));
  }

  // Full values of summarized tensors, fetched on demand: the same program traced again with a
  // larger max_value_elements (node ids are topological indices, so they match across runs).
  let full = { trace: null, nodes: new Map() };

  async function loadFull(node, button) {
    const trace = store.get('trace');
    button.disabled = true;
    button.textContent = 'loading…';
    try {
      const numel = Math.max(...[node.value, node.grad].filter(Boolean).map((t) => t.shape.reduce((a, b) => a * b, 1)));
      const again = await postJSON('/api/trace', { source: trace.source, inputs: trace.inputs, jacobians: false, max_value_elements: numel });
      if (full.trace !== trace) full = { trace, nodes: new Map() };
      const same = again.nodes.find((n) => n.id === node.id);
      if (same) full.nodes.set(node.id, same);
      render();
    } catch (error) {
      button.textContent = `could not load: ${error.message}`;
    }
  }

  function render() {
    const selected = store.node(store.get('selected'));
    const trace = store.get('trace');
    const node = (selected && full.trace === trace && full.nodes.get(selected.id)) || selected;
    // Empty, it takes only its two lines and the step panel above it the rest of the column
    // (explorer.css): at 1280×720 an empty inspector held 240 px while the accumulators scrolled.
    panel.dataset.empty = String(!node);
    // No graph (a program that stopped, or none yet): nothing to click, so no hint taking the column.
    panel.hidden = !trace || !trace.nodes.length;
    if (!node) {
      panel.replaceChildren(el('h2', 'Inspector'), el('p', 'Click a node for its value and gradient.', 'muted'));
      return;
    }
    const backward = store.backwardState();
    const span = node.span ? `${lineText(node.span.line, node.span.file)}, columns ${node.span.column + 1}–${node.span.end_column}` : '—';
    const stoppedHere = stoppedInspected(trace, node);
    // Said first, unless it says why no saved value is listed (a node the engine could not run).
    const stoppedFirst = Boolean(stoppedHere) && (!stoppedInBackward(trace) || stoppedAfterNode(trace));
    const trail = boxesOf(node.id);
    const children = [
      el('h2', `Inspector: ${nodeTitle(node)}`),
      // The tensor an update outside torch.no_grad() was changing, the node that sent NaN on: why the
      // program stopped, first.
      ...(stoppedFirst ? [el('p', stoppedHere, 'stopped-end')] : []),
      props([
        ['grad_fn', node.kind === 'input' ? 'None (leaf; AccumulateGrad stores .grad)' : node.op],
        ['requires_grad', node.requires_grad],
        ['is_leaf', node.is_leaf],
        ['retains_grad', node.retains_grad],
        ['shape', `${formatShape(node.shape)} (${node.dtype})`],
        ['source', span],
        ...(trail.length ? [['in', trail.join(' ▸ ')]] : []), // model ▸ for t in range(3) at line 11 ▸ iteration 3 (t = 2)
      ]),
      el('h3', 'Value (forward)'),
    ];
    children.push(node.value ? tensorView(node.value, { heatmapTitle: 'value' }) : el('p', node.value_note || 'not recorded', 'muted'));
    // an internal node's value read back from what PyTorch kept: its note says from where
    if (node.value && node.value_note) children.push(el('p', node.value_note, 'muted'));
    if (backward) {
      // What this backward call delivers; for a leaf that is what AccumulateGrad adds to .grad.
      const reached = backward.reached.has(node.id) ? 'reached' : 'not reached yet';
      // the program's hook gave the node another gradient (y.register_hook(lambda g: g * 2))
      const hooked = hookedGradient(node, store.pass(), backward);
      const keepsGrad = node.is_leaf || node.retains_grad;
      const what = keepsGrad && hooked === undefined ? `what this pass adds to .grad (its accumulator, ${reached})` : `Accumulator ∂f/∂node at this step (${reached})`;
      children.push(el('h3', what.charAt(0).toUpperCase() + what.slice(1)));
      children.push(tensorView(accumulatorOf(backward, node.id), { heatmapTitle: 'accumulator' }));
      if (hooked !== undefined) {
        const after = `After its hook (${keepsGrad ? 'what AccumulateGrad added' : 'what the node received'})`;
        children.push(el('h3', after), tensorView(hooked, { heatmapTitle: 'after hook' }));
      }
    }
    children.push(el('h3', '.grad after the program ran'));
    if (node.grad) children.push(tensorView(node.grad, { heatmapTitle: '.grad' }));
    else if (node.is_leaf) children.push(el('p', node.requires_grad ? 'None: no backward call reached it' : 'None: it does not require grad', 'muted'));
    else children.push(el('p', 'None: PyTorch keeps .grad only for leaves (call retain_grad() to keep it)', 'muted'));
    const summarized = [node.value, node.grad].filter((t) => t && t.truncated);
    const numel = Math.max(0, ...summarized.map((t) => t.shape.reduce((a, b) => a * b, 1)));
    if (summarized.length && numel <= FULL_VALUE_LIMIT && reproducible(trace.source)) {
      const button = el('button', `Load all ${numel} elements (runs the program again)`);
      button.type = 'button';
      button.addEventListener('click', () => loadFull(node, button));
      children.push(button);
    }
    children.push(el('h3', `Saved for backward (${(node.saved || []).length})`));
    // Why none is listed: PyTorch refused them, and that refusal is where the engine stopped.
    if (stoppedHere && !stoppedFirst) children.push(el('p', stoppedHere, 'stopped-end'));
    for (const saved of node.saved || []) {
      children.push(el('p', `${saved.name}: ${formatShape(saved.shape)}`, 'saved-name'));
      children.push(tensorView(saved.value, { heatmapTitle: saved.name }));
    }
    panel.replaceChildren(...children);
  }

  picker.addEventListener('change', () => store.set({ selected: picker.value === '' ? null : Number(picker.value) }));
  store.on(['trace'], () => {
    renderPicker();
    render();
  });
  store.on(['selected'], () => {
    picker.value = store.get('selected') === null ? '' : String(store.get('selected'));
    render();
  });
  store.on(['position', 'passIndex'], () => store.get('selected') !== null && render());
  renderPicker();
  render();
}
