"""Operations lectures write that the language refused: torch.tensordot, torch.block_diag,
pad_sequence (each sized before it runs) and the `^` operator. The oracle is CPython with real
torch; gradients are checked against torch.autograd.grad in float64."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pad_sequence

from .helpers import counted_calls, cpython, fails, run

PROGRAM = """import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
torch.manual_seed(0)
a = torch.randn(3, 4, 5, dtype=torch.float64, requires_grad=True)
b = torch.randn(4, 5, 2, dtype=torch.float64, requires_grad=True)
v = torch.randn(4, dtype=torch.float64, requires_grad=True)
two = torch.tensordot(a, b)
pairs = torch.tensordot(a, b, dims=([1, 2], [0, 1]))
swapped = torch.tensordot(b, a, dims=((0,), (1,)))
listed = torch.tensordot(a, b, [[1], [0]])
outer = torch.tensordot(v, v, dims=0)
inner = torch.tensordot(v, v, 1)
rows = torch.tensordot(a, v, dims=([1], [0]))
as_tensor = torch.tensordot(a, b, dims=torch.tensor([[2, 1], [1, 0]]))
blocks = torch.block_diag(v.view(2, 2), v, v[0], torch.ones(2, 3, dtype=torch.float64))
lone = torch.block_diag(v.view(1, 4))
s1, s2, s3 = v[:3], v[:1] * 2, torch.cat([v, v])
padded = pad_sequence([s1, s2, s3])
first = nn.utils.rnn.pad_sequence([s1, s2, s3], batch_first=True, padding_value=-1.0)
left = torch.nn.utils.rnn.pad_sequence((s1, s2), batch_first=True, padding_side="left")
wide = pad_sequence([a[0], a[1, :2]], True)
stacked = pad_sequence(a)
print(two.shape, pairs.shape, swapped.shape, listed.shape, outer.shape, inner.shape, rows.shape)
print(as_tensor.shape, blocks.shape, lone.shape, padded.shape, first.shape, left.shape, wide.shape)
print(stacked.shape)
print(torch.block_diag(torch.tensor([[1, 2], [3, 4]]), torch.tensor([5]), torch.tensor(6)))
print(first)
print(left)
print(torch.tensordot(torch.arange(6.0).view(2, 3), torch.arange(6.0).view(3, 2), dims=1))
loss = (two.sum() + pairs.pow(2).sum() + swapped.sum() + listed.sin().sum() + outer.sum() + inner
        + rows.pow(2).sum() + as_tensor.sum() + blocks.pow(2).sum() + lone.sum() + padded.pow(2).sum()
        + first.sum() + left.sum() + wide.sum() + stacked.sum())
loss.backward()
"""
RESULTS = (
    "two",
    "pairs",
    "swapped",
    "listed",
    "outer",
    "inner",
    "rows",
    "as_tensor",
    "blocks",
    "lone",
    "padded",
    "first",
    "left",
    "wide",
    "stacked",
    "loss",
)


def test_tensordot_block_diag_and_pad_sequence_run_as_in_cpython() -> None:
    got = run(PROGRAM)
    expected, printed = cpython(PROGRAM)
    assert got.printed == printed
    for name in RESULTS:
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]
    for name in ("a", "b", "v"):
        mine, oracle = got.namespace[name], expected[name]
        assert isinstance(mine, torch.Tensor) and isinstance(oracle, torch.Tensor)
        assert mine.grad is not None and oracle.grad is not None and torch.equal(mine.grad, oracle.grad), name


def _loss(a: torch.Tensor, b: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The test's own loss of the three operations, written with torch directly."""
    dotted = torch.tensordot(a, b, dims=([1, 2], [0, 1])).sin().sum() + torch.tensordot(v, v, dims=0).sum()
    blocks = torch.block_diag(v.view(2, 2), v, a[0, 0]).pow(2).sum()
    padded = pad_sequence([v[:3], v[:1] * 2, v], batch_first=True, padding_value=1.5).exp().sum()
    return dotted + blocks + padded


GRADIENTS = """import torch
from torch.nn.utils.rnn import pad_sequence
dotted = torch.tensordot(a, b, dims=([1, 2], [0, 1])).sin().sum() + torch.tensordot(v, v, dims=0).sum()
blocks = torch.block_diag(v.view(2, 2), v, a[0, 0]).pow(2).sum()
padded = pad_sequence([v[:3], v[:1] * 2, v], batch_first=True, padding_value=1.5).exp().sum()
loss = dotted + blocks + padded
loss.backward()
"""


