"""Devices as tutorials write them, on a CPU-only server: `torch.device`, `.to(...)`, `.cpu()`,
`device=`, and a clear refusal of the GPU at the call that asks for it. Oracle: CPython."""

from __future__ import annotations

import pytest
import torch

from .helpers import cpython, fails, run

TUTORIAL = """import torch
import torch.nn as nn
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
mps = torch.backends.mps.is_available()
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).to(device)
x = torch.randn(5, 3).to(device)
target = torch.zeros(5, 1, device=device)
wide = x.to(torch.float64)
back = wide.to(x.dtype)
same = x.to(x)
moved = x.to(device, torch.float64)
batch = torch.as_tensor([[1.0, 2.0, 3.0]], dtype=torch.float32)
loss = ((model(x) - target) ** 2).mean() + (wide ** 2).sum() * 0 + model(batch).sum()
loss.backward()
prediction = model(x).detach().cpu().tolist()
print(device, x.device, device.type, mps, torch.cuda.is_available())
print(wide.dtype, back.dtype, moved.dtype, same is x, x.cpu() is x, model.cpu() is model)
print(x.is_cuda, loss.is_cuda)
"""


def test_the_tutorial_device_idioms_run_as_in_cpython() -> None:
    got = run(TUTORIAL)
    expected, printed = cpython(TUTORIAL)
    assert got.printed == printed
    assert printed[0] == "cpu cpu cpu False False"
    assert printed[2] == "False False"  # x.is_cuda: tutorials print where a tensor lives
    for name in ("x", "target", "wide", "back", "moved", "batch", "loss"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]
    assert got.namespace["prediction"] == expected["prediction"]
    model, oracle = got.namespace["model"], expected["model"]
    assert isinstance(model, torch.nn.Module) and isinstance(oracle, torch.nn.Module)
    for (name, p), q in zip(model.named_parameters(), oracle.parameters(), strict=True):
        assert p.grad is not None and q.grad is not None
        assert torch.equal(p.grad, q.grad), name


def test_to_float64_is_an_operation_of_the_graph() -> None:
    ns = run("import torch\nx = torch.ones(2, requires_grad=True)\ny = x.to(torch.float64)\n").namespace
    y = ns["y"]
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float64
    assert y.grad_fn is not None and y.grad_fn.name() == "ToCopyBackward0"


def test_to_float64_counts_its_elements_toward_the_total() -> None:
    source = "import torch\nx = torch.ones(100)\ny = x.to(torch.float64)\n"
    run(source, max_total_elements=200)
    error = fails(source, "limit", max_total_elements=199)
    assert (error.line, error.column) == (3, 4) and "max_total_elements" in error.message


@pytest.mark.parametrize(
    ("line", "call"),
    [
        ("y = x.cuda()", "x.cuda()"),
        ("y = x.to('cuda')", "x.to('cuda')"),
        ('y = x.to(torch.device("cuda", 0))', 'x.to(torch.device("cuda", 0))'),
        ("y = x.to(0)", "x.to(0)"),
        ('y = x.to(device=torch.device("mps"))', 'device=torch.device("mps")'),
        ("y = torch.zeros(2, device='cuda')", "device='cuda'"),
        ("y = nn.Linear(2, 2).cuda()", "nn.Linear(2, 2).cuda()"),
        ("y = nn.Linear(2, 2).to('cuda')", "nn.Linear(2, 2).to('cuda')"),
    ],
)
def test_the_gpu_is_refused_at_the_call_that_asks_for_it(line: str, call: str) -> None:
    source = f"import torch\nimport torch.nn as nn\nx = torch.ones(2)\nfor i in range(2):\n    {line}\n"
    error = fails(source, "runtime")
    start = 4 + line.index(call)
    assert (error.line, error.column, error.end_line, error.end_column) == (5, start, 5, start + len(call))
    assert error.message.startswith("this server has no GPU: use the cpu device")


