// LaTeX through the vendored KaTeX; a bad formula shows as its source instead of throwing.

import katex from '/vendor/katex/katex.mjs';

/** Render `latex` into `element` (inline unless `display`). */
export function renderLatex(element, latex, { display = false } = {}) {
  katex.render(latex, element, { throwOnError: false, displayMode: display, strict: 'ignore', output: 'htmlAndMathml' });
  element.dataset.latex = latex;
  return element;
}

/** A new element of `tag` holding `latex`. */
export function latexElement(latex, { tag = 'div', className = 'formula', display = false } = {}) {
  const element = document.createElement(tag);
  element.className = className;
  return renderLatex(element, latex, { display });
}

/** A user's variable name as LaTeX: one letter with an optional digit subscript, else \mathrm{…}. */
export function latexName(name) {
  const simple = /^([A-Za-z])_?(\d+)?$/.exec(name);
  if (simple) return simple[2] ? `${simple[1]}_{${simple[2]}}` : simple[1];
  return `\\mathrm{${name.replace(/[_{}\\$&#%^~]/g, (c) => (c === '_' ? '\\_' : ''))}}`;
}

/** The symbol of a trace node: its variable name, f for an unnamed output, else z with its id. */
export function nodeSymbol(node) {
  if (!node) return 'z';
  if (node.symbol) return node.symbol;
  if (node.name) return latexName(node.name);
  if (node.is_output) return 'f';
  return `z_{${node.id}}`;
}