def test_gradients_agree_with_torch_autograd_grad_in_float64() -> None:
    generator = torch.Generator().manual_seed(1)
    values = {
        "a": torch.randn(3, 4, 5, dtype=torch.float64, generator=generator),
        "b": torch.randn(4, 5, 2, dtype=torch.float64, generator=generator),
        "v": torch.randn(4, dtype=torch.float64, generator=generator),
    }
    inputs = {k: t.clone().requires_grad_() for k, t in values.items()}
    got = run(GRADIENTS, inputs)
    leaves = [t.clone().requires_grad_() for t in values.values()]
    expected = torch.autograd.grad(_loss(*leaves), leaves)
    for (name, leaf), grad in zip(inputs.items(), expected, strict=True):
        assert leaf.grad is not None, name
        torch.testing.assert_close(leaf.grad, grad, rtol=1e-12, atol=1e-12)
    assert isinstance(got.namespace["loss"], torch.Tensor)


@pytest.mark.parametrize(
    ("call", "spelling", "elements"),
    [
        # the free sizes' product: 2000 × 2000, though both factors hold 2000 elements
        ("torch.tensordot(torch.ones(2000, 1), torch.ones(1, 2000), dims=1)", "torch.tensordot", 4_000_000),
        ("torch.tensordot(torch.ones(2000), torch.ones(2000), dims=0)", "torch.tensordot", 4_000_000),
        (
            "torch.tensordot(b=torch.ones(3, 2000), a=torch.ones(2000, 3), dims=([1], [0]))",
            "torch.tensordot",
            4_000_000,
        ),
        ("torch.tensordot(torch.ones(2000, 0), torch.ones(0, 2000), 1)", "torch.tensordot", 4_000_000),
        # rows summed × columns summed: 2000 × 2000
        ("torch.block_diag(*[torch.ones(1)] * 2000)", "torch.block_diag", 4_000_000),
        ("torch.block_diag(torch.ones(1000, 1), torch.ones(1, 1999))", "torch.block_diag", 2_002_000),
        # sequences × the longest × the first's trailing sizes
        ("pad_sequence([torch.ones(1), torch.ones(10**6)])", "torch.nn.utils.rnn.pad_sequence", 2_000_000),
        (
            "pad_sequence(sequences=[torch.ones(1, 500), torch.ones(3000, 1)], batch_first=True)",
            "torch.nn.utils.rnn.pad_sequence",
            3_000_000,
        ),
    ],
)
def test_an_oversized_call_is_refused_at_the_call_before_it_runs(
    monkeypatch: pytest.MonkeyPatch, call: str, spelling: str, elements: int
) -> None:
    calls = counted_calls(monkeypatch, spelling)
    error = fails(f"from torch.nn.utils.rnn import pad_sequence\ny = {call}", "limit")
    assert (error.line, error.column) == (2, 4)
    assert f"tensor too large: {elements} elements" in error.message
    assert "max_tensor_elements" in error.message
    assert calls == [0]


def test_tensordots_multiply_adds_are_bounded_as_matmuls() -> None:
    # 1000 × 1000 results are allowed; each a sum of 1000 products is 10⁹ multiply-adds
    error = fails("y = torch.tensordot(torch.ones(1000, 1000), torch.ones(1000, 1000), dims=1)", "limit")
    assert "matrix product too large: 1000000000 multiply-adds" in error.message
    run("y = torch.tensordot(torch.ones(1000, 5), torch.ones(5, 1000), dims=1)")


def test_a_tensor_of_sequences_counts_a_view_per_row() -> None:
    # pad_sequence takes tuple() of a tensor: a tensor object per row, as unbind's pieces
    error = fails("y = torch.nn.utils.rnn.pad_sequence(torch.zeros(5000, 1))", "limit", max_operations=4000)
    assert (error.line, error.column) == (1, 4) and "max_operations" in error.message
    assert run("y = torch.nn.utils.rnn.pad_sequence(torch.zeros(50, 2))").namespace["y"].shape == (2, 50)  # type: ignore[union-attr]


