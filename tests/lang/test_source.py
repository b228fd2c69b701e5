"""SourceText slices exactly what ast.get_source_segment returns, also with non-ASCII text."""

from __future__ import annotations

import ast

from autograd_explorer.lang.source import SourceText, ast_span


def test_segments_match_ast_get_source_segment() -> None:
    for source in (
        "α = torch.tensor(1.0)  # ∂f/∂x\nβ = (α *\n     2) + torch.sin(α)\n",
        "x = 1\r\ny = (x +\r\n  2)\r\n",
    ):
        text = SourceText(source)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.expr | ast.stmt):
                assert text.segment(node) == ast.get_source_segment(source, node)


def test_spans_count_characters_not_bytes() -> None:
    source = "α = 1\nβ = (α + 2) * γ"
    text = SourceText(source)
    tree = ast.parse(source)
    binop = tree.body[1].value  # type: ignore[attr-defined]
    span = text.span(binop.left)
    assert (span.line, span.column, span.end_column) == (2, 5, 10)
    assert text.segment(binop.left) == "α + 2" == source.splitlines()[1][span.column : span.end_column]


def test_lines_split_only_where_python_does() -> None:
    source = "x = 1  # form\x0cfeed and \u2028 separator\ny = x"
    tree = ast.parse(source)
    assert SourceText(source).segment(tree.body[1]) == "y = x"


def test_span_of_uses_ast_positions() -> None:
    node = ast.parse("x = 1\ny = x + 2").body[1]
    span = ast_span(node)
    assert (span.line, span.column, span.end_line, span.end_column) == (2, 0, 2, 9)
