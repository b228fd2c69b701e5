"""print(), f-strings, format() and str.format(), with their sizes bounded.

Formatting is Python's own (`format(value, spec)`; a 0-d tensor formats as its number because
that is what `Tensor.__format__` does), so the text is what CPython prints. What is checked
first: widths and precisions in a spec (`f"{x:>999999999}"` would build a gigabyte), fields of
`str.format` (no attribute or index lookups: `"{0.__class__}"`), and nested lists before they
are turned into text (lists may share parts, so their text can be exponentially long).
"""

from __future__ import annotations

import math
import re
import string
from functools import partial

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.budget import Budget, limit_error
from autograd_explorer.lang.containers import ContainerSizes, Extent, is_container
from autograd_explorer.lang.contract import Span
from autograd_explorer.lang.printing import bounded_text

MAX_PRINTED_CHARS = 100_000
MAX_FORMAT_WIDTH = 10_000
_NUMBERS = re.compile(r"\d+")


def count_leaves(value: object, stop_after: int) -> int:
    """Items inside nested lists, tuples, sets and dictionaries, counted up to just past `stop_after`."""
    count = 0
    stack = [value]
    while stack and count <= stop_after:
        item = stack.pop()
        if isinstance(item, list | tuple | set | frozenset) and not isinstance(item, torch.Size):
            stack.extend(item)
            count += 1
        elif isinstance(item, dict):
            stack.extend(item.values())
            count += 1
        else:
            count += 1
    return count


def check_nested(value: object, budget: Budget, span: Span) -> None:
    """Refuse to walk (compare, convert, turn into text) a container a walk could not finish in time.

    Lists can change (append), so their sizes are measured afresh at each walk; shared parts are
    measured once per walk (lang/containers.py counts them every time they appear).
    """
    if isinstance(value, dict):
        value = list(value.values())
    elif isinstance(value, set | frozenset):
        value = list(value)
    if is_container(value):
        check_extent(ContainerSizes().measure(value), budget, span)


def check_extent(extent: Extent, budget: Budget, span: Span) -> None:
    """Refuse a list a walk could not finish in time, or whose nesting a walk would recurse into."""
    limit = budget.limits.max_tensor_elements
    if extent.items > limit:
        raise limit_error(
            f"list too large: {extent.items} elements in nested lists (a shared part counts "
            f"each time it appears), the limit is {limit} per list (max_tensor_elements)",
            span,
        )
    depth = budget.limits.max_nesting_depth
    if extent.depth > depth:
        raise limit_error(
            f"lists nested too deeply: {extent.depth} levels, the limit is {depth} (max_nesting_depth)",
            span,
        )


def check_spec(spec: str, span: Span) -> None:
    """A format spec's width and precision are bounded."""
    for number in _NUMBERS.findall(spec):
        if len(number) > 6 or int(number) > MAX_FORMAT_WIDTH:
            raise limit_error(
                f"format width too large: {number} in the format spec '{spec}', the limit is "
                f"{MAX_FORMAT_WIDTH}",
                span,
            )


def shown_elements(t: torch.Tensor) -> int:
    """How many numbers PyTorch writes when it prints a tensor: all up to its threshold (1,000), else
    the first and last 3 (edgeitems) of each dimension longer than 6 (torch/_tensor_str.py)."""
    n = t.numel()
    if n <= PRINT_THRESHOLD:
        return n
    return math.prod(min(size, 2 * PRINT_EDGE_ITEMS) for size in t.shape)


PRINT_THRESHOLD = 1000  # torch.set_printoptions' defaults, which the language never changes
PRINT_EDGE_ITEMS = 3
LEAST_CHARS_PER_NUMBER = 3  # "0.," at least, its separator and a space or a newline


def check_text_size(value: object, budget: Budget, span: Span) -> None:
    """Refuse `str(value)` (`repr`, an f-string's field) whose text would pass the text limit, before
    it is built: a tensor PyTorch writes in full (`torch.ones((2,) * 19)`, 2¹⁹ numbers written out:
    9.7 million characters and 8 s), a list of long texts or of tensors (`str([s] * 10000)`)."""
    limit = budget.limits.max_tensor_elements
    if isinstance(value, torch.Tensor):
        least = LEAST_CHARS_PER_NUMBER * shown_elements(value)
        if least > limit:
            raise limit_error(
                f"text too large: this tensor is written as at least {least} characters, the limit is "
                f"{limit} (max_tensor_elements); print a part of it (x[:3]) or its shape",
                span,
            )
        return
    check_nested(value, budget, span)
    shown: object = value
    if isinstance(value, dict):  # a dict's or a set's text measured as a list of its items
        shown = list(value.items())  # (a pair: 2 characters more)
    elif isinstance(value, set | frozenset):
        shown = list(value)
    if is_container(shown) and len(bounded_text(shown, limit + 1, partial(budget.check_time, span))) > limit:
        raise limit_error(
            f"text too large: about {limit} characters or more, the limit (max_tensor_elements)",
            span,
        )


