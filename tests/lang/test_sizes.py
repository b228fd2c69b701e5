"""Every builtin that can run long or allocate in one call is size-checked before it runs.

Under a limit, the program gives what CPython (or PyTorch) gives for the same code; over it, a
"limit" error at the offending expression names the setting, and the operation is never called
(spies replace its implementation in the allow-list) or nothing large is allocated (peak RSS).
"""

from __future__ import annotations

import dataclasses
import resource
from collections.abc import Callable, Iterator

import pytest
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang import growth
from autograd_explorer.lang.allowlist import METHODS, SPELLINGS

from .helpers import fails, run


@dataclasses.dataclass
class Spy:
    """Wraps an implementation and counts its calls."""

    impl: Callable[..., object]
    calls: int = 0

    def __call__(self, *args: object, **kwargs: object) -> object:
        # runs on "meta" tensors (shapes only, no data) to predict a size do not count
        if not any(isinstance(a, torch.Tensor) and a.is_meta for a in (*args, *kwargs.values())):
            self.calls += 1
        return self.impl(*args, **kwargs)


@pytest.fixture
def spy_method(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Spy]:
    def install(name: str) -> Spy:
        method = METHODS[name]
        assert method.impl is not None
        spy = Spy(method.impl)
        monkeypatch.setitem(METHODS, name, dataclasses.replace(method, impl=spy))
        return spy

    return install


@pytest.fixture
def spy_function(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Spy]:
    def install(spelling: str) -> Spy:
        fn = SPELLINGS[spelling]
        assert fn.impl is not None
        spy = Spy(fn.impl)
        monkeypatch.setitem(SPELLINGS, spelling, dataclasses.replace(fn, impl=spy))
        return spy

    return install


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


@pytest.fixture
def no_big_allocation() -> Iterator[None]:
    """Fails if the process's peak memory rose by 200 MB or more during the test."""
    before = peak_rss_mb()
    yield
    assert peak_rss_mb() - before < 200


def at(error: ProgramError) -> tuple[int | None, int | None, int | None]:
    return error.line, error.column, error.end_column


# --- the reproductions ----------------------------------------------------------------


def test_sum_of_a_column_as_lists_is_linear_and_correct() -> None:
    # quadratic in CPython's sum: 10⁵ one-element lists froze a server for 40 s
    result = run("u = 1.0\nv = 2.0\nu + v + 0 * len(sum(torch.ones(100000, 1).tolist(), []))")
    assert result.output == 3.0
    column = [[float(i)] for i in range(2000)]
    small = run("x = torch.arange(2000.0).view(2000, 1).tolist()\nsum(x, [])")
    assert small.output == sum(column, [])  # noqa: RUF017 (CPython's own quadratic sum is the oracle)


def test_zero_size_dimension_that_a_reduction_would_realise_is_refused(
    spy_method: Callable[[str], Spy], no_big_allocation: None
) -> None:
    spy = spy_method("sum")
    error = fails("u = 1.0\nv = 2.0\nu + v + torch.ones(500000000, 0).sum(1).sum()", "limit")
    assert error.message == (
        "dimension too large: size 500000000 in dimension 0, the limit is 1000000 (max_tensor_elements)"
    )
    assert at(error) == (3, 8, 32)  # torch.ones(500000000, 0)
    assert spy.calls == 0


def test_tolist_counts_its_python_elements(spy_method: Callable[[str], Spy]) -> None:
    spy = spy_method("tolist")
    error = fails("x = torch.ones(1000, 1000)\ny = x.tolist()", "limit")
    assert error.message == (
        "list too large: 1001000 elements, the limit is 1000000 per list (max_tensor_elements)"
    )
    assert at(error) == (2, 4, 14)
    assert spy.calls == 0


# --- each builtin just under and just over its limit -----------------------------------------


