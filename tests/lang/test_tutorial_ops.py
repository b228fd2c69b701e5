"""Operations tutorials write that the language had left out: sorting and top-k, masks for attention,
one-hot targets, copying a model's values into another. The oracle is CPython with real torch."""

from __future__ import annotations

import random
import re

import pytest
import torch

from .helpers import counted_calls, cpython, fails, run

PROGRAM = """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(4, 5, requires_grad=True)
values, indices = torch.max(x, dim=1)
top, where = x.topk(2, dim=1)
ordered, order = torch.sort(x, dim=0, descending=True)
ranks = x.argsort(dim=1)
causal = torch.tril(torch.ones(5, 5)) == 0
scores = (x @ x.T[:, :1]).expand(4, 5).masked_fill(causal[:4], float('-inf')).softmax(dim=-1)
upper = x.triu(diagonal=1)
targets = F.one_hot(torch.tensor([0, 2, 1, 4]), num_classes=5).float()
guess = nn.Linear(5, 5)
copy = nn.Linear(5, 5)
copy.load_state_dict(guess.state_dict())
loss = ((copy(x) - targets) ** 2).mean() + values.sum() + top.sum() + ordered[0].sum()
loss = loss + scores.sum() + upper.sum()
loss.backward()
print(indices.tolist(), where.tolist(), ranks[0].tolist())
"""


def test_sorting_masks_one_hot_and_state_dicts_run_as_in_cpython() -> None:
    got = run(PROGRAM)
    expected, printed = cpython(PROGRAM)
    assert got.printed == printed
    for name in ("values", "top", "ordered", "order", "scores", "upper", "targets", "loss"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]
    x, oracle = got.namespace["x"], expected["x"]
    assert isinstance(x, torch.Tensor) and isinstance(oracle, torch.Tensor)
    assert x.grad is not None and oracle.grad is not None and torch.equal(x.grad, oracle.grad)
    for p, q in zip(got.namespace["copy"].parameters(), expected["copy"].parameters(), strict=True):  # type: ignore[attr-defined]
        assert torch.equal(p, q) and torch.equal(p.grad, q.grad)


def test_one_hot_is_sized_from_its_classes_before_it_runs() -> None:
    # num_classes=-1 takes the classes from the data: one index of 10⁹ would be 10⁹ elements
    error = fails("import torch.nn.functional as F\nF.one_hot(torch.tensor([10**9]))", "limit")
    assert (error.line, error.column) == (2, 0) and "1000000001 elements" in error.message
    fails("import torch.nn.functional as F\nF.one_hot(torch.arange(3000), 3000)", "limit")
    run("import torch.nn.functional as F\nF.one_hot(torch.arange(30), 30)")


def test_empty_memory_is_refused_with_what_to_write() -> None:
    # torch.empty's memory is whatever was there before (another program's values, even)
    error = fails("w = torch.empty(3, 4)", "forbidden")
    assert "start from torch.zeros(...)" in error.message


# Every operation of allowlist.BOTH_SPELLINGS in both spellings, and the methods that take another
# tensor's shape or dtype (the tutorial's LinearFunction: `bias.unsqueeze(0).expand_as(output)`).
# Each result feeds the loss, so its gradient is checked too.
BOTH_PROGRAM = """import torch
torch.manual_seed(0)
x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
b = torch.randn(4, dtype=torch.float64, requires_grad=True)
index = torch.tensor([[0, 1, 2, 3], [3, 2, 1, 0]])
labels = torch.tensor([2, 0, 3])
picked = x.gather(1, labels.unsqueeze(1)).squeeze(1)
picked_again = torch.gather(x, 1, labels.unsqueeze(1))
written = x.scatter(1, index, 0.5) + torch.scatter_add(x, 1, index, x[:2])
reversed_ = x.flip(0) + torch.flip(x, [1]) + x.roll(1, 1) + torch.roll(x, -1, 0)
lse = x.logsumexp(1) + torch.logsumexp(x, dim=1)
first, second = x.chunk(2, dim=1)
a, rest = torch.split(x, [1, 3], dim=1)
rows = x.unbind(0)
cols = torch.unbind(x, dim=1)
middle = x.narrow(1, 1, 2) + torch.narrow(x, 1, 0, 2)
moved = x.movedim(0, 1) + torch.movedim(x, 1, 0)
square = x[:, :3]
diag = square.diagonal() + torch.diagonal(square, offset=1).sum()
batched = x.unsqueeze(0).bmm(x.T.unsqueeze(0)) + torch.bmm(x.unsqueeze(0), x.T.unsqueeze(0))
mixed = x.lerp(torch.zeros(3, 4, dtype=torch.float64), 0.25) + torch.lerp(x, x * 2, x.sigmoid())
extremes = x.amax(1) + torch.amax(x, 0).sum() + x.amin(dim=1) + torch.amin(x, 0).sum()
clamped = x.clamp_min(0.0) + torch.clamp_max(x, 0.5) + x.clamp_max(b) + torch.clamp_min(x, b)
roots = (x.abs() + 1).rsqrt() + torch.rsqrt(x * x + 1) + (x * x + 1).reciprocal() + torch.reciprocal(x + 5)
odd = torch.tensor([float("nan"), float("inf"), float("-inf"), 3.0], dtype=torch.float64)
safe = odd.nan_to_num(posinf=1.0, neginf=-1.0) * x + torch.nan_to_num(x)
chosen = x.masked_select(x > 0).sum() + torch.masked_select(x, b > 0).sum()
products = x.cumprod(1) + torch.cumprod(x, 0)
median, at = x.median(1)
overall = torch.median(x)
third = x.kthvalue(3, dim=1).values + torch.kthvalue(x, 2, 1).values
top = x.topk(2).values
biased = x + b.unsqueeze(0).expand_as(x)
shaped = b.view_as(torch.zeros(2, 2)).reshape_as(torch.zeros(4)) * x.type_as(b)
signed = x.sign() * x + x.where(x > 0, b)
loss = (picked.sum() + picked_again.sum() + written.sum() + reversed_.sum() + lse.sum() + first.sum()
        + 2 * second.sum() + a.sum() + rest.pow(2).sum() + rows[1].sum() + cols[2].sum() + middle.sum()
        + moved.sum() + diag.sum() + batched.sum() + mixed.sum() + extremes.sum() + clamped.sum()
        + roots.sum() + safe.sum() + chosen + products.sum() + median.sum() + overall + third.sum()
        + top.sum() + biased.pow(2).sum() + shaped.sum() + signed.sum())
loss.backward()
print(at.tolist(), x.median(0).indices.tolist(), x.kthvalue(1).indices.tolist())
"""


