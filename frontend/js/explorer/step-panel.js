// The current backward step: narration, local derivative with numbers, Jacobian, accumulator table.

import { el, syncChildren, wrappableEl } from '../shared/dom.js';
import { counted, formatShape, formatTensor, jacobianMatrix } from '../shared/format.js';
import { accumulatorOf } from './accumulators.js';
import { moduleHookSent } from './grad-labels.js';
import { latexElement, nodeSymbol } from './formula.js';
import { matrixTable } from './matrix-view.js';
import { nodeTitle, shortTitle } from './state.js';
import { stoppedAtLine, stoppedEnd, stoppedInBackward } from './stopped-note.js';
import { createVirtualTable } from './virtual-table.js';

const EVERY_NODE = 60; // up to this many nodes the table lists them all, reached or not
const PLAIN_ROWS = 200; // above this many rows only those in view are built
// A weight shared by every layer of a 5,000-layer loop receives 5,000 contributions: its row shows the
// latest few and how many came before. Joined in full, the one row's text (tens of kB) was shaped at
// every step's layout: 20 of a 20,000-node MLP's 25 ms of layout per step, and 15 ms of formatting.
export const SHOWN_CONTRIBUTIONS = 3;

// The server's sentence, typeset as the steps' narrations are (narration.py: "f = x³ − 3x", not the
// source's "x**3 - 3*x"), then what to press.
function describeStart(pass) {
  const press = "Press → to let PyTorch's engine run the first node.";
  return pass.start_narration ? `${pass.start_narration} ${press}` : press; // a payload made before it
}

// The example's lesson at the start, when the program panel that holds it is on its rail (below
// 1880 px: a 1280 px projector showed the graph with nothing saying what it teaches). Collapsible,
// so a student who has read it gets the accumulators back.
function aboutExample(store) {
  if (store.get('programOpen') !== false) return [];
  const example = store.get('examples').find((e) => e.id === store.get('example'));
  if (!example || !example.explanation) return [];
  const about = el('details', undefined, 'about-example');
  about.open = true;
  about.append(el('summary', `About this example: ${example.title}`), el('p', example.explanation));
  return [about];
}

function inputBlock(store, step, input, hookSent) {
  const node = store.node(step.node);
  const target = store.node(input.to);
  const block = el('div', undefined, 'step-input');
  const out = nodeSymbol(node);
  const symbol = input.symbol || nodeSymbol(target);
  // Until the step's details arrive (step-details.js) only the contribution is known.
  const explained = step.detailed || !store.get('trace').detailsOnDemand;
  if (explained && input.formula) {
    block.append(latexElement(`\\frac{\\partial ${out}}{\\partial ${symbol}} = ${input.formula}`));
  } else if (explained) {
    block.append(el('p', `∂${nodeTitle(node)}/∂${nodeTitle(target)}: no formula in the table for ${node.op}; the Jacobian below is exact.`, 'muted'));
  }
  if (input.formula && input.formula_value) block.append(latexElement(`\\phantom{\\frac{\\partial ${out}}{\\partial ${symbol}}} = ${input.formula_value}`));
  if (input.jacobian) {
    block.append(el('h3', `Local Jacobian ∂${shortTitle(node)}/∂${shortTitle(target)}: ${input.jacobian.shape.join('×')} (output × input elements)`));
    const rows = jacobianMatrix(input.jacobian);
    block.append(rows ? matrixTable(rows, input.jacobian.shape.join('×')) : el('p', formatTensor(input.jacobian), 'muted'));
  }
  // A program's own autograd Function computed what it sent, by any rule it likes (docs/trace.md).
  const custom = node && store.get('trace').autograd_functions[node.op];
  // A module's backward hook returned what the node sends (its identity's product is not it)
  let how = ' (incoming gradient × local derivative).';
  if (custom) how = `, as ${custom}.backward computed it.`;
  else if (hookSent) how = ", as the module's backward hook returned it (not incoming gradient × local derivative).";
  const sent = el('p', undefined, 'sent');
  sent.append('Sends ', el('strong', formatTensor(input.contribution)), ` to ${shortTitle(target)}'s accumulator${how}`);
  block.append(sent);
  return block;
}

function accumulatorRow(node, backward, changed, current) {
  const row = el('tr');
  row.dataset.node = String(node.id);
  if (changed.has(node.id)) row.classList.add('changed');
  if (node.id === current) row.classList.add('current');
  if (!backward.reached.has(node.id)) row.classList.add('unreached');
  const received = backward.contributions.get(node.id) || [];
  const contributions = el('td', contributionsText(received), 'contribs');
  if (received.length > SHOWN_CONTRIBUTIONS) contributions.title = `${received.length} contributions, the latest ${SHOWN_CONTRIBUTIONS} shown`;
  row.append(
    nameCell(node),
    el('td', formatTensor(accumulatorOf(backward, node.id), { maxElements: 4, short: true }), 'acc'),
    contributions,
  );
  return row;
}

