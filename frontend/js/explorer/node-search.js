// "Find node": which trace nodes a typed query names, however the graph, the lecture or PyTorch
// writes them (z1, z₁, z_1, "x ** 3", PowBackward0), ignoring case and spaces.

import { nodeTitle, plainSymbol, shortTitle } from './state.js';

const SUBSCRIPT_DIGITS = '₀₁₂₃₄₅₆₇₈₉';

/** `text` as search compares it: lower case, no spaces, subscript digits and LaTeX `_{1}` as plain 1. */
export function foldForSearch(text) {
  return String(text)
    .toLowerCase()
    .replace(/[₀-₉]/g, (d) => String(SUBSCRIPT_DIGITS.indexOf(d)))
    .replace(/_\{?(\d+)\}?/g, '$1')
    .replace(/\s+/g, '');
}

// Every way the page or PyTorch names the node: the drawn title and its short name, variable
// name, source text, lecture symbol and grad_fn class.
function namesOf(node) {
  const names = [shortTitle(node), nodeTitle(node), node.name, node.label, node.symbol, plainSymbol(node.symbol), node.op];
  return names.filter(Boolean).map(foldForSearch);
}

/**
 * The nodes `query` finds, the ones it names exactly (`z1` for z₁, not z₁₂) first, then the others
 * in graph order. An empty query finds nothing.
 */
export function findNodes(nodes, query) {
  const wanted = foldForSearch(query || '');
  if (!wanted) return [];
  const exact = [];
  const partial = [];
  for (const node of nodes) {
    const names = namesOf(node);
    if (names.includes(wanted)) exact.push(node);
    else if (names.some((n) => n.includes(wanted))) partial.push(node);
  }
  return [...exact, ...partial];
}