def test_operations_spelled_both_ways_run_as_in_cpython() -> None:
    got = run(BOTH_PROGRAM)
    expected, printed = cpython(BOTH_PROGRAM)
    assert got.printed == printed
    assert torch.equal(got.namespace["loss"], expected["loss"])  # type: ignore[arg-type]
    for name in ("x", "b"):
        mine, oracle = got.namespace[name], expected[name]
        assert isinstance(mine, torch.Tensor) and isinstance(oracle, torch.Tensor)
        assert mine.grad is not None and oracle.grad is not None and torch.equal(mine.grad, oracle.grad), name


def test_a_tensors_split_is_the_tensors_not_a_strings() -> None:
    # `split` was known as text's method only: x.split(1) said "'Tensor' object has no attribute 'split'"
    parts = run("x = torch.arange(4.0)\nparts = x.split(1)").namespace["parts"]
    assert isinstance(parts, tuple) and len(parts) == 4
    assert run("words = 'a b'.split()").namespace["words"] == ["a", "b"]


def test_pieces_are_counted_as_operations_before_they_are_made() -> None:
    # A million one-element views are a million tensor objects (seconds and hundreds of MB in one
    # C call) though only a million elements: each piece is an operation of the budget.
    for call in ("x.split(1)", "torch.split(x, 1)", "x.unbind()", "torch.unbind(x, 0)", "x.chunk(10**9)"):
        error = fails(f"x = torch.zeros(1_000_000)\nparts = {call}", "limit")
        assert (error.line, error.column) == (2, 8) and "max_operations" in error.message, call
    pieces = run(
        "x = torch.zeros(6, 1000)\na = x.split([1, 2, 3])\nb = x.chunk(4, dim=1)\nc = torch.unbind(x, 1)"
    )
    assert [len(pieces.namespace[k]) for k in "abc"] == [3, 4, 1000]  # type: ignore[arg-type]
    run("x = torch.zeros(900_000)\nparts = x.split(1)", max_operations=1_000_000)
    fails("x = torch.zeros(900_000)\nparts = x.split(1)", "limit", max_operations=800_000)


# The operations whose results grow past their inputs, as tutorials write them: attention scores with
# einsum (explicit, implicit, list and ellipsis forms), an embedding lookup with index_select, masks'
# indices with nonzero, windows with unfold, a vector's diagonal matrix, repeat_interleave with an
# int and with counts, and the new_* factories taking the tensor's dtype.
GROWING_PROGRAM = """import torch
torch.manual_seed(0)
q = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
k = torch.randn(2, 4, 3, dtype=torch.float64, requires_grad=True)
scores = torch.einsum('bij,bjk->bik', q, k) / 2.0
weights = scores.softmax(dim=-1)
context = torch.einsum('bik,bkd->bid', weights, k.transpose(1, 2))
traces = torch.einsum('bii->b', scores)
outer = torch.einsum('i,j', q[0, 0], k[0, :, 0])
batched = torch.einsum('...ij,...jk', [q, k])
table = torch.randn(10, 4, dtype=torch.float64, requires_grad=True)
ids = torch.tensor([3, 1, 3, 7])
looked_up = table.index_select(0, ids) + torch.index_select(table, 0, ids)
columns = torch.index_select(table, 1, torch.tensor([2, 0]))
repeated = ids.repeat_interleave(2)
counts = torch.tensor([1, 2, 3])
stretched = table[:3].repeat_interleave(2, dim=0) * torch.repeat_interleave(table[:3], counts, dim=0)
flat = torch.repeat_interleave(table[0], 3)
v = torch.randn(4, dtype=torch.float64, requires_grad=True)
square = torch.diag(v) + v.diag(1)[1:, :4]
main = square.diag() + torch.diag(square, -1).sum()
windows = v.unfold(0, 2, 1)
mask = torch.tensor([[0, 1, 0], [2, 0, 3]])
where = mask.nonzero()
rows, cols = torch.nonzero(mask, as_tuple=True)
picked = table[rows, cols]
zeros = v.new_zeros(2, 3)
ones = v.new_ones((3,))
half = v.new_full((4,), 0.5)
given = v.new_tensor([1.0, 2.0, 3.0, 4.0])
loss = (context.pow(2).sum() + traces.sum() + outer.sum() + batched.sum() + looked_up.pow(2).sum()
        + columns.sum() + stretched.sum() + flat.sum() + main.pow(2).sum() + windows.prod(1).sum()
        + picked.sum() + (v * half * given).sum() + zeros.sum() + ones.sum())
loss.backward()
print(where.tolist(), rows.tolist(), repeated.tolist(), zeros.dtype, given.dtype, windows.shape)
"""


def test_operations_that_grow_run_as_in_cpython() -> None:
    got = run(GROWING_PROGRAM)
    expected, printed = cpython(GROWING_PROGRAM)
    assert got.printed == printed
    names = ("scores", "context", "traces", "outer", "batched", "looked_up", "stretched", "square", "loss")
    for name in names:
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]
    for name in ("q", "k", "table", "v"):
        mine, oracle = got.namespace[name], expected[name]
        assert isinstance(mine, torch.Tensor) and isinstance(oracle, torch.Tensor)
        assert mine.grad is not None and oracle.grad is not None and torch.equal(mine.grad, oracle.grad), name


