"""The viewer's ES modules, collected from the entry module through its imports, ready to inline.

No build step exists (the frontend is plain ES modules), so a page that must work from one file
carries every module's text; each import specifier is replaced by a token the page's loader swaps
for the blob URL of that module (blob URLs need no base URL, so relative imports keep working).
"""

from __future__ import annotations

import posixpath
import re

from autograd_explorer.notebook.assets import read_asset

ENTRY = "/js/explorer/viewer.js"
TOKEN = "__AX_MODULE_{}__"
# Static `import … from '…'`, `export … from '…'`, bare `import '…'` and dynamic `import('…')`.
_SPECIFIER = re.compile(
    r"""(?P<head>\b(?:import|export)\b[^'";]*?\bfrom\s*|\bimport\s*\(?\s*)(?P<q>['"])(?P<spec>[^'"]+)(?P=q)"""
)
_VENDOR = "/vendor/"  # bundled third-party modules: no imports of their own, not scanned


def collect_modules(entry: str = ENTRY) -> list[str]:
    """Every module reachable from `entry`, its imports rewritten to tokens; index 0 is the entry."""
    order: dict[str, int] = {}
    sources: list[str] = []
    visiting: set[str] = set()

    def visit(path: str) -> int:
        if path in order:
            return order[path]
        if path in visiting:
            raise ValueError(f"import cycle through {path}: blob-URL loading needs acyclic modules")
        visiting.add(path)
        index = len(sources)
        order[path] = index
        sources.append("")
        text = read_asset(path)
        if not path.startswith(_VENDOR):

            def swap(match: re.Match[str]) -> str:
                spec = match["spec"]
                target = (
                    spec
                    if spec.startswith("/")
                    else posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
                )
                return f"{match['head']}{match['q']}{TOKEN.format(visit(target))}{match['q']}"

            text = _SPECIFIER.sub(swap, text)
        sources[index] = text
        visiting.discard(path)
        return index

    visit(entry)
    return sources


# The page's loader: a module's blob URL is made after those of its imports (depth first).
LOADER = """
const sources = JSON.parse(document.getElementById('ax-modules').textContent);
const urls = [];
const linked = (i) => sources[i].replace(/__AX_MODULE_(\\d+)__/g, (_, j) => urlOf(Number(j)));
const urlOf = (i) => (urls[i] ??= URL.createObjectURL(new Blob([linked(i)], { type: 'text/javascript' })));
await import(urlOf(0));
"""
