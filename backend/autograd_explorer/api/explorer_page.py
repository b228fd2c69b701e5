"""The explorer's page (index.html) as served: the examples menu written into it.

A cold open asked for /api/examples, then for the opening example's trace. The examples' answer
(preloaded first in <head>) reached early-trace.js 0.1–0.3 s after it had arrived, while the page's
500 kB of modules streamed in over the same six connections and the same two cores
(bench/cold_open_bench.py): in a new browser process the trace left at 450–630 ms and the graph
waited for it. Written into the page as a JSON data block ahead of early-trace.js, the examples are
there when that small module runs, and the trace request leaves at once.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

# Where index.html wants the block: before early-trace.js, which reads it.
MARKER = "<!-- examples-data -->"
DATA_ID = "examples-data"


def with_examples(html: str, examples: list[dict[str, Any]]) -> str:
    """`html` with the examples as a JSON data block at MARKER (unchanged without one).

    Every `<` is written `\\u003c`, so no text in an example (a `</script>` in an explanation) can
    end the block or open a comment in it; JSON.parse reads it back the same.
    """
    if MARKER not in html:
        return html
    data = json.dumps(examples, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return html.replace(MARKER, f'<script type="application/json" id="{DATA_ID}">{data}</script>', 1)


class ExplorerPage:
    """index.html with the examples, built once per version of the file (its mtime and size)."""

    def __init__(self, path: Path, examples: list[dict[str, Any]]) -> None:
        self.path = path
        self.examples = examples
        self._kept: tuple[tuple[int, int], bytes] | None = None
        self._lock = threading.Lock()

    def body(self) -> bytes:
        stat = os.stat(self.path)
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._kept is None or self._kept[0] != version:
                html = with_examples(self.path.read_text(encoding="utf-8"), self.examples)
                self._kept = (version, html.encode("utf-8"))
            return self._kept[1]