# Each refused at its call, before it runs: the table's entry is replaced by one that counts its calls.
REFUSED_BEFORE_THE_CALL = [
    # an outer product of two 10⁵-vectors: 10¹⁰ elements
    ("a = torch.ones(100000)\nb = torch.einsum('i,j->ij', a, a)", "torch.einsum", "max_tensor_elements"),
    # 10⁹ multiply-adds for a result of 10⁶
    (
        "a = torch.ones(1000, 1000)\nb = torch.einsum('ij,jk->ik', a, a)",
        "torch.einsum",
        "64 × max_tensor_elements",
    ),
    # a small result, but contracting left to right makes a 2000 × 2000 tensor on the way
    (
        "a = torch.ones(2000, 1)\nb = torch.einsum('ij,jk,kl->il', a, a.T, a)",
        "torch.einsum",
        "4000000 elements",
    ),
    ("x = torch.ones(3)\nb = x.repeat_interleave(10**9)", "x.repeat_interleave", "max_tensor_elements"),
    (
        "x = torch.ones(3)\nb = torch.repeat_interleave(x, torch.tensor([1, 10**9, 2]))",
        "torch.repeat_interleave",
        "1000000003 elements",
    ),
    # output_size= is allocated as given, before PyTorch compares it with the repeats
    (
        "x = torch.ones(2)\nb = x.repeat_interleave(torch.tensor([1, 2]), output_size=10**12)",
        "x.repeat_interleave",
        "max_tensor_elements",
    ),
    ("x = torch.ones(100000)\nb = torch.diag(x)", "torch.diag", "10000000000 elements"),
    # two grids of 10⁵ × 10⁵ points (views, but every operation on them reads 10¹⁰ elements)
    (
        "x = torch.ones(100000)\nb = torch.meshgrid(x, x, indexing='ij')",
        "torch.meshgrid",
        "20000000000 elements",
    ),
    ("x = torch.ones(3)\nb = x.diag(10**6)", "x.diag", "max_tensor_elements"),
    ("x = torch.ones(3)\nb = x.new_zeros(10**6, 10**6)", "x.new_zeros", "max_tensor_elements"),
    ("x = torch.ones(3)\nb = x.new_ones((10**6, 10**6))", "x.new_ones", "max_tensor_elements"),
    ("x = torch.ones(3)\nb = x.new_full([10**6, 10**6], 2.0)", "x.new_full", "max_tensor_elements"),
    # a view of every overlapping window reads 2.5 × 10¹¹ elements in each later operation
    ("x = torch.ones(1000000)\nb = x.unfold(0, 500000, 1)", "x.unfold", "max_tensor_elements"),
    # a dense 1000 × 1000 matrix has 10⁶ non-zero elements: 2 × 10⁶ indices
    ("x = torch.ones(1000, 1000)\nb = x.nonzero()", "x.nonzero", "2000000 elements"),
    (
        "x = torch.ones(10, 1000)\nb = torch.index_select(x, 1, torch.zeros(200000, dtype=torch.long))",
        "torch.index_select",
        "2000000 elements",
    ),
]


@pytest.mark.parametrize(("source", "entry", "says"), REFUSED_BEFORE_THE_CALL)
def test_growing_operations_are_refused_before_they_run(
    monkeypatch: pytest.MonkeyPatch, source: str, entry: str, says: str
) -> None:
    calls = counted_calls(monkeypatch, entry)
    error = fails(source, "limit")
    assert (error.line, error.column) == (2, 4) and says in error.message
    assert calls == [0]  # refused before the call: nothing was allocated


def test_growing_operations_just_under_the_limit_run() -> None:
    run("a = torch.ones(1000)\nb = torch.einsum('i,j->ij', a, a)")
    run("x = torch.ones(1000)\nb = torch.diag(x)\nc = x.repeat_interleave(1000)\nd = x.new_zeros(1000, 1000)")
    fails("x = torch.ones(1001)\nb = torch.diag(x)", "limit")
    fails("x = torch.ones(1000)\nb = x.repeat_interleave(1001)", "limit")


def test_einsums_operands_count_as_operations_up_to_a_cap() -> None:
    # ATen contracts them one by one (a sum, a permute, a product each): each counts as an operation
    many = "a = torch.ones(2)\nb = torch.einsum(','.join(['i'] * 64), *[a] * 64)"
    run(many, max_operations=500)
    error = fails(many, "limit", max_operations=60)
    assert (error.line, error.column) == (2, 4) and "max_operations" in error.message
    # past 64, refused at the call before the equation is read: sizing and contracting 400,000
    # operands took seconds in one library call, out of the clock's sight
    source = "a = torch.ones(())\nb = torch.einsum(',' * 99999, [a] * 100000)"
    error = fails(source, "forbidden")
    assert (error.line, error.column) == (2, 4)
    assert error.message == "torch.einsum takes at most 64 operands here; this call gives 100000"
    fails("a = torch.ones(2)\nb = torch.einsum(','.join(['i'] * 65), *[a] * 65)", "forbidden")


# Malformed equations and wrong arguments are PyTorch's own errors at the call (a 400), as in CPython.
MALFORMED = [
    "torch.einsum('ij,jk->ik', a)",
    "torch.einsum('i,i', a, a, a)",
    "torch.einsum('i->ii', a)",
    "torch.einsum('i->j', a)",
    "torch.einsum('ij', a)",
    "torch.einsum('i.j', a)",
    "torch.einsum('i,é', a, a)",
    "torch.einsum('i,i->i', a, torch.ones(4))",
    "torch.einsum('i->i', a, [a])",
    "torch.einsum('i')",
    "torch.einsum('i', 3)",
    "a.index_select(0, torch.tensor([1.0]))",
    "a.index_select(1, torch.tensor([0]))",
    "a.repeat_interleave(-1)",
    "torch.repeat_interleave(a, torch.tensor([1.0, 2.0, 3.0]))",
    "a.repeat_interleave(torch.tensor([1, -1, 1]))",
    "torch.diag(torch.ones(2, 2, 2))",
    "a.unfold(0, 2, 0)",
    "a.unfold(0, 5, 1)",
    "a.new_full((2,))",
]


@pytest.mark.parametrize("call", MALFORMED)
def test_malformed_calls_give_pytorchs_error_at_the_call(call: str) -> None:
    source = f"import torch\na = torch.ones(3)\nb = {call}"
    with pytest.raises(Exception) as oracle:
        cpython(source)
    error = fails(source, "runtime")
    assert (error.line, error.column) == (3, 4)
    assert error.message.startswith(str(oracle.value).splitlines()[0]), (error.message, str(oracle.value))


def test_einsums_interleaved_form_says_what_to_write() -> None:
    error = fails("a = torch.ones(3)\nb = torch.einsum(a, [0], [0])", "runtime")
    assert (error.line, error.column) == (2, 4) and "torch.einsum('bij,bjk->bik', q, k)" in error.message


def test_new_empty_stays_out_as_torch_empty_does() -> None:
    # its memory is whatever was there before, as torch.empty's
    error = fails("x = torch.ones(3)\ny = x.new_empty(3)", "forbidden")
    assert "start from x.new_zeros(...)" in error.message