// A node's title at most two lines tall, the whole of it on hover: SimpleNN's loss is titled
// `loss = binarycrossentropy (criterion(model(X_train).squeeze…)`, which a 90 px column broke
// into five lines of letters, pushing every other accumulator out of view.
function nameCell(node) {
  const title = nodeTitle(node);
  const cell = el('td', undefined, 'name');
  const text = wrappableEl('span', title, 'clamp');
  cell.title = title;
  cell.append(text);
  return cell;
}

/** "−3 + 3", or for a long list "… 4,997 earlier + a + b + c" (the latest SHOWN_CONTRIBUTIONS). */
export function contributionsText(received) {
  const latest = received.slice(-SHOWN_CONTRIBUTIONS).map((c) => formatTensor(c.value, { maxElements: 3, short: true }));
  const earlier = received.length - latest.length;
  return [...(earlier ? [`… ${earlier.toLocaleString('en')} earlier`] : []), ...latest].join(' + ');
}

// The accumulator table, kept from step to step: each row rebuilt only when what it shows changed (a
// step changes a handful of accumulators) and the others left in place; above PLAIN_ROWS rows a
// virtual table that builds only the rows in view.
function createAccumulators(store) {
  const wrap = el('div');
  const caption = el('p', '', 'muted');
  // {trace, pass, rows: Map node id → {row, value, flags}, virtual (above PLAIN_ROWS) or body} shown
  let kept = null;

  function cachedRow(node, backward, changed, current) {
    const value = accumulatorOf(backward, node.id);
    const received = (backward.contributions.get(node.id) || []).length;
    const flags = `${changed.has(node.id)}${node.id === current}${backward.reached.has(node.id)}${received}`;
    const cached = kept.rows.get(node.id);
    if (cached && cached.value === value && cached.flags === flags) return cached.row;
    const row = accumulatorRow(node, backward, changed, current);
    kept.rows.set(node.id, { row, value, flags });
    return row;
  }

  function tableElement() {
    const table = el('table', undefined, 'acc-table');
    table.id = 'accumulators';
    const head = el('tr'); // short: the caption says these are the accumulators; presentation type has 300 px
    head.append(el('th', 'node'), el('th', '∂f/∂node'), el('th', 'contri\u00adbutions received'));
    table.append(el('thead'));
    table.tHead.append(head);
    return table;
  }

  function update(backward) {
    const trace = store.get('trace');
    const pass = store.pass();
    const changed = new Set(backward.changed || []);
    const current = backward.current ? backward.current.node : null;
    const everyNode = trace.nodes.length <= EVERY_NODE;
    const shown = [];
    for (let i = trace.nodes.length - 1; i >= 0; i -= 1) {
      const node = trace.nodes[i];
      if (everyNode || backward.reached.has(node.id)) shown.push(node);
    }
    caption.hidden = everyNode;
    caption.textContent = `The ${counted(shown.length, 'node')} the backward pass has reached so far (of ${trace.nodes.length}), the latest first.`;
    const virtual = shown.length > PLAIN_ROWS;
    const renderRow = (i) => cachedRow(shown[i], backward, changed, current);
    const index = virtual ? shown.findIndex((n) => n.id === current) : -1;
    const options = { count: shown.length, renderRow, focus: index < 0 ? null : index };
    if (kept && kept.trace === trace && kept.pass === pass && Boolean(kept.virtual) === virtual) {
      if (virtual) kept.virtual.update(options);
      else syncChildren(kept.body, shown.map((node, i) => renderRow(i)));
      return;
    }
    kept = { trace, pass, rows: new Map(), virtual: null, body: null };
    const table = tableElement();
    if (virtual) {
      kept.virtual = createVirtualTable(table, options);
      wrap.replaceChildren(kept.virtual.element, caption);
    } else {
      kept.body = el('tbody');
      kept.body.append(...shown.map((node, i) => renderRow(i)));
      table.append(kept.body);
      wrap.replaceChildren(table, caption);
    }
  }

  return { element: wrap, update };
}

// With several backward calls, .grad after each call shows accumulation (2, 4, 6…).
function gradHistory(trace) {
  const history = Object.entries(trace.grad_history || {}).filter(([, list]) => list.length > 1);
  return history.map(([name, list]) => {
    const p = el('p', undefined, 'grad-history');
    const values = list.map((g) => (g ? formatTensor(g, { maxElements: 3 }) : 'None'));
    p.append(`${name}.grad after each backward call: `, el('strong', values.join(' → ')));
    return p;
  });
}

// What the pass delivered once it has run to the end: .grad for backward(), a return value for grad().
function passResult(pass, finished) {
  if (!finished) return [];
  return Object.entries(pass.grads || {}).map(([name, grad]) => {
    const p = el('p', undefined, 'grad-history');
    const what = pass.kind === 'grad' ? `torch.autograd.grad returned ∂/∂${name} = ` : `${name}.grad after this call: `;
    p.append(what, el('strong', grad ? formatTensor(grad, { maxElements: 4 }) : 'None'));
    if (pass.kind === 'grad') p.append(' (.grad is left alone)');
    return p;
  });
}

/**
 * `boxesOf(nodeId)`: the labels of the boxes around a node in the graph drawn (graph-groups.js
 * boxTrail), [] when it is drawn without boxes; each step says them under its title.
 */