def test_tolist_just_under_and_over(spy_method: Callable[[str], Spy]) -> None:
    # a (9, 10) tensor is 9 inner lists + 90 numbers = 99 Python elements
    source = "x = torch.arange(90.0).view({}, 10)\nx.tolist()"
    under = run(source.format(9), max_tensor_elements=99)
    assert under.output == torch.arange(90.0).view(9, 10).tolist()
    spy = spy_method("tolist")
    error = fails(source.format(9), "limit", max_tensor_elements=98)
    assert "99 elements" in error.message and "max_tensor_elements" in error.message
    assert spy.calls == 0


def test_sum_of_lists_just_under_and_over(spy_function: Callable[[str], Spy]) -> None:
    source = "a = torch.ones(10, 5).tolist()\nb = torch.ones(10, 5).tolist()\nsum([a, b], [1.0])"
    # each of a, b: a 50-element tensor, then 10 + 50 Python elements; the literals 2 and 1;
    # the sum 1 + 10 + 10 slots
    total = 2 * (50 + 60) + 2 + 1 + 21
    under = run(source, max_total_elements=total)
    assert under.output == sum([[[1.0] * 5] * 10, [[1.0] * 5] * 10], [1.0])
    spy = spy_function("sum")
    error = fails(source, "limit", max_total_elements=total - 1)
    assert error.message == (
        f"too many elements in total: {total} created (tensors and lists), the limit is {total - 1} "
        "per program (max_total_elements)"
    )
    assert at(error) == (3, 0, 18)
    assert spy.calls == 0


def test_sum_of_lists_over_the_per_list_limit(spy_function: Callable[[str], Spy]) -> None:
    source = "a = torch.ones(60).tolist()\nb = torch.ones(30).tolist()\nsum([b], a)"
    assert run(source, max_tensor_elements=90).output == [1.0] * 90
    spy = spy_function("sum")
    error = fails(source, "limit", max_tensor_elements=89)
    assert error.message == "list too large: 90 elements, the limit is 89 per list (max_tensor_elements)"
    assert at(error) == (3, 0, 11)
    assert spy.calls == 0


@pytest.mark.parametrize(
    "source",
    [
        "sum([(1.0, 2.0), (3.0,)], ())",
        "sum([[1.0], [2.0, 3.0]], [0.0])",
        "sum([[1.0], (2.0,)], [])",
        "sum([(1.0,), [2.0]], ())",
        "sum([[1.0]])",
        "sum([1.0, 2.5, 3.0])",
        "sum([0.1, 0.7], 0.2)",
        "sum([], [])",
    ],
)
def test_python_sum_agrees_with_cpython(source: str) -> None:
    try:
        expected: object = eval(source)  # noqa: S307 (the oracle: constant test text, never user input)
    except TypeError as exc:
        error = fails(source, "runtime")
        assert error.message == str(exc)
        return
    assert run(source).output == expected


def test_list_literals_just_under_and_over() -> None:
    # [a, a] with a of 3 numbers: 2 slots + 2 × 3 = 8 elements to walk
    source = "a = [1.0, 2.0, 3.0]\nb = [a, a]\nb"
    assert run(source, max_tensor_elements=8).output == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    error = fails(source, "limit", max_tensor_elements=7)
    assert at(error) == (2, 4, 10) and "8 elements" in error.message


def test_list_nesting_just_under_and_over() -> None:
    source = "a = 1.0\nfor _ in range({}):\n    a = [a]\na"
    expected: object = 1.0
    for _ in range(60):
        expected = [expected]
    assert run(source.format(60)).output == expected
    error = fails(source.format(61), "limit")
    assert error.message == "lists nested too deeply: 61 levels, the limit is 60 (max_nesting_depth)"
    assert at(error) == (3, 8, 11)


def test_shared_empty_lists_cannot_double_unseen() -> None:
    # no numbers at all, yet printing it would write 2**41 brackets
    error = fails("a = []\nfor _ in range(40):\n    a = [a, a]\nprint(a)", "limit")
    assert error.line == 3 and "max_tensor_elements" in error.message