# PyTorch's "Neural Networks" tutorial (the 60-minute blitz), as written, seeded so CPython draws the
# same weights: functional pooling, and a walk back through the graph with grad_fn.next_functions.
BLITZ = """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


net = Net()
print(net)
params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight
input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)
net.zero_grad()
out.backward(torch.randn(1, 10))
output = net(input)
target = torch.randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()
loss = criterion(output, target)
print(loss)
print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
net.zero_grad()     # zeroes the gradient buffers of all parameters
print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)
loss.backward()
print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
import torch.optim as optim
optimizer = optim.SGD(net.parameters(), lr=0.01)
optimizer.zero_grad()   # zero the gradient buffers
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()    # Does the update
"""


def without_addresses(lines: list[str]) -> list[str]:
    return [re.sub(r"0x[0-9a-f]+", "0x…", line) for line in lines]


def test_the_neural_networks_tutorial_runs_as_written() -> None:
    got = run(BLITZ)
    expected, printed = cpython(BLITZ)
    # Nodes print as PyTorch's (their addresses aside): MseLossBackward0, AddmmBackward0, AccumulateGrad.
    assert without_addresses(got.printed) == without_addresses(printed)
    assert "<AccumulateGrad object at 0x…>" in without_addresses(got.printed)
    for name in ("out", "output", "loss"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]
    for p, q in zip(got.namespace["net"].parameters(), expected["net"].parameters(), strict=True):  # type: ignore[attr-defined]
        assert torch.equal(p, q) and torch.equal(p.grad, q.grad)


WALK = """import torch
import torch.nn.functional as F
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, 0.5, 0.5], requires_grad=True)
y = F.leaky_relu(x * w) + x
loss = y.sum()
names = []
slots = []
todo = [loss.grad_fn]
while todo:
    node = todo.pop()
    names.append(node.name())
    for fn, slot in node.next_functions:
        slots.append(slot)
        if fn is not None:
            todo.append(fn)
leaves = [fn for fn, _ in loss.grad_fn.next_functions[0][0].next_functions if fn is not None]
same = loss.grad_fn.next_functions[0][0] == loss.grad_fn.next_functions[0][0]
"""


def test_next_functions_walks_the_graph_as_pytorch_does() -> None:
    got = run(WALK)
    expected, _ = cpython(WALK)
    assert got.namespace["names"] == expected["names"]  # every node, AccumulateGrad's own name included
    assert got.namespace["slots"] == expected["slots"]
    assert "torch::autograd::AccumulateGrad" in got.namespace["names"]  # type: ignore[operator]
    assert got.namespace["same"] is True
    # An AccumulateGrad's variable is the leaf itself; another node has none, as in PyTorch.
    walked = run(
        WALK + "leaf = loss.grad_fn.next_functions[0][0].next_functions[1][0].variable\nhit = leaf is x"
    )
    assert walked.namespace["hit"] is True
    error = fails(WALK + "loss.grad_fn.variable", "runtime")
    assert "'SumBackward0' object has no attribute 'variable'" in error.message


@pytest.mark.parametrize(
    "reach",
    [
        "register_hook(print)",
        "register_prehook(print)",
        "metadata",
        "_saved_self",
        "_node",
        "_raw_saved_self",
    ],
)
def test_a_grad_fn_stand_in_never_reaches_the_node(reach: str) -> None:
    # Hooks, metadata and saved tensors would let a program change or read past the graph it is shown.
    fails(WALK + f"loss.grad_fn.next_functions[0][0].{reach}", "forbidden")


@pytest.mark.parametrize(
    ("call", "shape"),
    [
        ("F.max_pool2d(x, 2)", (1, 2, 2, 2)),
        ("F.max_pool2d(x, (2, 2), stride=1)", (1, 2, 3, 3)),
        ("F.avg_pool2d(x, 2)", (1, 2, 2, 2)),
        ("F.max_pool1d(x[0], 2)", (2, 4, 2)),
        ("F.avg_pool1d(x[0], 2)", (2, 4, 2)),
        ("F.leaky_relu(x, 0.1)", (1, 2, 4, 4)),
        ("F.elu(x)", (1, 2, 4, 4)),
        ("F.gelu(x)", (1, 2, 4, 4)),
        ("F.silu(x)", (1, 2, 4, 4)),
        ("F.mish(x)", (1, 2, 4, 4)),
        ("F.relu6(x * 8)", (1, 2, 4, 4)),
        ("F.hardtanh(x)", (1, 2, 4, 4)),
        ("F.logsigmoid(x)", (1, 2, 4, 4)),
        ("F.softmin(x, dim=1)", (1, 2, 4, 4)),
        ("F.normalize(x, dim=1)", (1, 2, 4, 4)),
        ("F.nll_loss(F.log_softmax(x[0, 0], dim=1), torch.tensor([0, 1, 2, 3]))", ()),
        ("F.smooth_l1_loss(x, torch.zeros(1, 2, 4, 4))", ()),
    ],
)
def test_functional_layers_give_pytorchs_values_and_gradients(call: str, shape: tuple[int, ...]) -> None:
    source = (
        "import torch\nimport torch.nn.functional as F\ntorch.manual_seed(0)\n"
        f"x = torch.randn(1, 2, 4, 4, requires_grad=True)\ny = {call}\ny.sum().backward()\n"
    )
    got = run(source)
    expected, _ = cpython(source)
    y, oracle = got.namespace["y"], expected["y"]
    assert isinstance(y, torch.Tensor) and isinstance(oracle, torch.Tensor) and tuple(y.shape) == shape
    assert torch.equal(y, oracle)
    x, x_oracle = got.namespace["x"], expected["x"]
    assert isinstance(x, torch.Tensor) and isinstance(x_oracle, torch.Tensor)
    assert x.grad is not None and x_oracle.grad is not None and torch.equal(x.grad, x_oracle.grad)


def test_functional_dropout_draws_as_pytorch_does() -> None:
    source = "import torch\nimport torch.nn.functional as F\ntorch.manual_seed(0)\n"
    source += "y = F.dropout(torch.ones(4, 4))\n"
    got = run(source)
    expected, _ = cpython(source)
    assert torch.equal(got.namespace["y"], expected["y"])  # type: ignore[arg-type]
    assert set(expected["y"].unique().tolist()) == {0.0, 2.0}  # type: ignore[attr-defined]


