#!/usr/bin/env bash
# Refresh frontend/vendor/ from the npm registry at the versions pinned in frontend/package.json.
# npm installs into a temporary directory; only the browser builds (ES modules, CSS, fonts,
# licences) are copied, so the tree never holds node_modules and the page needs no build step.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/frontend/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cp "$ROOT/frontend/package.json" "$WORK/"
[ -f "$ROOT/frontend/package-lock.json" ] && cp "$ROOT/frontend/package-lock.json" "$WORK/"
(cd "$WORK" && npm install --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error)
cp "$WORK/package-lock.json" "$ROOT/frontend/package-lock.json"

NM="$WORK/node_modules"
rm -rf "$VENDOR/cytoscape" "$VENDOR/cytoscape-dagre" "$VENDOR/katex" "$VENDOR/viz"
mkdir -p "$VENDOR/cytoscape" "$VENDOR/cytoscape-dagre" "$VENDOR/katex/fonts" "$VENDOR/viz"

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

node -e '
const lock = require(process.argv[1]);
const pkgs = lock.packages || {};
const lines = Object.entries(pkgs).filter(([k]) => k).map(([k, v]) => `${k.replace(/^node_modules\//, "")} ${v.version}`);
require("fs").writeFileSync(process.argv[2], "# Vendored by scripts/vendor-frontend.sh\n" + lines.join("\n") + "\n");
' "$WORK/package-lock.json" "$VENDOR/VERSIONS.txt"
echo "vendored into $VENDOR:"
cat "$VENDOR/VERSIONS.txt"
