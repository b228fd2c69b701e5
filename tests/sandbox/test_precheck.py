"""Static refusals in the server: the language's own checks, nothing evaluated, positions kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_explorer.errors import ProgramError
from autograd_explorer.sandbox.precheck import check_function, check_program
from autograd_explorer.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, max_source_chars=100)


@pytest.mark.parametrize(
    ("source", "kind", "line", "column"),
    [
        ("x = 1\ny = x +* 2", "syntax", 2, 7),  # Python points at the `*`
        ("x = 1\nimport os", "forbidden", 2, 0),
        ("y = x\nz = y.__class__", "forbidden", 2, 4),
        ("x" * 101, "limit", None, None),
        ("x = 1\ny = 'ab\ud800'", "syntax", 2, 7),
    ],
)
def test_a_program_is_refused_with_its_position(
    settings: Settings, source: str, kind: str, line: int | None, column: int | None
) -> None:
    with pytest.raises(ProgramError) as info:
        check_program(source, settings)
    assert (info.value.type, info.value.line, info.value.column) == (kind, line, column)


def test_the_lone_surrogate_is_named_readably(settings: Settings) -> None:
    with pytest.raises(ProgramError) as info:
        check_program("u + v\ud800", settings)
    assert info.value.message == (
        "line 1, column 5: the text holds a character that is not valid Unicode (a lone surrogate, \\ud800)"
    )
    assert (info.value.end_line, info.value.end_column) == (1, 6)


def test_input_names_are_checked_and_quoted_sendably(settings: Settings) -> None:
    with pytest.raises(ProgramError) as info:
        check_program("x", settings, ["x", "\ud800"])
    assert (info.value.type, info.value.message) == ("forbidden", "'\\ud800' cannot be an input name")
    check_program("x * y", settings, ["x", "y"])  # the control


def test_nothing_is_evaluated(settings: Settings) -> None:
    # Both would fail (or run long) if evaluated; statically they are fine.
    check_program("y = torch.ones(3) / 0\nz = y.sum()", settings)
    check_function("u + len(sum(torch.ones(100000, 1).tolist(), []))", settings)


@pytest.mark.parametrize(
    ("source", "kind", "message"),
    [
        ("u +* 2", "syntax", "invalid syntax"),
        ("x = u\nx", "forbidden", "a function must be a single expression"),
        ("torch.rand(1) + u", "forbidden", "a function to minimize must be deterministic"),
        ("3 + 4", "runtime", "the function has no parameters"),
    ],
)
def test_a_function_is_refused_without_running(
    settings: Settings, source: str, kind: str, message: str
) -> None:
    with pytest.raises(ProgramError) as info:
        check_function(source, settings)
    assert info.value.type == kind and info.value.message.startswith(message)
    assert info.value.line == 1