def dynamic_net(turns: int) -> str:
    """PyTorch's "Learning PyTorch with Examples" dynamic model, seeded, over `turns` steps."""
    return f"""import random
import torch
import math
random.seed(3)
torch.manual_seed(0)


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
model = DynamicNet()
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range({turns}):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(t, loss.item())
"""


def test_the_dynamic_net_tutorial_draws_its_depth_as_cpython_after_the_same_seed() -> None:
    source = dynamic_net(40)
    got = run(source)
    expected, printed = cpython(source)
    assert got.printed == printed  # each turn's loss: the same depths drawn, the same steps taken
    for p, q in zip(got.namespace["model"].parameters(), expected["model"].parameters(), strict=True):  # type: ignore[attr-defined]
        assert torch.equal(p, q)


DRAWS = """import random
xs = [random.randint(1, 6) for _ in range(8)]
items = list(range(10))
random.shuffle(items)
picked = random.choice(items)
f = random.random()
g = random.gauss(0, 1)
u = random.uniform(1, 2)
r = random.randrange(0, 100, 5)
"""


def test_an_unseeded_program_draws_the_same_numbers_every_run() -> None:
    # Its steps' details and a class following the lecturer run it again: the same draws, those of
    # random.seed(0) (run.py's UNSEEDED_SEED), whatever the process's own generator did meanwhile.
    names = ("xs", "items", "picked", "f", "g", "u", "r")
    first = run(DRAWS)
    random.random()
    second = run("from random import randint\nfirst = randint(1, 6)\n" + DRAWS)
    again = run(DRAWS)
    expected, _ = cpython("import random\nrandom.seed(0)\n" + DRAWS)
    assert [first.namespace[n] for n in names] == [again.namespace[n] for n in names]
    assert [first.namespace[n] for n in names] == [expected[n] for n in names]
    assert second.namespace["first"] == expected["xs"][0]  # type: ignore[index]


def test_what_random_leaves_out_is_named() -> None:
    error = fails("import random\nrandom.sample(range(10), 3)", "forbidden")
    assert "seed, random, uniform, randint" in error.message and (error.line, error.column) == (2, 0)
    fails("import random\nrandom.Random(1)", "forbidden")
    fails("import random\nrandom.getstate()", "forbidden")
    # seeded from the clock, a second run would draw other numbers
    assert "random.seed(0)" in fails("import random\nrandom.seed()", "runtime").message


# d2l.ai's synthetic data (both its linear regressions start from it).
D2L_DATA = """def synthetic_data(w, b, num_examples):
    '''Generate y = Xw + b + noise.'''
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))

true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 1000)
"""

# d2l.ai's "Concise Implementation of Linear Regression", seeded: torch.normal's synthetic data, a
# DataLoader over a TensorDataset, in-place initialisation through .data.
D2L = (
    """import torch
torch.manual_seed(0)
import torch
from torch.utils import data
from torch import nn

"""
    + D2L_DATA
    + """
def load_array(data_arrays, batch_size, is_train=True):
    '''Construct a PyTorch data iterator.'''
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)

batch_size = 10
data_iter = load_array((features, labels), batch_size)
print(next(iter(data_iter))[0].shape)
net = nn.Sequential(nn.Linear(2, 1))
net[0].weight.data.normal_(0, 0.01)
net[0].bias.data.fill_(0)
loss = nn.MSELoss()
trainer = torch.optim.SGD(net.parameters(), lr=0.03)
num_epochs = 3
for epoch in range(num_epochs):
    for X, y in data_iter:
        l = loss(net(X) ,y)
        trainer.zero_grad()
        l.backward()
        trainer.step()
    l = loss(net(features), labels)
    print(f'epoch {epoch + 1}, loss {l:f}')
w = net[0].weight.data
print('error in estimating w:', true_w - w.reshape(true_w.shape))
b = net[0].bias.data
print('error in estimating b:', true_b - b)
"""
)


def test_d2l_concise_linear_regression_runs_as_in_cpython() -> None:
    got = run(D2L)
    expected, printed = cpython(D2L)
    assert got.printed == printed
    for name in ("features", "labels", "w", "b"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call", ["torch.normal(0, 1, (100000, 100000))", "torch.normal(torch.zeros(10**5), torch.ones(10**5, 1))"]
)
def test_normal_is_sized_before_it_draws(call: str) -> None:
    # by its size argument, else by the broadcast of its means and deviations
    error = fails(call, "limit")
    assert "10000000000 elements" in error.message and (error.line, error.column) == (1, 0)


# d2l.ai's "Linear Regression Implementation from Scratch", seeded: a generator of shuffled batches.
D2L_SCRATCH = (
    r"""import random
import torch
random.seed(0)
torch.manual_seed(0)

"""
    + D2L_DATA
    + r"""print('features:', features[0],'\nlabel:', labels[0])

def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    # The examples are read at random, in no particular order
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(
            indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]

batch_size = 10

w = torch.normal(0, 0.01, size=(2,1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
def linreg(X, w, b):  #@save
    '''The linear regression model.'''
    return torch.matmul(X, w) + b
def squared_loss(y_hat, y):  #@save
    '''Squared loss.'''
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
def sgd(params, lr, batch_size):  #@save
    '''Minibatch stochastic gradient descent.'''
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()
lr = 0.03
num_epochs = 3
net = linreg
loss = squared_loss

for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = loss(net(X, w, b), y)  # Minibatch loss in `X` and `y`
        # Compute gradient on `l` with respect to [`w`, `b`]
        l.sum().backward()
        sgd([w, b], lr, batch_size)  # Update parameters using their gradient
    with torch.no_grad():
        train_l = loss(net(features, w, b), labels)
        print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')
print(f'error in estimating w: {true_w - w.reshape(true_w.shape)}')
print(f'error in estimating b: {true_b - b}')
"""
)


def test_d2l_linear_regression_from_scratch_runs_as_in_cpython() -> None:
    got = run(D2L_SCRATCH)
    expected, printed = cpython(D2L_SCRATCH)
    assert got.printed == printed  # the same shuffled batches, so the same losses and estimates
    for name in ("w", "b", "features", "labels"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]


