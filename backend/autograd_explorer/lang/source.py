"""Source text helpers: spans of AST nodes and their exact source text."""

from __future__ import annotations

import ast

from autograd_explorer.lang.contract import Span


def span_of(node: ast.AST) -> Span:
    """The node's source region as `ast` reports it (columns are UTF-8 byte offsets)."""
    line = getattr(node, "lineno", 1)
    column = getattr(node, "col_offset", 0)
    end_line = getattr(node, "end_lineno", None) or line
    end_column = getattr(node, "end_col_offset", None)
    return Span(line, column, end_line, column if end_column is None else end_column)


class SourceText:
    """The program's text, split once so each node's text is a cheap slice.

    `ast.get_source_segment` re-splits the whole source on every call, which is quadratic for
    a program that evaluates thousands of operations; this keeps the lines' UTF-8 bytes instead.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._lines = [line.encode("utf-8") for line in source.splitlines(keepends=True)]
        self._cache: dict[int, str] = {}

    def segment(self, node: ast.AST) -> str:
        """The source text of `node` (as `ast.get_source_segment` would return it)."""
        key = id(node)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        span = span_of(node)
        text = self.text_of(span)
        self._cache[key] = text
        return text

    def text_of(self, span: Span) -> str:
        """The source text inside `span`."""
        first, last = span.line - 1, span.end_line - 1
        if first < 0 or last >= len(self._lines) or first > last:
            return ""
        if first == last:
            return self._lines[first][span.column : span.end_column].decode("utf-8", "replace")
        parts = [self._lines[first][span.column :]]
        parts.extend(self._lines[first + 1 : last])
        parts.append(self._lines[last][: span.end_column])
        return b"".join(parts).decode("utf-8", "replace")