def test_slices_count_as_new_lists() -> None:
    source = "a = torch.ones(50).tolist()\nb = a[::2]\nc = a[10:{}]\nc"
    assert run(source.format(20), max_total_elements=50 + 50 + 25 + 10).output == [1.0] * 10
    error = fails(source.format(21), "limit", max_total_elements=50 + 50 + 25 + 10)
    assert at(error) == (3, 4, 12) and "max_total_elements" in error.message


def test_python_lists_count_against_the_total() -> None:
    source = "x = torch.ones(1000)\nfor _ in range({}):\n    y = x.tolist()"
    run(source.format(9), max_total_elements=10_000)  # 1,000 + 9 × 1,000
    error = fails(source.format(10), "limit", max_total_elements=10_000)
    assert error.line == 3 and "max_total_elements" in error.message


def test_torch_tensor_of_a_list_is_predicted(spy_function: Callable[[str], Spy]) -> None:
    source = "a = [1.0, 2.0, 3.0, 4.0]\nb = [a, a, a]\ntorch.tensor([b, b])"
    total = 4 + 3 + 2 + 24  # the three literals' slots, then the tensor's 24 numbers
    under = run(source, max_total_elements=total).output
    assert isinstance(under, torch.Tensor)
    assert torch.equal(under, torch.tensor([[[1.0, 2.0, 3.0, 4.0]] * 3] * 2))
    spy = spy_function("torch.tensor")
    error = fails(source, "limit", max_total_elements=total - 1)
    assert at(error) == (3, 0, 20) and "max_total_elements" in error.message
    assert spy.calls == 0


def test_comparing_lists_of_tensors_costs_an_operation_per_tensor() -> None:
    # a holds 2**k references to t: comparing them is 2**k torch calls
    source = (
        "t = torch.ones(1)\nu = torch.ones(1)\na = [t]\nb = [u]\n"
        "for _ in range({}):\n    a = [a, a]\n    b = [b, b]\na == b"
    )
    # 2 × 2**7 tensors compared: the comparison alone costs more than 200 operations
    assert run(source.format(7), max_operations=400).output is True
    error = fails(source.format(7), "limit", max_operations=250)
    assert error.line == 8 and "max_operations" in error.message
    t, u = torch.ones(1), torch.ones(1)
    a: object = [t]
    b: object = [u]
    for _ in range(7):
        a, b = [a, a], [b, b]
    assert (a == b) is True  # the oracle: CPython, comparing the same structure


def test_max_of_lists_of_tensors_costs_an_operation_per_tensor() -> None:
    source = (
        "t = torch.ones(1)\nu = torch.ones(1)\na = [[t, t]]\nb = [[u, u]]\n"
        "for _ in range(5):\n    a = [a, a]\n    b = [b, b]\nc = max(a, b)"
    )
    result = run(source, max_operations=300)
    assert result.namespace["c"] is result.namespace["a"]  # equal: CPython's max keeps the first
    error = fails(source, "limit", max_operations=100)
    assert error.line == 8 and "max_operations" in error.message


def test_comparing_long_lists_agrees_with_cpython() -> None:
    source = (
        "a = torch.arange(1000.0).tolist()\nb = torch.arange(1000.0).tolist()\n[a == b, a < b, a[1:] > b]"
    )
    a = [float(i) for i in range(1000)]
    assert run(source).output == [a == a, a < a, a[1:] > a]


# --- print ------------------------------------------------------------------------------------


def test_print_writes_what_cpython_writes() -> None:
    source = (
        "x = torch.ones(2, 3)\nprint(x.shape, [x.shape, (1.5,), ()], [[], [None, True]], x.dtype, "
        "[x.dtype], (2, [3]), x.tolist(), sep=' | ')"
    )
    x = torch.ones(2, 3)
    expected = " | ".join(
        str(v)
        for v in (
            x.shape,
            [x.shape, (1.5,), ()],
            [[], [None, True]],
            str(x.dtype),
            [str(x.dtype)],
            (2, [3]),
            x.tolist(),
        )
    )
    assert run(source).printed == [expected]


