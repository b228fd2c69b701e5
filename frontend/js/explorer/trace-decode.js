// The compact trace (docs/trace.md, "Compact form": column tables, float32 values and summaries in
// one base64 buffer, texts in one table, steps that refer to values by index) decoded into the
// readable form the page reads.
// Step details (formulas, Jacobians, narration) are not in it: `mergeDetails` adds them when fetched.

import { restoreNonFinite } from '../shared/format.js';

/** The float32 buffer of a base64 string. */
function floatsOf(base64) {
  if (typeof Uint8Array.fromBase64 === 'function') return new DataView(Uint8Array.fromBase64(base64).buffer);
  if (typeof Buffer === 'function') {
    const bytes = Buffer.from(base64, 'base64');
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return new DataView(bytes.buffer);
}

const spelling = (x) => (Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');

/** Where `data` (nested arrays of numbers) holds NaN or ±Infinity, as TensorValue.nonfinite says it. */
function nonFiniteOf(data, prefix = []) {
  if (!Array.isArray(data)) return Number.isFinite(data) ? [] : [{ index: prefix, value: spelling(data) }];
  return data.flatMap((item, i) => nonFiniteOf(item, [...prefix, i]));
}

function nest(view, offset, shape) {
  if (shape.length === 0) return view.getFloat32(offset * 4, true);
  const [first, ...rest] = shape;
  const stride = rest.reduce((a, b) => a * b, 1);
  const out = new Array(first);
  for (let i = 0; i < first; i += 1) out[i] = nest(view, offset + i * stride, rest);
  return out;
}

/**
 * A sent tensor whose nested `data` is built from the buffer the first time it is read: a 20,000-node
 * trace holds about 75,000 tensors and a page looks at a few hundred of them.
 */
class BufferedTensor {
  #view;
  #offset;
  #data;

  constructor(shape, dtype, view, offset) {
    this.shape = shape;
    this.dtype = dtype;
    this.summary = null;
    this.truncated = false;
    this.#view = view;
    this.#offset = offset;
  }

  get data() {
    if (this.#data === undefined) this.#data = nest(this.#view, this.#offset, this.shape);
    return this.#data;
  }

  get nonfinite() {
    return nonFiniteOf(this.data);
  }

  toJSON() {
    return { shape: this.shape, dtype: this.dtype, data: this.data, nonfinite: this.nonfinite, summary: null, truncated: false };
  }
}

const SUMMARY_STATS = ['min', 'max', 'mean', 'std']; // then up to SUMMARY_HEAD first elements
const SUMMARY_HEAD = 8;

// The readable form's TensorSummary writes a statistic or head element that is not finite as null.
const finiteOrNull = (x) => (Number.isFinite(x) ? x : null);

// A summarized tensor's numbers in the buffer: its statistics, then its first elements.
function summaryAt(view, offset, shape) {
  const count = shape.reduce((a, b) => a * b, 1);
  const summary = {};
  SUMMARY_STATS.forEach((key, i) => (summary[key] = finiteOrNull(view.getFloat32((offset + i) * 4, true))));
  summary.head = nest(view, offset + SUMMARY_STATS.length, [Math.min(count, SUMMARY_HEAD)]).map(finiteOrNull);
  return summary;
}

/** A decoder of value indices into TensorValues ({shape, dtype, data, summary, truncated}), each built once. */
export function valueReader(trace) {
  const { values, dtypes } = trace;
  const view = floatsOf(values.buffer || '');
  const cache = new Array(values.count);
  const summarized = new Set(values.summarized || []);
  const transposed = new Map((values.transposed?.value || []).map((v, k) => [v, values.transposed.of[k]]));
  return (index) => {
    if (index === -1 || index === null || index === undefined) return null;
    let value = cache[index];
    if (value === undefined) {
      const shape = values.shape[index];
      const offset = values.offset[index];
      const dtype = dtypes[values.dtype[index]];
      if (transposed.has(index)) {
        // The numbers of a stored 2-D value (a Linear's weight and the `t` of it), transposed.
        const [rows, columns] = shape;
        const source = nest(view, values.offset[transposed.get(index)], [columns, rows]);
        const data = Array.from({ length: rows }, (_, i) => source.map((row) => row[i]));
        value = { shape, dtype, data, nonfinite: nonFiniteOf(data), summary: null, truncated: false };
      } else if (offset >= 0 && !summarized.has(index)) value = new BufferedTensor(shape, dtype, view, offset);
      else {
        const summary = offset >= 0 ? summaryAt(view, offset, shape) : null;
        value = { shape, dtype, data: null, nonfinite: [], summary, truncated: true };
      }
      cache[index] = value;
    }
    return value;
  };
}

const FLAG = { requiresGrad: 1, isLeaf: 2, isOutput: 4, retainsGrad: 8 };

function spanAt(spans, i, file) {
  const span = { line: spans[4 * i], column: spans[4 * i + 1], end_line: spans[4 * i + 2], end_column: spans[4 * i + 3] };
  if (file) span.file = file;
  return span;
}

function decodeNodes(trace, value) {
  const n = trace.nodes;
  const text = (k) => (k === -1 || k === null || k === undefined ? null : n.texts[k]);
  const notes = new Map(n.notes.node.map((node, k) => [node, text(n.notes.text[k])]));
  // A notebook's span in another cell or file than the recorded block's (absent from web traces).
  const files = new Map((n.span_files ? n.span_files.node : []).map((node, k) => [node, text(n.span_files.text[k])]));
  const nodes = new Array(n.count);
  for (let i = 0; i < n.count; i += 1) {
    const flags = n.flags[i];
    const line = n.span[4 * i];
    const saved = [];
    for (let k = n.saved_start[i]; k < n.saved_start[i + 1]; k += 1) {
      const v = value(n.saved_value[k]);
      saved.push({ name: text(n.saved_name[k]), shape: v ? v.shape : [], value: v });
    }
    nodes[i] = {
      id: i,
      kind: flags & FLAG.isLeaf ? 'input' : 'op',
      op: trace.ops[n.op[i]],
      label: text(n.label[i]),
      name: text(n.name[i]),
      symbol: text(n.symbol[i]),
      span: line ? spanAt(n.span, i, files.get(i)) : null,
      shape: n.shape[i],
      dtype: n.dtype[i] === -1 ? null : trace.dtypes[n.dtype[i]],
      value: value(n.value[i]),
      value_note: notes.get(i) ?? null,
      grad: value(n.grad[i]),
      requires_grad: Boolean(flags & FLAG.requiresGrad),
      is_leaf: Boolean(flags & FLAG.isLeaf),
      is_output: Boolean(flags & FLAG.isOutput),
      retains_grad: Boolean(flags & FLAG.retainsGrad),
      saved,
    };
    // The module and call that made the node: indices into the `regions` table (-1: none).
    const region = (column) => (column && column[i] >= 0 ? n.regions[column[i]] : null);
    nodes[i].module = region(n.module);
    nodes[i].call = region(n.call);
    // The line of the loop statement running when it was made (0: none; absent from notebooks').
    if (n.loop && n.loop[i]) nodes[i].loop = n.loop[i];
    // Which run of it (an index into trace.loops: an inner loop runs once per outer turn) and turn, 0: the first.
    if (n.loop_run && n.loop_run[i] >= 0) [nodes[i].loop_run, nodes[i].turn] = [n.loop_run[i], n.turn[i]];
    // Which call of the program's function (an index into trace.calls: `f(x) + f(x)` is two).
    if (n.call_run && n.call_run[i] >= 0) nodes[i].call_run = n.call_run[i];
  }
  return nodes;
}

// The loop runs as the readable form lists them: [{line, label, outer, outer_turn, module, call,
// call_run, variable, start, step, over}] (null: none; the last four say what each turn's loop
// variable held).
function decodeLoops(n) {
  const runs = n.loops;
  if (!runs) return [];
  const region = (k) => (k >= 0 ? n.regions[k] : null);
  return runs.line.map((line, k) => ({
    line,
    label: runs.label[k],
    outer: runs.outer[k] >= 0 ? runs.outer[k] : null,
    outer_turn: runs.outer[k] >= 0 ? runs.outer_turn[k] : null,
    module: region(runs.module[k]),
    call: region(runs.call[k]),
    call_run: runs.call_run[k] >= 0 ? runs.call_run[k] : null,
    variable: runs.variable[k],
    start: runs.start[k],
    step: runs.step[k],
    over: runs.over[k],
  }));
}

// The calls of the program's functions as the readable form lists them: [{label, held, span, outer,
// loop_run, turn, module}] (null: none; held: the numbers its parameters held, `n = 2`; span: the
// call expression).
function decodeCalls(n) {
  const calls = n.calls;
  if (!calls) return [];
  const region = (k) => (k >= 0 ? n.regions[k] : null);
  return calls.label.map((label, k) => ({
    label: region(label),
    held: calls.held[k],
    span: calls.span[4 * k] ? spanAt(calls.span, k) : null,
    outer: calls.outer[k] >= 0 ? calls.outer[k] : null,
    loop_run: calls.loop_run[k] >= 0 ? calls.loop_run[k] : null,
    turn: calls.loop_run[k] >= 0 ? calls.turn[k] : null,
    module: region(calls.module[k]),
  }));
}

function decodeSteps(columns, nodes, value) {
  const steps = new Array(columns.count);
  // A node with several outputs read by the program: the gradient each output received (rows for
  // the outputs past the first; the first is grad_output), as the readable form's grad_outputs.
  const more = new Map();
  const m = columns.more_outputs;
  if (m) {
    for (let r = 0; r < m.step.length; r += 1) {
      if (!more.has(m.step[r])) more.set(m.step[r], [columns.grad_output[m.step[r]]]);
      const row = more.get(m.step[r]);
      while (row.length < m.output[r]) row.push(-1);
      row.push(m.value[r]);
    }
  }
  for (let k = 0; k < columns.count; k += 1) {
    const inputs = [];
    const accumulators = []; // [{node, grad}] as the readable form sends them
    const changed = [];
    for (let j = columns.start[k]; j < columns.start[k + 1]; j += 1) {
      const to = columns.to[j];
      inputs.push({ slot: columns.slot[j], to, symbol: nodes[to] ? nodes[to].symbol : null, contribution: value(columns.value[j]) });
      const grad = value(columns.accumulated[j]);
      const seen = changed.indexOf(to);
      if (seen === -1) {
        changed.push(to);
        accumulators.push({ node: to, grad });
      } else {
        accumulators[seen].grad = grad; // the last addition of this step wins
      }
    }
    const norm = columns.grad_norm ? columns.grad_norm[k] : null;
    steps[k] = { index: k, node: columns.node[k], grad_output: value(columns.grad_output[k]), inputs, accumulators, changed, grad_norm: norm ?? null };
    if (more.has(k)) steps[k].grad_outputs = more.get(k).map(value);
  }
  return steps;
}

const namedValues = (names, value) => Object.fromEntries(Object.entries(names || {}).map(([name, v]) => [name, value(v)]));

/** A pass's `.grad` by node, as the readable form lists it (absent from payloads made before it). */
function nodeGrads(columns, value) {
  if (!columns) return undefined;
  return columns.node.map((node, i) => ({ node, grad: value(columns.value[i]) }));
}

/** The readable trace (nodes, edges, passes with steps, output, grads, …) of a compact one. */
export function decodeTrace(trace) {
  if (trace.format !== 'compact') return restoreNonFinite(trace);
  if (trace.version !== 2) throw new Error(`unknown compact trace version ${trace.version}`);
  const value = valueReader(trace);
  const nodes = decodeNodes(trace, value);
  const e = trace.edges;
  const edges = new Array(e.count);
  for (let i = 0; i < e.count; i += 1) edges[i] = { id: i, source: e.source[i], target: e.target[i], slot: e.slot[i] };
  const passes = trace.passes.map((pass) => ({
    ...(pass.hooks ? { hooks: pass.hooks } : {}), // the program's gradient hooks that ran (API 6.10)
    index: pass.index,
    kind: pass.kind,
    span: pass.span,
    roots: pass.roots,
    seeds: pass.seeds.map(value),
    start_narration: pass.start_narration,
    grads: namedValues(pass.grads, value),
    node_grads: nodeGrads(pass.node_grads, value),
    steps: decodeSteps(pass.steps, nodes, value),
    module_grad_norms: pass.module_grad_norms || {},
  }));
  const output = trace.output ? { node: trace.output.node, name: trace.output.name, value: value(trace.output.value) } : null;
  const history = Object.fromEntries(Object.entries(trace.grad_history || {}).map(([name, list]) => [name, list.map(value)]));
  return {
    mode: trace.mode,
    nodes,
    edges,
    autograd_functions: trace.autograd_functions || {}, // absent from payloads made before it (additive)
    output,
    passes,
    pass_summaries: trace.pass_summaries,
    shown_pass: trace.shown_pass ?? null,
    grads: namedValues(trace.grads, value),
    grad_history: history,
    warnings: trace.warnings || [],
    printed: trace.printed || [],
    stopped: trace.stopped ?? null, // a program that stopped: its error and node (on_error 'graph')
    loops: decodeLoops(trace.nodes), // empty: no node made in a loop, or a notebook's (its frames do not say)
    calls: decodeCalls(trace.nodes), // empty: no node made in a call of the program's function, or a notebook's
    stats: trace.stats,
    detailsOnDemand: true,
  };
}

/** Adds the fetched details ({steps: [{index, narration, inputs: [{slot, formula, formula_value, jacobian}]}]}) to `pass`. */
export function mergeDetails(pass, details) {
  restoreNonFinite(details);
  for (const detail of details.steps || []) {
    const step = pass.steps[detail.index];
    if (!step) continue;
    step.narration = detail.narration;
    for (const extra of detail.inputs || []) {
      const input = step.inputs.find((i) => i.slot === extra.slot && i.to === extra.to) || step.inputs.find((i) => i.slot === extra.slot);
      if (input) Object.assign(input, { formula: extra.formula, formula_value: extra.formula_value, jacobian: extra.jacobian });
    }
    step.detailed = true;
  }
}
