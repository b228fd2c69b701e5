// LaTeX through the vendored KaTeX; a bad formula shows as its source instead of throwing.
//
// KaTeX (600 kB) is loaded on first use, not with the page: no formula is on screen until a step is
// shown, and evaluating it delayed a cold open's first graph. `loadFormulas()` (called when the page
// is idle after its first draw) usually has it ready before the first step; a formula asked for
// earlier shows its source for that moment and is typeset when KaTeX arrives.

let katex = null;
let loading = null;
const waiting = new Map(); // element → display flag, typeset once KaTeX is here

function typeset(element, latex, display) {
  katex.render(latex, element, { throwOnError: false, displayMode: display, strict: 'ignore', output: 'htmlAndMathml' });
}

/** Start loading KaTeX (once); resolves when formulas render typeset. */
export function loadFormulas() {
  loading ??= import('/vendor/katex/katex.mjs').then(
    (module) => {
      katex = module.default;
      for (const [element, display] of waiting) {
        if (element.dataset.latex !== undefined) typeset(element, element.dataset.latex, display);
      }
      waiting.clear();
    },
    (error) => {
      loading = null; // a failed fetch is tried again by the next formula
      throw error;
    },
  );
  return loading;
}

/** Render `latex` into `element` (inline unless `display`). */
export function renderLatex(element, latex, { display = false } = {}) {
  element.dataset.latex = latex;
  if (katex) {
    typeset(element, latex, display);
  } else {
    element.textContent = latex;
    waiting.set(element, display);
    loadFormulas().catch(() => {}); // the source stays shown
  }
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