GENERATORS = """def squares(n):
    for i in range(n):
        yield i * i
        if i == 2:
            return
    yield -1
def pairs():
    yield 1, 'a'
    yield
every = list(squares(10))
short = list(squares(2))
it = squares(5)
first = next(it)
second = next(it)
unpacked = [k for k, _ in [p for p in pairs() if p]]
nested = [list(squares(k)) for k in range(4)]
"""


def test_a_generator_gives_what_cpython_gives() -> None:
    got = run(GENERATORS)
    expected, _ = cpython(GENERATORS)
    for name in ("every", "short", "first", "second", "unpacked", "nested"):
        assert got.namespace[name] == expected[name], name


YIELD_FROM = """import torch
def squares(n):
    for i in range(n):
        yield i * i
def batches(X, size):
    yield from (X[i : i + size] for i in range(0, len(X), size))
def chained(*parts):
    for part in parts:
        yield from part
    yield from range(3)
    tail = yield from []
    yield tail
every = list(chained([1, 2], squares(4), "ab"))
X = torch.arange(10.0)
sizes = [b.tolist() for b in batches(X, 4)]
"""


def test_yield_from_gives_what_cpython_gives() -> None:
    got = run(YIELD_FROM)
    expected, _ = cpython(YIELD_FROM)
    for name in ("every", "sizes"):
        assert got.namespace[name] == expected[name], name


def test_yield_from_counts_its_turns_as_a_loop_does() -> None:
    fails("def g():\n    yield from range(10**9)\nx = list(g())", "limit")  # refused up front, as `for`
    error = fails("def g(n):\n    yield from [0] * n\nx = list(g(200000))", "limit")
    assert error.line == 2 and "loop iterations" in error.message  # the list was allowed, its turns not
    refused = fails("f = lambda: (yield from [1])", "forbidden")
    assert "yield from belongs in a def's own body" in refused.message


def test_a_generator_that_never_ends_is_stopped() -> None:
    # It runs to its end at the call: one that never ends is the operation budget's, whatever the
    # loop over it would have read (docs/language.md).
    error = fails("def ones():\n    while True:\n        yield 1\nfor x in ones():\n    break", "limit")
    assert error.line is not None and error.line <= 4


# Karpathy's makemore (its bigram network, trained, then sampled), on five names: a generator of the
# program's own, one_hot, multinomial.
MAKEMORE = """import torch
import torch.nn.functional as F
words = ['emma', 'olivia', 'ava', 'isabella', 'sophia']
chars = sorted(list(set(''.join(words))))
stoi = {s:i+1 for i,s in enumerate(chars)}
stoi['.'] = 0
itos = {i:s for s,i in stoi.items()}
xs, ys = [], []
for w in words:
  chs = ['.'] + list(w) + ['.']
  for ch1, ch2 in zip(chs, chs[1:]):
    ix1 = stoi[ch1]
    ix2 = stoi[ch2]
    xs.append(ix1)
    ys.append(ix2)
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print('number of examples: ', num)
V = len(stoi)
g = torch.Generator().manual_seed(2147483647)
W = torch.randn((V, V), generator=g, requires_grad=True)
for k in range(20):
  xenc = F.one_hot(xs, num_classes=V).float()
  logits = xenc @ W
  counts = logits.exp()
  probs = counts / counts.sum(1, keepdims=True)
  loss = -probs[torch.arange(num), ys].log().mean() + 0.01*(W**2).mean()
  print(loss.item())
  W.grad = None
  loss.backward()
  W.data += -50 * W.grad
for i in range(3):
  out = []
  ix = 0
  while True:
    xenc = F.one_hot(torch.tensor([ix]), num_classes=V).float()
    logits = xenc @ W
    counts = logits.exp()
    p = counts / counts.sum(1, keepdims=True)
    ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
    out.append(itos[ix])
    if ix == 0:
      break
  print(''.join(out))
"""


def test_makemores_bigram_network_trains_and_samples_as_in_cpython() -> None:
    got = run(MAKEMORE)
    expected, printed = cpython(MAKEMORE)
    assert got.printed == printed  # every loss, and the names sampled from the same generator
    assert torch.equal(got.namespace["W"], expected["W"])  # type: ignore[arg-type]


def test_a_generator_keeps_its_state_to_itself() -> None:
    for reach in ("get_state()", "set_state(torch.zeros(8))", "seed()"):  # seed(): from the OS
        fails(f"g = torch.Generator()\ng.{reach}", "forbidden")
    # multinomial is sized before it draws: num_samples per row
    error = fails("torch.multinomial(torch.ones(1000, 10), 10**6, replacement=True)", "limit")
    assert "1000000000 elements" in error.message


# makemore's MLP (part 2): an embedding table indexed by contexts, minibatches drawn with the program's
# generator, a decorated no_grad split loss, sampling; its words shortened to ten names.
MAKEMORE_MLP = """import torch
import torch.nn.functional as F
import random
words = ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'charlotte', 'mia', 'amelia', 'harper', 'evelyn']
chars = sorted(list(set(''.join(words))))
stoi = {s:i+1 for i,s in enumerate(chars)}
stoi['.'] = 0
itos = {i:s for s,i in stoi.items()}
vocab_size = len(itos)
block_size = 3
def build_dataset(words):
  X, Y = [], []
  for w in words:
    context = [0] * block_size
    for ch in w + '.':
      ix = stoi[ch]
      X.append(context)
      Y.append(ix)
      context = context[1:] + [ix] # crop and append
  X = torch.tensor(X)
  Y = torch.tensor(Y)
  print(X.shape, Y.shape)
  return X, Y
random.seed(42)
random.shuffle(words)
n1 = int(0.8*len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:])
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((vocab_size, 10), generator=g)
W1 = torch.randn((30, 200), generator=g) * (5/3)/((30)**0.5)
b1 = torch.randn(200, generator=g) * 0.01
W2 = torch.randn((200, vocab_size), generator=g) * 0.01
b2 = torch.randn(vocab_size, generator=g) * 0
parameters = [C, W1, b1, W2, b2]
print(sum(p.nelement() for p in parameters))
for p in parameters:
  p.requires_grad = True
lossi = []
for i in range(200):
  ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
  emb = C[Xtr[ix]] # (32, 3, 10)
  h = torch.tanh(emb.view(-1, 30) @ W1 + b1) # (32, 200)
  logits = h @ W2 + b2 # (32, 27)
  loss = F.cross_entropy(logits, Ytr[ix])
  for p in parameters:
    p.grad = None
  loss.backward()
  lr = 0.1 if i < 100000 else 0.01
  for p in parameters:
    p.data += -lr * p.grad
  if i % 50 == 0:
    print(f'{i:7d}/{200:7d}: {loss.item():.4f}')
  lossi.append(loss.log10().item())

@torch.no_grad() # this decorator disables gradient tracking
def split_loss(split):
  x,y = {
    'train': (Xtr, Ytr),
    'val': (Xdev, Ydev),
  }[split]
  emb = C[x] # (N, block_size, n_embd)
  embcat = emb.view(emb.shape[0], -1) # concat into (N, block_size * n_embd)
  h = torch.tanh(embcat @ W1 + b1) # (N, n_hidden)
  logits = h @ W2 + b2 # (N, vocab_size)
  loss = F.cross_entropy(logits, y)
  print(split, loss.item())

split_loss('train')
split_loss('val')
g = torch.Generator().manual_seed(2147483647 + 10)
for _ in range(5):
    out = []
    context = [0] * block_size
    while True:
      emb = C[torch.tensor([context])]
      h = torch.tanh(emb.view(1, -1) @ W1 + b1)
      logits = h @ W2 + b2
      probs = F.softmax(logits, dim=1)
      ix = torch.multinomial(probs, num_samples=1, generator=g).item()
      context = context[1:] + [ix]
      out.append(ix)
      if ix == 0:
        break
    print(''.join(itos[i] for i in out))
"""