def test_pad_sequence_takes_a_list_a_tuple_or_a_tensor_and_pytorchs_errors_are_the_programs() -> None:
    error = fails("y = torch.nn.utils.rnn.pad_sequence(s for s in [torch.ones(2)])", "runtime")
    assert "give the sequences as a list or tuple of tensors" in error.message
    error = fails("y = torch.nn.utils.rnn.pad_sequence(3)", "runtime")
    assert "Expected iterable for input sequences" in error.message
    error = fails("y = torch.nn.utils.rnn.pad_sequence([torch.ones(2)], padding_side='middle')", "runtime")
    assert "Expected padding_side to be one of left or right" in error.message
    error = fails("y = torch.tensordot(torch.ones(2, 3), torch.ones(3, 2))", "runtime")
    assert "contracted dimensions need to match" in error.message
    error = fails("y = torch.block_diag(torch.ones(2, 2, 2))", "runtime")
    assert "Input tensors must have 2 or fewer dimensions" in error.message


def test_every_spelling_of_pad_sequence_reaches_the_one_function() -> None:
    spellings = (
        "from torch.nn.utils.rnn import pad_sequence\ny = pad_sequence",
        "import torch.nn as nn\ny = nn.utils.rnn.pad_sequence",
        "y = torch.nn.utils.rnn.pad_sequence",
        "import torch.nn.utils.rnn as rnn_utils\ny = rnn_utils.pad_sequence",
        "from torch.nn.utils import rnn\ny = rnn.pad_sequence",
    )
    for source in spellings:
        padded = run(f"{source}([torch.ones(1), torch.ones(2)], batch_first=True)").namespace["y"]
        assert torch.equal(padded, torch.tensor([[1.0, 0.0], [1.0, 1.0]])), source  # type: ignore[arg-type]
    fails("y = torch.Tensor.tensordot", "forbidden")
    assert "has no attribute 'tensordot'" in fails("y = torch.ones(2).tensordot", "runtime").message


XOR = """import torch
print(5 ^ 3, True ^ False, True ^ True, True ^ 3, -7 ^ 2, 0 ^ 0)
s = {1, 2, 3}
alias = s
s ^= {3, 4}
print(sorted(s), sorted(alias), sorted({1, 2} ^ {2, 5}), s is alias)
n = 12
n ^= 10
print(n)
x = torch.tensor([1, 2, 3])
same = x
x ^= 5
m = torch.tensor([True, False, True])
print(same, x ^ torch.tensor([[1], [0]]), m ^ True, True ^ m, m ^ torch.tensor([True, True, False]))
print(3 ^ x, x.dtype, (m ^ m).dtype)
try:
    torch.tensor([1.0]) ^ torch.tensor([2.0])
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    [1] ^ [2]
except TypeError as e:
    print("TypeError:", e)
"""


def test_xor_runs_as_in_cpython_on_ints_bools_sets_and_tensors() -> None:
    got = run(XOR)
    expected, printed = cpython(XOR)
    assert got.printed == printed
    assert torch.equal(got.namespace["same"], expected["same"])  # type: ignore[arg-type]


def test_xor_of_floats_is_pytorchs_error_at_the_operator() -> None:
    error = fails("x = torch.tensor([1.0, 2.0])\ny = x ^ x", "runtime")
    assert (error.line, error.column) == (2, 4)
    assert "\"bitwise_xor_cpu\" not implemented for 'Float'" in error.message
    error = fails("x = torch.tensor([1.0, 2.0])\nx ^= 1", "runtime")
    assert error.line == 2 and "not implemented for 'Float'" in error.message


def test_xor_of_tensors_is_sized_by_their_broadcast_before_it_runs() -> None:
    source = "a = torch.ones(2000, 1, dtype=torch.long)\nb = torch.ones(1, 2000, dtype=torch.long)\ny = a ^ b"
    error = fails(source, "limit")
    assert (error.line, error.column) == (3, 4) and "tensor too large: 4000000 elements" in error.message
    error = fails(f"def f(a, b):\n    return a ^ b\n{source.replace('y = a ^ b', 'y = f(a, b)')}", "limit")
    assert (error.line, error.column) == (2, 11)  # the compiled form of a function's body