def test_print_of_a_list_of_tensors_matches_cpython() -> None:
    result = run("torch.manual_seed(0)\nx = torch.randn(3, requires_grad=True)\nprint([x, (x * 2,)])")
    torch.manual_seed(0)
    x = torch.randn(3, requires_grad=True)
    assert result.printed == [str([x, (x * 2,)])]


def test_print_of_a_huge_list_stops_at_the_cut() -> None:
    result = run("x = torch.arange(300000.0).tolist()\nprint(x)")
    text = result.printed[0]
    full = str(torch.arange(300000.0).tolist())
    assert text.startswith(full[:100_000]) and text.endswith("(printing stops after 100000 characters)")
    assert len(text) < 100_100


def test_print_of_a_shared_list_writes_only_what_is_shown() -> None:
    # 2**19 references to one 1,000-element tensor: str() would format it half a million times
    source = "t = torch.arange(1000.0)\na = [t]\nfor _ in range(19):\n    a = [a, a]\nprint(a)"
    result = run(source, max_tensor_elements=2_000_000)
    assert len(result.printed[0]) < 100_100


# --- tensors: empty inputs, absurd sizes --------------------------------------------------------


def test_reduction_of_an_empty_tensor_is_predicted(spy_method: Callable[[str], Spy]) -> None:
    source = "e = torch.ones(0).view(100, {}, 0)\ne.sum(2)"
    assert torch.equal(run(source.format(10), max_tensor_elements=1000).output, torch.zeros(100, 10))  # type: ignore[arg-type]
    spy = spy_method("sum")
    error = fails(source.format(11), "limit", max_tensor_elements=1000)
    assert (
        error.message == "tensor too large: 1100 elements, the limit is 1000 per tensor (max_tensor_elements)"
    )
    assert at(error) == (2, 0, 8)
    assert spy.calls == 0


@pytest.mark.parametrize(
    "reduction", ["e.mean(2)", "e.prod(2)", "torch.sum(e, 2)", "e.norm(dim=2)", "torch.softmax(e, 2).sum(2)"]
)
def test_other_reductions_of_an_empty_tensor_are_refused(reduction: str) -> None:
    source = f"e = torch.ones(0).view(200, 200, 0)\n{reduction}"
    error = fails(source, "limit", max_tensor_elements=30_000)
    assert error.line == 2 and "max_tensor_elements" in error.message


def test_without_a_meta_kernel_the_bound_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    import autograd_explorer.lang.calls as calls

    monkeypatch.setattr(calls, "meta_shapes", lambda *args: None)
    error = fails("e = torch.ones(0).view(100, 100, 0)\ne.sum(2)", "limit", max_tensor_elements=1000)
    assert "10000 elements" in error.message
    assert growth.empty_input_bound([torch.ones(0).view(100, 100, 0)], {}) == 10_000


def test_dimension_sizes_just_under_and_over() -> None:
    assert run("torch.zeros(1000, 0).shape", max_tensor_elements=1000).output == torch.Size([1000, 0])
    error = fails("x = torch.zeros(1001, 0)", "limit", max_tensor_elements=1000)
    assert (
        error.message
        == "dimension too large: size 1001 in dimension 0, the limit is 1000 (max_tensor_elements)"
    )
    error = fails("x = torch.ones(0).view(0, 1001)", "limit", max_tensor_elements=1000)
    assert "dimension 1" in error.message