def test_makemores_mlp_trains_and_samples_as_in_cpython() -> None:
    got = run(MAKEMORE_MLP)
    expected, printed = cpython(MAKEMORE_MLP)
    assert got.printed == printed
    for name in ("C", "W1", "b1", "W2", "b2"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "expression",
    [
        *(f"torch.{name}(x)" for name in ("log2", "log10", "log1p", "expm1", "exp2", "neg", "asin", "acos")),
        *(f"x.{name}()" for name in ("atan", "sinh", "cosh", "floor", "ceil", "trunc", "frac", "erf")),
        "x.lgamma() + torch.logit(x, eps=1e-6) + x.tan()",
        "torch.atan2(x, x + 1) + x.hypot(x * 2) + torch.fmax(x, 1 - x) + x.fmin(1 - x)",
        "x.clip(0.2, 0.6) + torch.clip(x, min=0.3) + x.maximum(1 - x) + x.minimum(1 - x)",
        "x.repeat(2, 3) * (~torch.isnan(x)).repeat((1, 2, 3))",
    ],
)
def test_more_element_wise_maths_gives_pytorchs_values_and_gradients(expression: str) -> None:
    source = (
        f"import torch\ntorch.manual_seed(0)\nx = torch.rand(2, 3, requires_grad=True)\ny = {expression}\n"
    )
    source += "y.sum().backward()\nany_inf = bool(torch.any(torch.isinf(y))) or not torch.all(y == y)\n"
    got = run(source)
    expected, _ = cpython(source)
    assert torch.equal(got.namespace["y"], expected["y"])  # type: ignore[arg-type]
    x, x_oracle = got.namespace["x"], expected["x"]
    assert isinstance(x, torch.Tensor) and isinstance(x_oracle, torch.Tensor)
    assert x.grad is not None and x_oracle.grad is not None and torch.equal(x.grad, x_oracle.grad)
    assert got.namespace["any_inf"] == expected["any_inf"]


@pytest.mark.parametrize("call", ["x.repeat(1000, 1)", "x.repeat([1000, 1000])", "x.repeat(10**6)"])
def test_repeat_is_sized_before_it_tiles(call: str) -> None:
    source = "x = torch.ones(1000, 1000)\n" if call == "x.repeat(1000, 1)" else "x = torch.ones(1000)\n"
    error = fails(source + f"y = {call}", "limit")
    assert "1000000000 elements" in error.message and error.line == 2