def format_value(value: object, spec: str, budget: Budget, span: Span) -> str:
    """`format(value, spec)` as Python does it, with the sizes checked first."""
    check_spec(spec, span)
    check_text_size(value, budget, span)
    return format(value, spec)


def to_text(value: object, conversion: int, budget: Budget, span: Span) -> object:
    """An f-string's `!s`, `!r` or `!a` conversion (-1: none)."""
    if conversion == -1:
        return value
    check_text_size(value, budget, span)
    if conversion == ord("r"):
        return repr(value)
    if conversion == ord("a"):
        return ascii(value)
    return str(value)


def str_format(
    template: str, args: tuple[object, ...], kwargs: dict[str, object], budget: Budget, span: Span
) -> str:
    """`template.format(*args, **kwargs)` with plain fields only ({}, {0}, {name}, with a spec)."""
    parts: list[str] = []
    automatic = 0
    for literal, field, spec, conversion in string.Formatter().parse(template):
        parts.append(literal)
        if field is None:
            continue
        if field == "":
            key: int | str = automatic
            automatic += 1
        elif field.isdigit():
            key = int(field)
        elif field.isidentifier():
            key = field
        else:
            raise ProgramError(
                "forbidden",
                f"format fields with attributes or indexing ('{{{field}}}') are not allowed: use an f-string",
                span.line,
                span.column,
                span.end_line,
                span.end_column,
            )
        if isinstance(key, int):
            if key >= len(args):
                raise IndexError(f"Replacement index {key} out of range for positional args tuple")
            value = args[key]
        else:
            if key not in kwargs:
                raise KeyError(key)
            value = kwargs[key]
        if spec and "{" in spec:
            raise ProgramError(
                "forbidden", "nested format fields are not allowed: use an f-string", span.line
            )
        converted = to_text(value, ord(conversion) if conversion else -1, budget, span)
        parts.append(format_value(converted, spec or "", budget, span))
        budget.check_length(sum(len(p) for p in parts), span, "text")
    return "".join(parts)


# One conversion of printf-style formatting: %[(key)][flags][width][.precision][length]type.
_PRINTF = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?(?P<type>.?)"
)


def printf_format(template: str, values: object, budget: Budget, span: Span) -> str:
    """`template % values` as Python does it (nanoGPT's `"number of parameters: %.2fM" % (n / 1e6,)`),
    with each conversion's width and precision bounded as a format spec's, `*` (a width taken from
    the values) refused, and the values' sizes checked before any is turned into text."""
    for match in _PRINTF.finditer(template):
        if match["width"] == "*" or match["precision"] == "*":
            raise ProgramError(
                "forbidden",
                f"'{match[0]}': a width or precision taken from the values (*) is not allowed here: "
                "write the number, or use an f-string",
                span.line,
                span.column,
                span.end_line,
                span.end_column,
            )
        key = match["key"]
        check_spec(match[0] if key is None else match[0].replace(f"({key})", "", 1), span)
    check_nested(values, budget, span)
    text = template % values  # Python's own TypeError for values that do not fit
    budget.check_length(len(text), span, "text")
    return text


class Output:
    """What the program printed, kept in order and cut off after MAX_PRINTED_CHARS characters."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.parts: list[str] = []
        self.chars = 0

    def write(self, text: str) -> None:
        if self.chars > MAX_PRINTED_CHARS:
            return  # already cut off, and said so
        room = MAX_PRINTED_CHARS - self.chars
        if len(text) >= room:
            text = text[:room] + f" … (printing stops after {MAX_PRINTED_CHARS} characters)\n"
            self.chars = MAX_PRINTED_CHARS + 1
        else:
            self.chars += len(text)
        self.parts.append(text)

    def print(self, values: list[object], sep: object, end: object, span: Span) -> None:
        """print(*values, sep=sep, end=end) as Python writes it."""
        for name, value in (("sep", sep), ("end", end)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be None or a string, not {type(value).__name__}")
        assert (sep is None or isinstance(sep, str)) and (end is None or isinstance(end, str))
        separator = " " if sep is None else sep
        room = MAX_PRINTED_CHARS - self.chars
        pieces: list[str] = []
        shown = 0
        for value in values:  # each value's text only as far as it will be shown (lang/printing.py)
            if shown >= room:
                break
            text = bounded_text(value, room - shown, lambda: self.budget.check_time(span))
            pieces.append(text if not pieces else separator + text)
            shown += len(pieces[-1])
        self.write("".join(pieces) + ("\n" if end is None else end))

    def lines(self) -> list[str]:
        """The printed text split into lines (a last line without a newline is kept)."""
        text = "".join(self.parts)
        if not text:
            return []
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        return lines
