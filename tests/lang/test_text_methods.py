"""Text methods courses print with (`f"{name}".ljust(12)`, `"7".zfill(3)`), as CPython runs them, and
those that can grow a text sized before they run."""

from __future__ import annotations

import pytest

from .helpers import cpython, fails, run

TEXT = """name = "Epoch 3 of 10"
print(name.ljust(16, ".") + "|", name.rjust(16) + "|", name.center(17, "*"), "7".zfill(3), "-7".zfill(4))
print(name.title(), name.capitalize(), name.swapcase())
print(name.lower().count("o"), name.find("of"), name.index("3"))
print("  x  ".lstrip() + "|", "  x  ".rstrip() + "|", "123".isdigit(), "ab1".isalpha(), "a\\nb".splitlines())
print("aXbXc".replace("X", "--"), "aXbXc".replace("X", "", 1), "ab".replace("", "."), name.center(3))
"""


def test_text_methods_print_as_in_cpython() -> None:
    assert run(TEXT).printed == cpython(TEXT)[1]


@pytest.mark.parametrize(
    ("source", "length"),
    [
        ('s = "x" * 100000\nt = s.replace("x", s)', 10**10),  # 10 GB built in one C call, before
        ('s = "ab" * 1000\nt = s.replace("", "x" * 1000)', 2000 + 2001 * 1000),
        ('t = "ab".zfill(10 ** 9)', 10**9),
        ('t = "ab".center(2000000, "*")', 2 * 10**6),
        ('t = "ab".ljust(2000000)', 2 * 10**6),
        ('t = "ab".rjust(2000000)', 2 * 10**6),
    ],
)
def test_a_text_method_that_would_grow_past_the_limit_is_refused_before_it_runs(
    source: str, length: int
) -> None:
    error = fails(source, "limit")
    line = source.count("\n") + 1
    assert (error.line, error.column) == (line, 4)
    assert f"text too large: {length} items" in error.message


def test_a_replace_bounded_by_its_count_is_sized_by_it() -> None:
    # ten replacements of one character by 10⁵: within the limit, though the text has 10⁵ of them
    source = 's = "x" * 100000\nt = s.replace("x", "y" * 10, 10)\nprint(len(t))'
    assert run(source).printed == ["100090"]


@pytest.mark.parametrize(
    ("source", "said"),
    [
        # 2¹⁹ numbers PyTorch writes out in full (no dimension longer than 6): 9.7 million characters, 8 s
        ("t = str(torch.ones((2,) * 19))", "this tensor is written as at least 1572864 characters"),
        ("t = repr(torch.ones((2,) * 19))", "this tensor is written as at least 1572864 characters"),
        ('t = f"{torch.ones((2,) * 19)}"', "this tensor is written as at least 1572864 characters"),
        ('t = f"{torch.ones((2,) * 19)!r}"', "this tensor is written as at least 1572864 characters"),
        ('t = format(torch.ones((2,) * 19), "")', "this tensor is written as at least 1572864 characters"),
        # a list of long texts: 10⁹ characters from 10⁴ references to one text
        ('s = ["x" * 100000] * 10000\nt = str(s)', "about 1000000 characters or more"),
        ('s = ["x" * 100000] * 10000\nt = f"{s}"', "about 1000000 characters or more"),
        (
            's = "x" * 100000\nd = {i: s for i in range(10000)}\nt = repr(d)',
            "about 1000000 characters or more",
        ),
    ],
)
def test_a_values_text_past_the_limit_is_refused_before_it_is_built(source: str, said: str) -> None:
    error = fails(source, "limit")
    last = source.splitlines()[-1]
    assert error.line == source.count("\n") + 1 and error.column == last.index("=") + 2
    assert f"text too large: {said}" in error.message


TEXTS = """import torch
xs = [torch.ones(3), 2.5, "a", (1,), None]
print(str(xs), repr(xs), f"{xs}", f"{xs!r}", format(xs, ""), str({1: [2], "k": {3}}), repr("q"))
big = torch.arange(5000.0).reshape(50, 100)
print(len(str(big)), len(f"{big}"), str(big)[:40])
"""


def test_texts_within_the_limit_are_cpythons() -> None:
    """A summarized tensor (PyTorch writes 6 × 6 of its 5,000 numbers) and small containers: as before."""
    assert run(TEXTS).printed == cpython(TEXTS)[1]