# makemore part 4, "becoming a backprop ninja": every gradient of a batch-normed MLP written by hand
# and compared with autograd's (retain_grad on every intermediate, .grad read back).
MAKEMORE_BACKPROP = """import torch
import torch.nn.functional as F
torch.manual_seed(42)
n_embd, n_hidden, vocab_size, block_size, n = 10, 64, 27, 3, 32
g = torch.Generator().manual_seed(2147483647)
Xb = torch.randint(0, vocab_size, (n, block_size), generator=g)
Yb = torch.randint(0, vocab_size, (n,), generator=g)
C  = torch.randn((vocab_size, n_embd),            generator=g)
W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3)/((n_embd * block_size)**0.5)
b1 = torch.randn(n_hidden,                        generator=g) * 0.1
W2 = torch.randn((n_hidden, vocab_size),          generator=g) * 0.1
b2 = torch.randn(vocab_size,                      generator=g) * 0.1
bngain = torch.randn((1, n_hidden))*0.1 + 1.0
bnbias = torch.randn((1, n_hidden))*0.1
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
for p in parameters:
  p.requires_grad = True

def cmp(s, dt, t):
  ex = torch.all(dt == t.grad).item()
  app = torch.allclose(dt, t.grad)
  maxdiff = (dt - t.grad).abs().max().item()
  print(f'{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}')

emb = C[Xb] # embed the characters into vectors
embcat = emb.view(emb.shape[0], -1) # concatenate the vectors
hprebn = embcat @ W1 + b1 # hidden layer pre-activation
bnmeani = 1/n*hprebn.sum(0, keepdim=True)
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = 1/(n-1)*(bndiff2).sum(0, keepdim=True) # note: Bessel's correction (dividing by n-1, not n)
bnvar_inv = (bnvar + 1e-5)**-0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = torch.tanh(hpreact) # hidden layer
logits = h @ W2 + b2 # output layer
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes # subtract max for numerical stability
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum**-1 # if I use (1.0 / counts_sum) instead I can't get backprop bit exact
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(n), Yb].mean()

for p in parameters:
  p.grad = None
for t in [logprobs, probs, counts, counts_sum, counts_sum_inv,
          norm_logits, logit_maxes, logits, h, hpreact, bnraw,
         bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
         embcat, emb]:
  t.retain_grad()
loss.backward()
print(loss)

dlogprobs = torch.zeros_like(logprobs)
dlogprobs[range(n), Yb] = -1.0/n
dprobs = (1.0 / probs) * dlogprobs
dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
dcounts = counts_sum_inv * dprobs
dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
dcounts += torch.ones_like(counts) * dcounts_sum
dnorm_logits = counts * dcounts
dlogits = dnorm_logits.clone()
dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
dh = dlogits @ W2.T
dW2 = h.T @ dlogits
db2 = dlogits.sum(0)
dhpreact = (1.0 - h**2) * dh
dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
dbnraw = bngain * dhpreact
dbnbias = dhpreact.sum(0, keepdim=True)
dbndiff = bnvar_inv * dbnraw
dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
dbnvar = (-0.5*(bnvar + 1e-5)**-1.5) * dbnvar_inv
dbndiff2 = (1.0/(n-1))*torch.ones_like(bndiff2) * dbnvar
dbndiff += (2*bndiff) * dbndiff2
dhprebn = dbndiff.clone()
dbnmeani = (-dbndiff).sum(0)
dhprebn += 1.0/n * (torch.ones_like(hprebn) * dbnmeani)
dembcat = dhprebn @ W1.T
dW1 = embcat.T @ dhprebn
db1 = dhprebn.sum(0)
demb = dembcat.view(emb.shape)
dC = torch.zeros_like(C)
for k in range(Xb.shape[0]):
  for j in range(Xb.shape[1]):
    ix = Xb[k,j]
    dC[ix] += demb[k,j]

cmp('logprobs', dlogprobs, logprobs)
cmp('probs', dprobs, probs)
cmp('counts_sum_inv', dcounts_sum_inv, counts_sum_inv)
cmp('counts_sum', dcounts_sum, counts_sum)
cmp('counts', dcounts, counts)
cmp('norm_logits', dnorm_logits, norm_logits)
cmp('logit_maxes', dlogit_maxes, logit_maxes)
cmp('logits', dlogits, logits)
cmp('h', dh, h)
cmp('W2', dW2, W2)
cmp('b2', db2, b2)
cmp('hpreact', dhpreact, hpreact)
cmp('bngain', dbngain, bngain)
cmp('bnbias', dbnbias, bnbias)
cmp('bnraw', dbnraw, bnraw)
cmp('bnvar_inv', dbnvar_inv, bnvar_inv)
cmp('bnvar', dbnvar, bnvar)
cmp('bndiff2', dbndiff2, bndiff2)
cmp('bndiff', dbndiff, bndiff)
cmp('bnmeani', dbnmeani, bnmeani)
cmp('hprebn', dhprebn, hprebn)
cmp('embcat', dembcat, embcat)
cmp('W1', dW1, W1)
cmp('b1', db1, b1)
cmp('emb', demb, emb)
cmp('C', dC, C)
"""


def test_makemores_backprop_by_hand_agrees_as_in_cpython() -> None:
    got = run(MAKEMORE_BACKPROP)
    expected, printed = cpython(MAKEMORE_BACKPROP)
    assert got.printed == printed  # 26 comparisons: exact or within allclose, maxdiff and all
    assert sum("approximate: True" in line for line in got.printed) == 26
    for name in ("dC", "dW1", "dW2", "dbngain"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]


# PyTorch's "What is torch.nn really?" on random data in MNIST's shapes: fit() over DataLoaders, a
# Lambda module, zip(*[...]) of the validation batches, a CNN ending in AdaptiveAvgPool2d.
NN_REALLY = """import math
import torch
from torch import nn, optim
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
x_train = torch.rand(64, 784)
y_train = torch.randint(0, 10, (64,))
x_valid = torch.rand(32, 784)
y_valid = torch.randint(0, 10, (32,))
bs = 16
lr = 0.1
epochs = 2
loss_func = F.cross_entropy

def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias

class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)

def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )

def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)

def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():
            losses, nums = zip(
                *[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl]
            )
        val_loss = sum(l * n for l, n in zip(losses, nums)) / sum(nums)

        print(epoch, val_loss)

train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model = Mnist_Logistic()
opt = optim.SGD(model.parameters(), lr=lr)
fit(epochs, model, loss_func, opt, train_dl, valid_dl)
print(accuracy(model(x_valid), y_valid))

model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
fit(epochs, model, loss_func, opt, train_dl, valid_dl)
"""


def test_what_is_torch_nn_really_runs_as_in_cpython() -> None:
    got = run(NN_REALLY)
    expected, printed = cpython(NN_REALLY)
    assert got.printed == printed
    for p, q in zip(got.namespace["model"].parameters(), expected["model"].parameters(), strict=True):  # type: ignore[attr-defined]
        assert torch.equal(p, q)


@pytest.mark.parametrize(
    ("layer", "size"),
    [("nn.AdaptiveAvgPool2d(10**5)", 10**10), ("nn.AdaptiveMaxPool2d((None, 10**9))", 4 * 10**9)],
)
def test_adaptive_pooling_is_sized_before_it_runs(layer: str, size: int) -> None:
    error = fails(f"pool = {layer}\ny = pool(torch.ones(1, 1, 4, 4))", "limit")
    assert f"{size} elements made by Adaptive" in error.message and error.line == 2


def test_a_loss_surface_grid_runs_as_in_cpython() -> None:
    """Optimization tutorials draw a loss on the points of torch.meshgrid (both spellings of its vectors)."""
    source = (
        "w = torch.linspace(-2, 2, 5)\nb = torch.linspace(-1, 1, 3)\n"
        "W, B = torch.meshgrid(w, b, indexing='ij')\nX, Y = torch.meshgrid([w, b], indexing='xy')\n"
        "loss = (W * 2 + B - 1) ** 2\nprint(W.shape, X.shape, loss.argmin().item())\n"
    )
    got = run(source)
    expected, printed = cpython("import torch\n" + source)
    assert got.printed == printed
    for name in ("W", "B", "X", "Y", "loss"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]


def test_a_batch_of_matrices_transposed_with_mT_as_in_cpython() -> None:
    source = (
        "x = torch.arange(12.0, requires_grad=True)\ny = x.reshape(2, 2, 3).mT\n(y * y).sum().backward()\n"
    )
    got = run(source)
    expected, _ = cpython("import torch\n" + source)
    assert torch.equal(got.namespace["y"], expected["y"])  # type: ignore[arg-type]
    assert torch.equal(got.namespace["x"].grad, expected["x"].grad)  # type: ignore[union-attr]
