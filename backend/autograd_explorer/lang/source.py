"""Source text helpers: spans of AST nodes in characters, and their exact source text."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import TypeVar

from autograd_explorer.lang.contract import Span

# Python counts lines at \r\n, \r and \n only (str.splitlines also splits at \x0c, \u2028, ...).
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_V = TypeVar("_V")


def ast_span(node: ast.AST) -> Span:
    """The node's region exactly as `ast` reports it (columns are UTF-8 byte offsets)."""
    if not isinstance(node, ast.expr | ast.stmt | ast.keyword):
        return Span(1, 0, 1, 0)  # only these carry positions we use (a keyword: `device="tpu"`)
    end_line = node.end_lineno or node.lineno
    end_column = node.col_offset if node.end_col_offset is None else node.end_col_offset
    return Span(node.lineno, node.col_offset, end_line, end_column)


class _Cache(dict[ast.AST, _V]):
    """A dict that computes a missing entry: a hit is C's dict lookup, with no Python call (spans
    and texts are read several times per operation of a loop)."""

    def __init__(self, compute: Callable[[ast.AST], _V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, node: ast.AST) -> _V:
        value = self[node] = self.compute(node)
        return value


class SourceText:
    """The program's text, split once: spans in characters and each node's text as a cheap slice.

    `ast` counts columns in UTF-8 bytes, the editor in characters: on a line such as
    `α = x * 2` they differ, so every span leaves this class in characters.
    `ast.get_source_segment` would also re-split the whole source on every call (quadratic for a
    loop of thousands of operations).
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._lines: list[str] = _LINES.findall(source)
        self._ascii = [line.isascii() for line in self._lines]
        # Keyed by the node itself (ast nodes hash by identity, and the tree outlives the run).
        # `span` and `segment` are these caches' lookups: the evaluator calls them per operation.
        self._spans = _Cache(self._span_of)
        self._texts = _Cache(lambda node: self.text_of(self.span(node)))
        self.span: Callable[[ast.AST], Span] = self._spans.__getitem__
        self.segment: Callable[[ast.AST], str] = self._texts.__getitem__

    def column(self, line: int, byte_column: int) -> int:
        """The character column of a UTF-8 byte column on a 1-based line."""
        index = line - 1
        if not 0 <= index < len(self._lines) or self._ascii[index]:
            return byte_column
        return len(self._lines[index].encode("utf-8")[:byte_column].decode("utf-8", "replace"))

    def _span_of(self, node: ast.AST) -> Span:
        """The node's span in characters (`span` caches it: loops evaluate the same nodes many
        times). `segment(node)` is its source text, as `ast.get_source_segment` would return it."""
        raw = ast_span(node)
        return Span(
            raw.line,
            self.column(raw.line, raw.column),
            raw.end_line,
            self.column(raw.end_line, raw.end_column),
        )

    def text_of(self, span: Span) -> str:
        """The source text inside a character span."""
        first, last = span.line - 1, span.end_line - 1
        if first < 0 or last >= len(self._lines) or first > last:
            return ""
        if first == last:
            return self._lines[first][span.column : span.end_column]
        parts = [self._lines[first][span.column :], *self._lines[first + 1 : last]]
        parts.append(self._lines[last][: span.end_column])
        return "".join(parts)