def test_the_gpu_error_is_a_runtime_error_the_program_may_catch_as_in_pytorch() -> None:
    source = "import torch\ntry:\n    x = torch.ones(2).cuda()\nexcept RuntimeError:\n    x = torch.ones(2)\n"
    assert torch.equal(run(source).namespace["x"], torch.ones(2))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "at"),
    [
        ("torch.ones(2, device='meta')", "device='meta'"),
        ("torch.ones(2).to(torch.device('meta'))", "torch.ones(2).to(torch.device('meta'))"),
        ("torch.as_tensor([1.0], None, 'meta')", "torch.as_tensor([1.0], None, 'meta')"),
        ("torch.ones(2, **{'device': 'meta'})", "**{'device': 'meta'}"),
    ],
)
def test_a_device_without_memory_is_refused_uncatchably(call: str, at: str) -> None:
    source = f"import torch\ntry:\n    y = {call}\nexcept Exception:\n    y = 0\n"
    error = fails(source, "forbidden")
    start = 8 + call.index(at)
    assert (error.line, error.column, error.end_column) == (3, start, start + len(at))
    assert "'meta' is not part of the explorer language" in error.message


@pytest.mark.parametrize(
    ("call", "keyword"),
    [
        ('torch.zeros(3, device="tpu")', 'device="tpu"'),
        ('torch.ones(2, 2, dtype=torch.float64, device="tpu:0")', 'device="tpu:0"'),
        ("torch.zeros(3, device=5.5)", "device=5.5"),
        ('torch.zeros(3, dtype="float32")', 'dtype="float32"'),
        ('torch.arange(3, dtype="x")', 'dtype="x"'),
        ('torch.ones(2).sum(dtype="float")', 'dtype="float"'),
        ("torch.tensor([1.0], requires_grad=True, dtype=1)", "dtype=1"),
    ],
)
def test_a_bad_device_or_dtype_is_reported_at_its_keyword_with_pytorchs_message(
    call: str, keyword: str
) -> None:
    """Inside a loop too (its calls run compiled): the keyword, not the whole call, is at fault."""
    source = f"import torch\nfor i in range(2):\n    y = {call}\n"
    error = fails(source, "runtime")
    start = 8 + call.index(keyword)
    assert (error.line, error.column, error.end_line, error.end_column) == (3, start, 3, start + len(keyword))
    with pytest.raises((RuntimeError, TypeError)) as oracle:
        cpython(source)
    if "device=5.5" not in call:  # the language names a device by text alone (lang/devices.py)
        assert error.message == str(oracle.value)
    straight = fails(f"import torch\ny = {call}\n", "runtime")  # outside a loop: the same place
    assert (straight.line, straight.column) == (2, 4 + call.index(keyword))


def test_a_good_dtype_beside_a_bad_argument_is_not_blamed() -> None:
    error = fails('import torch\ny = torch.arange(3.5, "a", dtype=torch.int64)\n', "runtime")
    assert (error.line, error.column, error.end_column) == (2, 4, 45)


def test_isinstance_of_a_device_and_of_the_tables_classes_is_as_in_cpython() -> None:
    source = """import torch
import torch.nn as nn
d = torch.device("cpu")
x = torch.ones(2)
layer = nn.Linear(2, 2)
print(isinstance(d, torch.device), isinstance(x, torch.device), isinstance("cpu", torch.device))
print(isinstance(x, torch.Tensor), isinstance(layer, nn.Module), isinstance(layer, nn.Linear))
print(isinstance(layer, (nn.Conv2d, nn.Linear)), isinstance(d, (str, torch.device)))
print(isinstance(x.device, torch.device))
print(torch.device)
"""
    assert run(source).printed == cpython(source)[1]


def test_every_class_of_the_table_is_the_class_isinstance_tests() -> None:
    """An entry CPython calls a class (torch.device) tests isinstance against that class, even
    where the table makes its instances with a function of its own."""
    from autograd_explorer.lang.allowlist import FUNCTIONS

    checked = 0
    for fn in FUNCTIONS:
        root, _, rest = fn.name.partition(".")
        if root != "torch" or not rest:
            continue
        real: object = torch
        for part in rest.split("."):
            real = getattr(real, part, None)
        if isinstance(real, type):
            checked += 1
            assert (fn.instance_of or fn.impl) is real, fn.name
    assert checked > 40


def test_a_device_is_made_from_a_name_alone() -> None:
    error = fails("import torch\nd = torch.device(torch.ones(1))\n", "runtime")
    assert "device name" in error.message
