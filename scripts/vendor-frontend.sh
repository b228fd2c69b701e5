#!/usr/bin/env bash
# Refresh frontend/vendor/ from the npm registry at the versions pinned in frontend/package.json.
# npm installs into a temporary directory; only the browser builds (ES modules, CSS, fonts,
# licences) are copied, so the tree never holds node_modules and the page needs no build step.
# CodeMirror ships as a dozen small packages that import each other by bare name, which a
# build-free page cannot resolve: esbuild (a devDependency) bundles them once, here, into one
# ES module. axe-core (also a devDependency) is copied for the accessibility tests only.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/frontend/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cp "$ROOT/frontend/package.json" "$WORK/"
[ -f "$ROOT/frontend/package-lock.json" ] && cp "$ROOT/frontend/package-lock.json" "$WORK/"
(cd "$WORK" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
cp "$WORK/package-lock.json" "$ROOT/frontend/package-lock.json"

NM="$WORK/node_modules"
rm -rf "$VENDOR/cytoscape" "$VENDOR/cytoscape-dagre" "$VENDOR/katex" "$VENDOR/viz" "$VENDOR/codemirror" "$VENDOR/axe-core" "$VENDOR/plotly"
mkdir -p "$VENDOR/cytoscape" "$VENDOR/cytoscape-dagre" "$VENDOR/katex/fonts" "$VENDOR/viz" "$VENDOR/codemirror" "$VENDOR/axe-core" "$VENDOR/plotly"

# Cytoscape.js: graph rendering, pan/zoom, PNG export.
cp "$NM/cytoscape/dist/cytoscape.esm.min.mjs" "$NM/cytoscape/LICENSE" "$VENDOR/cytoscape/"
# cytoscape-dagre: layered DAG layout (dagre is bundled inside its ES module).
cp "$NM/cytoscape-dagre/dist/cytoscape-dagre.min.mjs" "$NM/cytoscape-dagre/LICENSE" "$VENDOR/cytoscape-dagre/"
# KaTeX: formulas. Browsers take the woff2 fonts, so only those are copied.
cp "$NM/katex/dist/katex.mjs" "$NM/katex/dist/katex.min.css" "$NM/katex/LICENSE" "$VENDOR/katex/"
cp "$NM/katex/dist/fonts/"*.woff2 "$VENDOR/katex/fonts/"
# viz.js: Graphviz compiled to WebAssembly (embedded), for torchviz's DOT when the server has no `dot`.
cp "$NM/@viz-js/viz/dist/viz.js" "$VENDOR/viz/viz.js"
if [ -f "$NM/@viz-js/viz/LICENSE" ]; then cp "$NM/@viz-js/viz/LICENSE" "$VENDOR/viz/"; fi
# CodeMirror 6: the program editor. Only what frontend/js/explorer/editor.js uses is exported,
# and one bundle means one copy of @codemirror/state (two copies break its instanceof checks).
cat > "$WORK/codemirror-entry.mjs" <<'ENTRY'
export { EditorState, RangeSet, StateEffect, StateField, Transaction } from '@codemirror/state';
export {
  Decoration, EditorView, GutterMarker, drawSelection, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, keymap, lineNumberMarkers, lineNumbers,
} from '@codemirror/view';
export { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
export {
  HighlightStyle, bracketMatching, indentOnInput, indentUnit, syntaxHighlighting,
} from '@codemirror/language';
export { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
export { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
export { lintGutter, setDiagnostics } from '@codemirror/lint';
export { python } from '@codemirror/lang-python';
export { tags } from '@lezer/highlight';
ENTRY
(cd "$WORK" && node_modules/.bin/esbuild codemirror-entry.mjs --bundle --format=esm --minify --legal-comments=none \
  --outfile="$VENDOR/codemirror/codemirror.js" --log-level=warning)
cp "$NM/@codemirror/view/LICENSE" "$VENDOR/codemirror/" # every @codemirror package carries this MIT text
# Plotly's cartesian build (scatter, heatmap, contour: every trace the pages draw) parses in about a
# third of the full bundle's time. The full plotly.min.js stays served from the plotly Python package
# (/vendor/plotly.min.js) for anything that needs 3-D or maps; its version must match this one.
# Its first line asks V8 to compile all its functions eagerly, on the streaming thread while the
# bundle downloads, instead of one at a time on the page's main thread as they are first called
# (V8's compile hints magic comment, Chrome 136+; other browsers read a comment). Run at load, most
# of a first call is Plotly's setup calling its functions: cold lab opens, with and without,
# alternated at load 8-10: median 2.04 / 2.21 -> 1.60 / 1.98 s (lab), 1.82 / 1.75 -> 1.39 / 1.38 s
# (pitfall), 1.95 / 1.79 -> 1.49 / 1.73 s (regression); main-thread compile 331 / 525 -> 53 / 129 ms.
# Tried on the explorer's CodeMirror and Cytoscape modules too: no gain (1.55 -> 1.64 s), left out.
{ printf '//# allFunctionsCalledOnLoad\n'; cat "$NM/plotly.js-cartesian-dist-min/plotly-cartesian.min.js"; } \
  > "$VENDOR/plotly/plotly-cartesian.min.js"
cp "$NM/plotly.js-cartesian-dist-min/LICENSE" "$VENDOR/plotly/" 2>/dev/null || true
# axe-core: accessibility rules, injected by tests/frontend/test_a11y.py (the server does not serve it).
cp "$NM/axe-core/axe.min.js" "$NM/axe-core/LICENSE" "$VENDOR/axe-core/"

node -e '
const lock = require(process.argv[1]);
const pkgs = lock.packages || {};
const lines = Object.entries(pkgs).filter(([k, v]) => k && (!v.dev || k.endsWith("axe-core"))) /* esbuild is a tool, not vendored */.map(([k, v]) => `${k.replace(/^node_modules\//, "")} ${v.version}`);
require("fs").writeFileSync(process.argv[2], "# Vendored by scripts/vendor-frontend.sh\n" + lines.join("\n") + "\n");
' "$WORK/package-lock.json" "$VENDOR/VERSIONS.txt"
echo "vendored into $VENDOR:"
cat "$VENDOR/VERSIONS.txt"
