// The traced autograd graph of one prediction as a table (nodes in the engine's topological order)
// and the backward pass as the trace engine narrates it.

import { counted, formatNumber } from '../shared/format.js';

const flat = (data) => (Array.isArray(data) ? data.flat(Infinity) : [data]);

function describeTensor(t) {
  if (!t) return '–';
  if (t.summary) return `min ${formatNumber(t.summary.min, 3)}, max ${formatNumber(t.summary.max, 3)}`;
  const values = flat(t.data);
  return values.length <= 4 ? values.map((v) => formatNumber(v, 4)).join(', ') : `${values.length} values`;
}

/** One row per node: [label, op, shape, value, grad] (grad: what reached a leaf's .grad). */
export function graphRows(payload) {
  return payload.nodes.map((n) => [
    n.label || n.name || `#${n.id}`,
    n.op,
    `[${(n.shape || []).join(', ')}]`,
    describeTensor(n.value),
    n.is_leaf ? describeTensor(n.grad) : '',
  ]);
}

// The backward pass of P is the payload's last (and only) pass.
const lastPassSteps = (payload) => (payload.passes.length ? payload.passes[payload.passes.length - 1].steps : []);

/** The narration of each backward step, in the order the engine ran them. */
export function backwardSteps(payload) {
  return lastPassSteps(payload).map((s) => s.narration).filter(Boolean);
}

/** Fill `container` with the node table and the numbered backward steps. */
export function renderGraph(container, payload) {
  const table = document.createElement('table');
  table.className = 'compare';
  const head = document.createElement('tr');
  for (const title of ['node', 'grad_fn / leaf', 'shape', 'value', '.grad after backward']) {
    const th = document.createElement('th');
    th.textContent = title;
    head.append(th);
  }
  table.createTHead().append(head);
  const body = table.createTBody();
  for (const row of graphRows(payload)) {
    const tr = document.createElement('tr');
    row.forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (i < 2) td.className = 'text';
      tr.append(td);
    });
    body.append(tr);
  }
  const steps = document.createElement('ol');
  for (const text of backwardSteps(payload)) {
    const li = document.createElement('li');
    li.textContent = text;
    steps.append(li);
  }
  const caption = document.createElement('p');
  caption.className = 'muted';
  caption.textContent = `Backward from P: ${counted(lastPassSteps(payload).length, 'step')}, each node visited once.`;
  container.replaceChildren(table, caption, steps);
}
