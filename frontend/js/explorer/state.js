// The explorer's one store: the shared Store with the explorer's keys and its pass helpers.

import { Store } from '../shared/store.js';
import { createReplay } from './accumulators.js';

export class ExplorerStore extends Store {
  constructor(initial = {}) {
    super({
      examples: [],
      example: null, // id of the loaded example, if the source is still the example's
      source: '',
      inputs: {},
      trace: null,
      error: null, // {type, message, line, column, end_line, end_column} of the last run
      running: false,
      passIndex: 0,
      position: 0, // steps of the selected pass already executed
      view: 'graph',
      selected: null, // node id in the inspector
      box: null, // the box whose backward steps are offered (box-step-control.js): the one last opened or holding the picked node
      hover: null, // node id under the mouse (graph or source)
      hoverSpan: null, // the source span of a call's or loop's box under the mouse (graph-view.js)
      collapse: false,
      showSaved: false,
      programOpen: null, // the program panel (code, example's explanation) in view; null: no such panel
      gradColour: false, // fill nodes by the size of the gradient they received (grad-colour.js)
      search: '',
      details: 0, // bumped when step details fetched on demand arrive
      detailsError: null, // why the last details request failed (the step panel says so), until one succeeds
      ...initial,
    });
  }

  /** The selected backward pass of the current trace, or null. */
  pass() {
    const trace = this.state.trace;
    if (!trace || !trace.passes || trace.passes.length === 0) return null;
    return trace.passes[Math.min(this.state.passIndex, trace.passes.length - 1)];
  }

  /** Number of steps in the selected pass. */
  stepCount() {
    const pass = this.pass();
    return pass ? pass.steps.length : 0;
  }

  /** The accumulator state at the current position (one step from the last costs one step). */
  backwardState() {
    const pass = this.pass();
    if (!pass) return null;
    if (!this.replay || this.replay.pass !== pass) this.replay = { pass, replay: createReplay(pass) };
    return this.replay.replay.at(this.state.position);
  }

  /** The trace node with `id`, or undefined. */
  node(id) {
    const trace = this.state.trace;
    if (!trace || id === null || id === undefined) return undefined;
    if (!this.nodeIndex || this.nodeIndex.trace !== trace) {
      this.nodeIndex = { trace, byId: new Map(trace.nodes.map((n) => [n.id, n])) };
    }
    return this.nodeIndex.byId.get(id);
  }
}

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';

/** The server's LaTeX symbol as plain text: z_{12} → z₁₂, f → f; null when it is not that simple. */
export function plainSymbol(symbol) {
  if (!symbol) return null;
  const match = /^([A-Za-z]+)(?:_\{?(\d+)\}?)?$/.exec(symbol);
  if (!match) return null;
  return match[1] + (match[2] || '').replace(/\d/g, (d) => SUBSCRIPTS[Number(d)]);
}

/** A node's short name: its variable name, else its lecture symbol (z₁, f), else its label. */
export function shortTitle(node) {
  if (!node) return '?';
  return node.name || plainSymbol(node.symbol) || node.label || node.op;
}

/**
 * Where the program saw the node made, or null. An internal node (an operation the program never
 * saw, its value_note saying so: made inside a library call, e.g. the bmm of a torch.einsum; its
 * value, when it has one, read back from what PyTorch kept) has the span of the call that made it,
 * so hovering it lights that call; that span is the call's result's own.
 */
export function ownSpan(node) {
  return node.kind === 'op' && node.value_note ? null : node.span;
}

/** How a node is called in text: "z₁ = x**3", "x", or the label alone. */
export function nodeTitle(node) {
  if (!node) return '?';
  const short = shortTitle(node);
  if (node.label && short !== node.label) return `${short} = ${node.label}`;
  return short;
}

// A title longer than this many characters takes two lines: SimpleNN's loss, "loss = binarycrossentropy
// (criterion(model(X_train).squeeze…)", made a node wider than a phone's screen at its readable zoom
// (405 px of 390) and than the graph beside an open program panel at 1280×720, cut at both sides.
export const TITLE_CHARS = 44;

/** A node's title as one line, or two broken at the last space that keeps the first within TITLE_CHARS. */
export function titleLines(title) {
  return brokenLine(title, TITLE_CHARS);
}

// The least a second line holds: "loss = criterion(model(X_train).squeeze()," over "…)" read as a cut.
const MIN_REST = 3;

/**
 * `line` as it is, or as two broken at the last space that keeps the first within `chars` characters;
 * after a comma if one leaves the first line half full or more ("accumulator 64×16," and "mean
 * 6.06e−12", not "accumulator 64×16, mean" and "6.06e−12"); at an earlier space when the second line
 * would hold less than MIN_REST characters ("loss =" over "criterion(model(X_train).squeeze(), …)").
 */
export function brokenLine(line, chars) {
  if (line.length <= chars) return [line];
  const comma = line.lastIndexOf(', ', chars - 1);
  let cut = comma + 1 >= chars / 2 ? comma + 1 : line.lastIndexOf(' ', chars);
  while (cut > 0 && line.length - cut - 1 < MIN_REST) cut = line.lastIndexOf(' ', cut - 1);
  return cut > 0 ? [line.slice(0, cut), line.slice(cut + 1)] : [line];
}