AND_OR = """import torch
y = torch.tensor([0, 1, 2, 3, 1])
mask = (y == 1) | (y == 3)
inside = (y > 0) & (y < 3)
print(mask, inside, y[mask | inside].tolist())
m = torch.tensor([True, False, True])
same = m
m &= torch.tensor([True, True, False])
m |= torch.tensor([False, False, False])
print(same, 6 & 3, 6 | 3, True & False, True | False)
a = {1, 2}
b = a
a |= {3}
a &= {1, 3, 4}
a -= {1}
print(a, b, {1, 2} | {9}, {1, 2} & {2})
d = {"a": 1}
e = d
d |= {"b": 2}
print(d | {"c": 3}, e)
xs = [1, 2]
ys = xs
xs *= 2
print(ys)
"""


def test_and_or_run_as_in_cpython_masks_sets_dicts_and_change_in_place_as_python_does() -> None:
    """`(y == 1) | (y == 3)`, the mask every accuracy loop writes; `&=`/`|=` in place on a tensor
    (another name sees it, as PyTorch's __iand__), and on sets, dicts and `xs *= 2` on a list as
    Python's: the alias `b`, `e`, `ys` changes too (before, `-=` and `*=` made a new object)."""
    got = run(AND_OR)
    expected, printed = cpython(AND_OR)
    assert got.printed == printed
    assert torch.equal(got.namespace["same"], expected["same"])  # type: ignore[arg-type]


def test_and_or_of_floats_is_pytorchs_error_and_a_broadcast_is_sized_before_it_runs() -> None:
    error = fails("x = torch.tensor([1.0, 2.0])\ny = x & x", "runtime")
    assert (error.line, error.column) == (2, 4) and "not implemented for 'Float'" in error.message
    source = "a = torch.ones(2000, 1, dtype=torch.bool)\nb = torch.ones(1, 2000, dtype=torch.bool)\ny = a | b"
    error = fails(source, "limit")
    assert (error.line, error.column) == (3, 4) and "tensor too large: 4000000 elements" in error.message


def test_a_union_of_sets_or_dicts_is_sized_before_it_is_built() -> None:
    grow = "s = set(range(600))\nt = set(range(600, 1200))\nu = s | t"
    error = fails(grow, "limit", max_tensor_elements=1000)
    assert (error.line, error.column) == (3, 4) and "set too large: 1200 items" in error.message
    error = fails(grow.replace("u = s | t", "s |= t"), "limit", max_tensor_elements=1000)
    assert error.line == 3 and "set too large: 1200 items" in error.message
    error = fails(
        "d = {i: i for i in range(600)}\ne = {i: i for i in range(600, 1200)}\nf = d | e",
        "limit",
        max_tensor_elements=1000,
    )
    assert error.line == 3 and "dict too large: 1200 items" in error.message
    assert run(grow, max_tensor_elements=2000).namespace["u"] == set(range(1200))


UNFLATTEN_COSINE = """import torch
import torch.nn.functional as F
torch.manual_seed(0)
t = torch.arange(12.0).reshape(3, 4)
print(t.unflatten(1, (2, 2)).shape, torch.unflatten(t, 0, (3, 1)).shape)
a = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
b = torch.randn(4, 5, dtype=torch.float64)
sim = F.cosine_similarity(a, b)
dist = F.pairwise_distance(a, b)
print(sim.round(decimals=6), dist.round(decimals=6))
(sim.sum() + dist.sum()).backward()
grad = a.grad
"""


def test_unflatten_cosine_similarity_and_pairwise_distance_run_as_in_cpython() -> None:
    got = run(UNFLATTEN_COSINE)
    expected, printed = cpython(UNFLATTEN_COSINE)
    assert got.printed == printed
    # the gradient against a closed form, in float64: d/da (a·b / (|a||b|) + |a − b + eps|)
    a = expected["a"].detach()  # type: ignore[union-attr]
    b = expected["b"]
    na, nb = a.norm(dim=1, keepdim=True), b.norm(dim=1, keepdim=True)  # type: ignore[union-attr]
    dot = (a * b).sum(1, keepdim=True)
    diff = a - b + 1e-6  # pairwise_distance's eps, added to the difference
    closed = b / (na * nb) - dot * a / (na**3 * nb) + diff / diff.norm(dim=1, keepdim=True)
    assert torch.allclose(got.namespace["grad"], closed, atol=1e-12)  # type: ignore[arg-type]
