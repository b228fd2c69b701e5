"""SourceText slices exactly what ast.get_source_segment returns, also with non-ASCII text."""

from __future__ import annotations

import ast

from autograd_explorer.lang.source import SourceText, span_of


def test_segments_match_ast_get_source_segment() -> None:
    for source in (
        "α = torch.tensor(1.0)  # ∂f/∂x\nβ = (α *\n     2) + torch.sin(α)\n",
        "x = 1\r\ny = (x +\r\n  2)\r\n",
    ):
        text = SourceText(source)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.expr | ast.stmt):
                assert text.segment(node) == ast.get_source_segment(source, node)


def test_span_of_uses_ast_positions() -> None:
    node = ast.parse("x = 1\ny = x + 2").body[1]
    span = span_of(node)
    assert (span.line, span.column, span.end_line, span.end_column) == (2, 0, 2, 9)