export function mountStepPanel(store, { boxesOf = () => [] } = {}) {
  const panel = document.getElementById('step-panel');
  // Three parts: what the step says (rebuilt per step), the accumulators (updated in place), a remark.
  const top = el('div');
  const accumulators = createAccumulators(store);
  const remark = el(
    'p',
    'The algorithm is mechanical: one accumulator per node, each node visited once — O(n) time and memory for a graph of n nodes.',
    'remark',
  );
  panel.replaceChildren(top, accumulators.element, remark);

  function render() {
    const trace = store.get('trace');
    const pass = store.pass();
    const backward = store.backwardState();
    const children = [];
    let accumulatorsShown = false; // set once: hiding and showing them again restyled every row
    if (!trace && store.get('error')) {
      children.push(el('h2', 'Backward pass'), el('p', 'None: the program stopped before it, with the error shown on the graph.', 'muted'), ...aboutExample(store));
    } else if (!trace) {
      children.push(el('h2', 'Backward pass'), el('p', 'Pick an example or type a program, then press Run.', 'muted'));
    } else if (stoppedInBackward(trace) && pass && pass.steps.length === 0) {
      // "ran no backward pass" beside "stopped in backward()" read as a contradiction
      children.push(el('h2', 'Backward pass'), el('p', 'The backward() call stopped before PyTorch\'s engine ran any node: its error is above.', 'muted'), ...aboutExample(store));
    } else if (trace.stopped && !pass) {
      children.push(el('h2', 'Backward pass'), el('p', `None: the program stopped${stoppedAtLine(trace)}, before any backward(); its error is above.`, 'muted'), ...aboutExample(store));
    } else if (!pass || pass.steps.length === 0) {
      const why = (trace.warnings || []).length ? ' (the warning above says why)' : '';
      children.push(el('h2', 'Backward pass'), el('p', `This program ran no backward pass${why}.`, 'muted'), ...aboutExample(store));
    } else {
      const step = backward.current;
      const count = pass.steps.length;
      if (!step) {
        // The lesson before the start's sentence, the same for every program: in presentation type at
        // 1280×720 the lesson below it (and below a warning) started under the panel's fold.
        children.push(el('h2', `Start · 0 of ${counted(count, 'step')}`), ...aboutExample(store), wrappableEl('p', describeStart(pass), 'narration'));
      } else {
        const node = store.node(step.node);
        children.push(wrappableEl('h2', `Step ${backward.position} of ${count}: ${nodeTitle(node)} (${node ? node.op : '?'})`));
        const trail = node ? boxesOf(node.id) : [];
        if (trail.length) {
          // each box's name kept on one line ("iteration 3 (t = 2)" broke after "(t"), breaks at the ▸
          const line = el('p', 'in ', 'box-trail muted');
          trail.forEach((label, k) => line.append(...(k ? [' ▸ '] : []), el('span', label)));
          children.push(line);
        }
        const waiting = !step.narration && trace.detailsOnDemand && !step.detailed;
        const failed = waiting && store.get('detailsError');
        let narration = step.narration || '';
        if (failed) narration = `This step’s formulas and narration could not be fetched (${failed}); its numbers below are the trace’s own. Step again to retry.`;
        else if (waiting) narration = 'Fetching this step’s formulas and narration…';
        children.push(wrappableEl('p', narration, 'narration'));
        if (step.grad_outputs && step.grad_outputs.length > 1) {
          // A node with several outputs (`a, b = x.split(…)`): PyTorch delivers one gradient per output.
          children.push(el('p', `Incoming gradients, one per output of ${shortTitle(node)}:`));
          const list = el('ul', undefined, 'grad-outputs');
          step.grad_outputs.forEach((grad, i) => {
            const item = el('li', `output ${i} (${formatShape(grad && grad.shape)}): `);
            item.append(el('strong', grad ? formatTensor(grad) : 'none reached it'));
            list.append(item);
          });
          children.push(list);
        } else {
          const incoming = el('p');
          incoming.append(
            `Incoming gradient ∂f/∂${shortTitle(node)} (${formatShape(step.grad_output && step.grad_output.shape)}): `,
            el('strong', formatTensor(step.grad_output)),
          );
          children.push(incoming);
        }
        const hookSent = moduleHookSent(pass, backward.position - 1);
        for (const input of step.inputs || []) children.push(inputBlock(store, step, input, hookSent));
      }
      const finished = backward.position === pass.steps.length;
      const end = finished ? stoppedEnd(trace, pass) : '';
      if (end) children.push(el('p', end, 'stopped-end'));
      children.push(el('h3', 'Accumulators (one per node)'));
      children.push(...gradHistory(trace), ...passResult(pass, finished));
      accumulatorsShown = true;
      accumulators.update(backward);
    }
    top.replaceChildren(...children);
    if (accumulators.element.hidden === accumulatorsShown) accumulators.element.hidden = !accumulatorsShown;
  }

  store.on(['trace', 'error', 'position', 'passIndex', 'details', 'detailsError', 'programOpen', 'example', 'examples'], render);
  render();
}