# --- what the language lets through, and where it stops ------------------------------------------


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("[0] * 10**9", "limit"),
        ("x = torch.ones(1)\n(x,) * 10**9", "limit"),
        ("'a' * 10**9", "limit"),
        ("print('a' * 10**9)", "limit"),
        ("f'{1:100000000}'", "limit"),
        ("'{:100000000}'.format(1)", "limit"),
        ("print('a'.ljust(10**9))", "limit"),
        ("list(range(10**9))", "limit"),
        ("x = range(10**9)", "limit"),
        ("x = torch.ones(10)\nx.apply_(abs)", "forbidden"),
        ("a = [1]\nfor _ in range(40):\n    a.extend(a)", "limit"),
        ("a = [1]\nfor _ in range(40):\n    a = a + a", "limit"),
        ("a = 'ab'\nfor _ in range(40):\n    a = a + a", "limit"),
        ("a = [1]\nfor _ in range(40):\n    a = [a, a]\nprint(a == a)", "limit"),
        ("a = [1]\na[0] = a\nb = a == a", "limit"),  # a list holding itself is never walked
        ("a = [1]\na.append(a)\nsorted(a)", "limit"),
        ("d = {}\nfor i in range(10**6):\n    d[i] = i", "limit"),
    ],
)
def test_multiplying_constructs_are_refused_by_size(source: str, kind: str) -> None:
    fails(source, kind, max_operations=200_000)


def test_small_lists_and_text_run_as_in_python() -> None:
    source = "a = [0] * 3\nb = 'ab' * 2\nc = sorted([3, 1])\nd = ''.join(['a', 'b'])\ne = 1 in [1, 2]"
    ns = run(source).namespace
    assert (ns["a"], ns["b"], ns["c"], ns["d"], ns["e"]) == ([0, 0, 0], "abab", [1, 3], "ab", True)


def test_every_python_builtin_has_a_size_rule() -> None:
    # Adding a Python builtin (sorted, list, str.join...) needs a size check before it runs:
    # extend lang/growth.py and this list together.
    building = {"list", "tuple", "dict", "set", "sorted", "sum", "range", "any", "all"}
    for name in building:
        assert SPELLINGS[name].growth != "none", name
    assert SPELLINGS["sum"].growth == "sum"
    assert METHODS["tolist"].growth == "tolist"
    assert SPELLINGS["torch.tensor"].growth == "literal"


def test_cross_entropy_of_many_rows_is_not_read_as_a_broadcast() -> None:
    # Logits (N, C) and class indices (N,) do not broadcast: read as a broadcast, (N, 1) and (N,)
    # made (N, N), and 2,000 rows of one logit were refused as 4,000,000 elements. PyTorch runs it.
    source = (
        "import torch.nn.functional as F\ntorch.manual_seed(0)\n"
        "logits = torch.randn(2000, 1, requires_grad=True)\n"
        "target = torch.randint(0, 1, (2000,))\nloss = F.cross_entropy(logits, target)\nloss.backward()\n"
    )
    result = run(source, max_tensor_elements=1_000_000)
    torch.manual_seed(0)
    logits = torch.randn(2000, 1, requires_grad=True)
    target = torch.randint(0, 1, (2000,))
    loss = torch.nn.functional.cross_entropy(logits, target)
    loss.backward()
    assert torch.equal(result.namespace["loss"], loss)
    assert torch.equal(result.namespace["logits"].grad, logits.grad)


@pytest.mark.parametrize(
    "wrap",
    [
        "nn.Sequential(l1, nn.ReLU())",
        "nn.ModuleList([l1])",
        "nn.Sequential(*[l1])",
    ],
)
def test_a_layer_wrapped_in_a_container_counts_once(wrap: str) -> None:
    # l1's 1,001,000 parameters were counted when it was made, and again when a container took it:
    # 2,001,000 of a 1,500,000 budget, for a program that holds 1,001,000 (and a 1,000-element input).
    source = (
        f"import torch.nn as nn\nl1 = nn.Linear(1000, 1000)\nm = {wrap}\nx = torch.ones(1, 1000)\nl1(x).sum()"
    )
    result = run(source, max_total_elements=1_500_000, max_tensor_elements=10_000_000)
    held = sum(p.numel() for p in result.namespace["m"].parameters())
    assert held == 1_001_000
    # A container of new layers still counts what they made: two of them do not fit.
    fails(
        "import torch.nn as nn\nm = nn.Sequential(nn.Linear(1000, 1000), nn.Linear(1000, 1000))",
        "limit",
        max_total_elements=1_500_000,
        max_tensor_elements=10_000_000,
    )
