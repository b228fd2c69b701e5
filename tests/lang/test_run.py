"""run_program: modes, statements, output choice, errors with positions, the lecture's programs."""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.lang.contract import PlainObserver
from autograd_explorer.lang.run import limits_from_settings, run_program
from autograd_explorer.settings import Settings
from tests.lang.helpers import RecordingObserver, cpython, fails, limits, run

INPLACE_SQRT = """x = torch.tensor(4.0, requires_grad=True)
y = torch.sqrt(x)
y.add_(1)
z = 3 * y
z.backward()
"""


def test_expression_mode_makes_free_names_leaves_in_order() -> None:
    result = run("y * x**3 - 3*x + y", {"x": 1.0, "y": 2.0})
    assert result.mode == "expression"
    assert result.input_names == ["y", "x"]
    x = result.namespace["x"]
    assert isinstance(x, torch.Tensor) and x.requires_grad and x.is_leaf and x.dtype == torch.float32
    assert float(result.output) == pytest.approx(2 * 1 - 3 + 2)  # type: ignore[arg-type]
    assert result.output_span is not None and result.output_span.end_column == 18


def test_expression_mode_nested_list_input() -> None:
    result = run("(w * w).sum()", {"w": [[1, 2], [3, 4]]})
    w = result.namespace["w"]
    assert isinstance(w, torch.Tensor) and w.shape == (2, 2) and w.dtype == torch.float32
    assert float(result.output) == 30.0  # type: ignore[arg-type]


def test_missing_input_names_it_and_its_position() -> None:
    error = fails("x + 2 * y", "runtime", {"x": 1.0})
    assert "'y'" in error.message and (error.line, error.column) == (1, 8)


def test_unused_input_warns() -> None:
    assert run("x * 2", {"x": 1.0, "z": 3.0}).warnings == ["input 'z' is not used by the expression"]


def test_an_input_a_program_never_reads_warns() -> None:
    # the example's x = 1 left beside a program pasted over it
    program = "w = torch.tensor(2.0, requires_grad=True)\nloss = w * w\nloss"
    assert run(program, {"x": 1.0}).warnings == ["input 'x' is not used by the program"]
    assert run("w = x * 2\nw", {"x": 1.0}).warnings == []  # read: used
    assert run("x = 3.0\nw = x * 2\nw", {"x": 1.0}).warnings == []  # read (after its own assignment)


def test_bad_input_values_are_program_errors() -> None:
    assert "must be a number" in fails("x", "runtime", {"x": "hello"}).message
    fails("x", "runtime", {"x": [[1, 2], [3]]})
    fails("x + 1", "forbidden", {"x": 1.0, "__class__": 2.0})


def test_oversized_inputs_are_refused_before_conversion() -> None:
    error = fails("x.sum()", "limit", {"x": [[1.0] * 100] * 100}, max_tensor_elements=5_000)
    assert "max_tensor_elements" in error.message


def test_program_mode_binds_inputs_first() -> None:
    result = run("y = x * 2\ny.backward()", {"x": 3.0})
    x = result.namespace["x"]
    assert result.mode == "program" and result.input_names == ["x"]
    assert isinstance(x, torch.Tensor) and float(x.grad) == 2.0  # type: ignore[arg-type]


def test_output_choice() -> None:
    named = run("a = torch.ones(2)\nb = a * 3\nc = b + 1", output="b")
    assert named.output_name == "b" and named.output_span is not None and named.output_span.line == 2
    final = run("a = torch.ones(2)\nb = a * 3\nb.sum()")
    assert final.output_name is None and float(final.output) == 6.0  # type: ignore[arg-type]
    final_name = run("a = torch.ones(2)\nb = a * 3\na")
    assert final_name.output_name == "a"
    last = run("a = torch.ones(2, requires_grad=True)\nb = (a * 3).sum()\nn = 5\nb.backward()")
    assert last.output_name == "b" and last.output_span is not None and last.output_span.line == 2
    assert run("n = 1 + 2").output is None
    assert "'nope'" in fails("a = 1", "runtime", output="nope").message


def test_the_output_is_the_last_tensor_an_operation_made() -> None:
    # PyTorch's "Build the Neural Network" tutorial ends by printing each parameter: the last tensor
    # assigned is a bias (one leaf), the graph to show the forward pass's.
    tutorial = run(
        "model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))\n"
        "probs = nn.Softmax(dim=1)(model(torch.rand(2, 4)))\n"
        "for name, param in model.named_parameters():\n    print(name, param.shape)"
    )
    assert tutorial.output_name == "probs" and tutorial.output_span is not None
    assert tutorial.output_span.line == 2
    # A name bound again to something else is not the graph's any more: the last tensor, as before.
    rebound = run("x = torch.ones(2, requires_grad=True)\ny = x * 2\ny = 3\nw = torch.ones(3)")
    assert rebound.output_name == "w"
    leaves = run("x = torch.ones(2, requires_grad=True)\nw = torch.zeros(2)")
    assert leaves.output_name == "w"
    # `del` of that tensor: the latest still bound (the run failed with the bare message "'y'", no line)
    deleted = run("x = torch.ones(2, requires_grad=True)\ny = x * 2\nz = y.sum()\ndel z\nprint(x)")
    assert deleted.output_name == "y" and deleted.printed == ["tensor([1., 1.], requires_grad=True)"]
    all_gone = run("x = torch.ones(2, requires_grad=True)\ny = x * 2\ndel y\ndel x")
    assert all_gone.output is None


def test_tuple_unpacking_and_subscript_assignment() -> None:
    result = run("a, (b, c) = 1, [2, 3]\nt = torch.zeros(3)\nt[1] = 5.0\nu, v = torch.tensor([7.0, 8.0])")
    ns = result.namespace
    assert (ns["a"], ns["b"], ns["c"]) == (1, 2, 3)
    assert torch.equal(ns["t"], torch.tensor([0.0, 5.0, 0.0]))  # type: ignore[arg-type]
    assert float(ns["v"]) == 8.0  # type: ignore[arg-type]
    assert fails("a, b = 1, 2, 3", "runtime").message == "too many values to unpack (expected 2)"


STARRED = """import torch
layers = [torch.ones(2) * k for k in range(5)]
first, *rest = layers
*init, last = [1, 2, 3]
a, *middle, z = "abcde"
head, *empty = [7]
for k, *others in [(1, 2, 3), (4,)]:
    print(k, others)
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
p, *q = x * 2
total = p + sum(q)
print(first.tolist(), len(rest), rest[-1].tolist(), init, last, a, middle, z, head, empty, total.item())
"""


def test_a_starred_target_takes_a_list_of_what_is_left_as_in_cpython() -> None:
    names, printed = cpython(STARRED)
    result = run(STARRED)
    assert result.printed == printed
    for name in ("init", "last", "a", "middle", "z", "head", "empty"):
        assert result.namespace[name] == names[name], name
    assert isinstance(result.namespace["rest"], list) and isinstance(result.namespace["q"], list)
    with pytest.raises(ValueError) as python:
        exec("a, *b, c = [1]", {})  # noqa: S102 (trusted test code: the oracle)
    assert fails("a, *b, c = [1]", "runtime").message == str(python.value)
    assert fails("a, *b, *c = [1, 2, 3]", "forbidden").message == "multiple starred expressions in assignment"


def test_a_tensor_unpacked_into_names_is_checked_before_its_rows_are_made() -> None:
    """Unpacking makes a tensor per row: a count of names that cannot match is CPython's error at
    once, and the rows a starred name takes count against max_loop_iterations, as a `for` over the
    tensor does (before, `a, *b = torch.zeros(10**6)` made 10⁶ rows: 2 s and 600 MB)."""
    for source in (
        "a, b = torch.zeros(10**6)",
        "a, b, c = torch.zeros(2)",
        "a, b = torch.tensor(1.0)",
        "a, *b, c, d = torch.zeros(2)",
    ):
        with pytest.raises((ValueError, TypeError)) as python:
            exec(f"import torch\n{source}", {})  # noqa: S102 (trusted test code: the oracle)
        assert fails(f"import torch\n{source}", "runtime").message == str(python.value), source
    error = fails("import torch\nfirst, *rest = torch.zeros(10**6)", "limit")
    assert "unpacking would take this tensor's 1000000 rows" in error.message
    assert "max_loop_iterations" in error.message and error.line == 2
    # within the budget it runs as CPython does, and its rows count as loop turns
    names = run("import torch\nfirst, *rest = torch.arange(6.0)\nfor k in range(3):\n    pass").namespace
    assert float(names["first"]) == 0.0 and [float(r) for r in names["rest"]] == [1.0, 2.0, 3.0, 4.0, 5.0]  # type: ignore[attr-defined]
    assert (
        fails(
            "import torch\na, *b = torch.zeros(60)\nfor k in range(50):\n    pass",
            "limit",
            max_loop_iterations=100,
        ).line
        == 3
    )


def test_augmented_assignment_is_in_place_on_tensors() -> None:
    result = run("x = torch.ones(2)\nalias = x\nx += 1\nx *= 3\nx -= 1\nx /= 5\nn = 2\nn **= 10")
    ns = result.namespace
    assert ns["alias"] is ns["x"]
    assert torch.allclose(ns["x"], torch.full((2,), 1.0))  # type: ignore[arg-type]
    assert ns["n"] == 1024


def test_augmented_assignment_on_leaf_needing_grad_is_pytorch_error() -> None:
    error = fails("x = torch.ones(2, requires_grad=True)\nx += 1", "runtime")
    assert "a leaf Variable that requires grad is being used in an in-place operation" in error.message
    assert error.line == 2


def test_augmented_assignment_on_attributes_and_items() -> None:
    source = """w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w * w).sum()
loss.backward()
with torch.no_grad():
    w -= 0.25 * w.grad
w.grad.zero_()
w.data *= 2
t = torch.zeros(3)
t[0] += 4
"""
    ns = run(source).namespace
    assert torch.allclose(ns["w"], torch.tensor([1.0, 2.0]))  # type: ignore[arg-type]
    assert torch.equal(ns["w"].grad, torch.zeros(2))  # type: ignore[union-attr]
    assert torch.equal(ns["t"], torch.tensor([4.0, 0.0, 0.0]))  # type: ignore[arg-type]


def test_no_grad_and_enable_grad() -> None:
    source = """x = torch.tensor(2.0, requires_grad=True)
with torch.no_grad():
    y = x * 2
    with torch.enable_grad():
        z = x * 3
with no_grad():
    q = x + 1
"""
    ns = run(source).namespace
    assert ns["y"].requires_grad is False and ns["y"].grad_fn is None  # type: ignore[union-attr]
    assert ns["z"].requires_grad is True and ns["q"].requires_grad is False  # type: ignore[union-attr]
    assert torch.is_grad_enabled()


def test_grad_mode_is_restored_after_an_error() -> None:
    fails("x = torch.ones(1)\nwith torch.no_grad():\n    y = x + undefined_name", "runtime")
    assert torch.is_grad_enabled()


def test_for_loops_bind_the_variable_and_share_the_budget() -> None:
    ns = run("total = 0\nfor i in range(2, 10, 3):\n    total += i").namespace
    assert ns["total"] == 2 + 5 + 8 and ns["i"] == 8
    run("for i in range(10):\n    for j in range(10):\n        pass", max_loop_iterations=110)
    error = fails(
        "for i in range(10):\n    for j in range(10):\n        pass", "limit", max_loop_iterations=100
    )
    assert "max_loop_iterations" in error.message and error.line == 2
    fails("for i in range(2.5):\n    pass", "runtime")


def test_print_collects_text() -> None:
    result = run('x = torch.tensor([1.0, 2.0])\nprint("x is", x, x.shape, sep=" | ")\nprint(3 * 2)')
    assert result.printed == ["x is | tensor([1., 2.]) | torch.Size([2])", "6"]
    assert run("print(1, end='')\nprint(2, 3, sep='-', end='!\\n', flush=True)").printed == ["12-3!"]
    assert "file=" in fails("print(1, file=None)", "forbidden").message


def test_print_output_is_capped() -> None:
    result = run("x = torch.zeros(1000)\nfor i in range(200):\n    print(x.tolist())")
    assert sum(len(line) for line in result.printed) < 100_200
    assert "printing stops" in result.printed[-1]


def test_attributes_are_safe_descriptions() -> None:
    source = """x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x ** 2).sum()
a = y.grad_fn
b = x.grad_fn
c = x.dtype
d = x.is_leaf
e = y.is_leaf
f = x.requires_grad
g = x.shape
h = x.T
k = x.ndim
m = (x.size(), x.dim(), x.numel(), x.tolist(), y.item())
"""
    ns = run(source).namespace
    assert ns["a"] == "SumBackward0" and ns["b"] is None and ns["c"] == "torch.float32"
    assert (ns["d"], ns["e"], ns["f"], ns["k"]) == (True, False, True, 1)
    assert ns["g"] == torch.Size([2])
    assert ns["m"] == (torch.Size([2]), 1, 2, [1.0, 2.0], 5.0)


def test_grad_assignment_and_settable_attributes() -> None:
    source = """x = torch.tensor(1.0, requires_grad=True)
(x * 2).backward()
g1 = x.grad.item()
x.grad = None
(x * 5).backward()
w = torch.ones(2)
w.requires_grad = True
"""
    ns = run(source).namespace
    assert ns["g1"] == 2.0 and float(ns["x"].grad) == 5.0  # type: ignore[union-attr, arg-type]
    assert ns["w"].requires_grad  # type: ignore[union-attr]
    fails("x = torch.ones(1)\nx.grad = 3", "runtime")
    fails("x = torch.ones(1)\nx.requires_grad = 1", "runtime")


def test_non_leaf_grad_read_warns_in_the_lecture_words() -> None:
    result = run("x = torch.tensor(2.0, requires_grad=True)\nz = x * x\nz.backward()\ng = z.grad")
    assert result.namespace["g"] is None
    assert any("retain_grad" in w and "line 4" in w for w in result.warnings)
    kept = run(
        "x = torch.tensor(2.0, requires_grad=True)\nz = x * x\nz.retain_grad()\nz.backward()\ng = z.grad"
    )
    assert float(kept.namespace["g"]) == 1.0 and kept.warnings == []  # type: ignore[arg-type]


def test_indexing_and_slicing() -> None:
    source = """t = torch.arange(24.0).reshape(2, 3, 4)
a = t[1, :, ::2]
b = t[..., 1]
c = t[None, 0].shape
d = t[0][torch.tensor([2, 0])]
e = [10, 20, 30][1:]
f = (1, 2, 3)[-1]
"""
    ns = run(source).namespace
    t = torch.arange(24.0).reshape(2, 3, 4)
    assert torch.equal(ns["a"], t[1, :, ::2]) and torch.equal(ns["b"], t[..., 1])  # type: ignore[arg-type]
    assert ns["c"] == torch.Size([1, 3, 4])
    assert torch.equal(ns["d"], t[0][torch.tensor([2, 0])])  # type: ignore[arg-type]
    assert ns["e"] == [20, 30] and ns["f"] == 3
    fails("a = 5\nb = a[0]", "runtime")


def test_comparisons_and_boolean_operators() -> None:
    source = """x = torch.tensor([1.0, 5.0])
a = x > 2
b = 1 < 2 <= 2
c = x.grad is None
d = (x.sum() > 3) and (x.sum() < 10)
e = not (1 == 2)
f = x.shape == (2,)
g = torch.where(x > 2, x, -x)
h = 0 or 7
"""
    ns = run(source).namespace
    assert torch.equal(ns["a"], torch.tensor([False, True]))  # type: ignore[arg-type]
    assert ns["b"] is True and ns["c"] is True and bool(ns["d"]) and ns["e"] is True and ns["f"] is True
    assert torch.equal(ns["g"], torch.tensor([-1.0, 5.0])) and ns["h"] == 7  # type: ignore[arg-type]
    error = fails("x = torch.ones(3)\ny = x and 1", "runtime")
    assert "ambiguous" in error.message


def test_arithmetic_operators_on_numbers_and_tensors() -> None:
    ns = run(
        "a = 7 // 2\nb = 7 % 3\nc = 2 ** -1\nd = 1 << 4\ne = 256 >> 2\nf = -(+3)\ng = ~torch.tensor(True)"
    ).namespace
    assert (ns["a"], ns["b"], ns["c"], ns["d"], ns["e"], ns["f"]) == (3, 1, 0.5, 16, 64, -3)
    assert bool(ns["g"]) is False
    m = run("A = torch.tensor([[1.0, 2.0], [3.0, 4.0]])\nv = torch.tensor([1.0, 1.0])\nr = A @ v").namespace
    assert torch.equal(m["r"], torch.tensor([3.0, 7.0]))  # type: ignore[arg-type]
    assert run("a = [1] * 3").namespace["a"] == [1, 1, 1]
    assert "unsupported operand" in fails("a = [1] - 3", "runtime").message  # Python's own message


def test_call_spellings_reach_the_same_function() -> None:
    source = """p = torch.tensor([0.2, 0.9])
y = torch.tensor([0.0, 1.0])
a = torch.nn.functional.binary_cross_entropy(p, y)
b = F.binary_cross_entropy(p, y)
c = nn.functional.binary_cross_entropy(p, y)
d = torch.sin(p)
e = sin(p)
f = F.mse_loss(p, y, reduction='sum')
g = mse_loss(p, y) if False else F.l1_loss(p, y)
"""
    error = fails(source, "forbidden")  # only F.mse_loss is spelled bare-less, as in PyTorch
    assert "mse_loss(...) is not a function" in error.message and error.line == 9
    ns = run(source.replace("mse_loss(p, y) if False", "F.mse_loss(p, y) if False")).namespace
    assert float(ns["a"]) == float(ns["b"]) == float(ns["c"])  # type: ignore[arg-type]
    assert torch.equal(ns["d"], ns["e"])  # type: ignore[arg-type]
    assert float(ns["f"]) == pytest.approx(0.2**2 + 0.1**2)  # type: ignore[arg-type]
    assert float(ns["g"]) == pytest.approx((0.2 + 0.1) / 2)  # type: ignore[arg-type]


def test_python_builtins_on_numbers_and_tensors() -> None:
    source = """a = max(1, 5)
b = min([4, 2, 9])
c = abs(-3)
d = sum([1, 2, 3])
e = max(torch.tensor([1.0, 4.0]))
f = abs(torch.tensor([-2.0]))
g = len(torch.zeros(4, 2))
h = float(torch.tensor(2.5))
k = int(3.9)
"""
    ns = run(source).namespace
    assert (ns["a"], ns["b"], ns["c"], ns["d"], ns["g"], ns["h"], ns["k"]) == (5, 2, 3, 6, 4, 2.5, 3)
    assert float(ns["e"]) == 4.0 and float(ns["f"][0]) == 2.0  # type: ignore[arg-type, index]
    assert torch.equal(run("s = sum([torch.ones(2), torch.ones(2)])").namespace["s"], torch.full((2,), 2.0))  # type: ignore[arg-type]
    error = fails("s = sum([torch.ones(2000, 1), torch.ones(1, 2000)])", "limit", max_tensor_elements=10**6)
    assert "max_tensor_elements" in error.message  # the broadcast of the items is predicted first


def test_max_with_dim_returns_pytorchs_named_tuple() -> None:
    ns = run(
        "v, i = torch.max(torch.tensor([[1.0, 9.0], [3.0, 2.0]]), 1)\nr = torch.max(torch.ones(2), 0)"
    ).namespace
    assert torch.equal(ns["v"], torch.tensor([9.0, 3.0])) and torch.equal(ns["i"], torch.tensor([1, 0]))  # type: ignore[arg-type]
    assert isinstance(ns["r"], torch.return_types.max)  # PyTorch's own result, printed as PyTorch prints it


def test_dtype_constants_and_manual_seed_returns_nothing() -> None:
    ns = run(
        "s = torch.manual_seed(0)\nx = torch.tensor([1, 2], dtype=torch.float64)\np = torch.pi"
    ).namespace
    assert ns["s"] is None and ns["x"].dtype == torch.float64 and ns["p"] == pytest.approx(3.14159265)  # type: ignore[union-attr]


def test_random_numbers_follow_the_seed_and_do_not_leak() -> None:
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    ns = run("torch.manual_seed(42)\nX = torch.randn(100, 2)").namespace
    torch.manual_seed(42)
    assert torch.equal(ns["X"], torch.randn(100, 2))  # type: ignore[arg-type]
    torch.manual_seed(123)
    run("torch.manual_seed(42)\nX = torch.randn(3)")
    assert torch.equal(torch.rand(1), before)


UNSEEDED = "X = torch.randn(3)\nlayer = torch.nn.Linear(3, 2)\nW = layer.weight\nkeep = torch.rand(4) > 0.5"


def unseeded_oracle() -> dict[str, torch.Tensor]:
    """The same program as CPython runs it after torch.manual_seed(0)."""
    torch.manual_seed(0)
    X = torch.randn(3)
    W = torch.nn.Linear(3, 2).weight
    return {"X": X, "W": W, "keep": torch.rand(4) > 0.5}


def test_a_program_that_never_seeds_draws_as_after_manual_seed_0_whatever_the_process_drew() -> None:
    expected = unseeded_oracle()
    for seed in (123, 7):  # the process's generator in any state: a restart, another replica
        torch.manual_seed(seed)
        torch.rand(5)
        before = torch.get_rng_state()
        ns = run(UNSEEDED).namespace
        for name, value in expected.items():
            assert torch.equal(ns[name], value), name  # type: ignore[arg-type]
        assert torch.equal(torch.get_rng_state(), before)  # and the process's generator is left alone


def test_dropout_draws_as_cpython_does_after_manual_seed_0() -> None:
    """nn.Dropout makes no parameters but draws when called: a program using only it draws too."""
    torch.manual_seed(0)
    expected = torch.nn.Dropout(0.5)(torch.ones(16))
    for seed in (3, 4):
        torch.manual_seed(seed)
        ns = run("drop = nn.Dropout(0.5)\ny = drop(torch.ones(16))").namespace
        assert torch.equal(ns["y"], expected)  # type: ignore[arg-type]


def test_a_program_that_seeds_itself_still_gets_its_own_seed() -> None:
    ns = run("a = torch.randn(2)\ntorch.manual_seed(5)\nb = torch.randn(2)").namespace
    torch.manual_seed(0)
    a = torch.randn(2)
    torch.manual_seed(5)
    assert torch.equal(ns["a"], a) and torch.equal(ns["b"], torch.randn(2))  # type: ignore[arg-type]


def test_errors_carry_types_and_positions() -> None:
    error = fails("x = 1\ny = (", "syntax")
    assert error.line == 2
    error = fails("a = 1\nb = torch.ones(2) @ torch.ones(3)", "runtime")
    with pytest.raises(RuntimeError) as direct:
        torch.ones(2) @ torch.ones(3)
    assert error.line == 2 and error.column == 4 and error.message == str(direct.value)
    error = fails("y = undefined + 1", "runtime")
    assert error.message == "name 'undefined' is not defined" and error.column == 4
    error = fails("x = torch.ones(1)\nx.sum(dim=5)", "runtime")
    assert "Dimension out of range" in error.message


def test_backward_errors_are_autograd_with_the_statement_line() -> None:
    error = fails("x = torch.ones(2)\ny = (x * 2).sum()\ny.backward()", "autograd")
    assert "does not require grad" in error.message and error.line == 3
    error = fails("x = torch.ones(2, requires_grad=True)\ny = x * 2\ny.backward()", "autograd")
    assert "grad can be implicitly created only for scalar outputs" in error.message
    error = fails(
        "x = torch.tensor(1.0, requires_grad=True)\ny = x * x\ny.backward()\ny.backward()", "autograd"
    )
    assert "Trying to backward through the graph a second time" in error.message and error.line == 4
    fails("x = torch.ones(1, requires_grad=True)\n(x * 2).sum().backward(gradient=3)", "runtime")
    fails("x = torch.ones(1, requires_grad=True)\n(x * 2).sum().backward(retain_graph=1)", "runtime")
    fails("x = torch.ones(1, requires_grad=True)\n(x * 2).sum().backward(foo=True)", "runtime")


def test_limits_from_settings_copies_every_limit() -> None:
    settings = Settings(max_source_chars=123, max_int_bits=77, max_wall_seconds=1.5)
    built = limits_from_settings(settings)
    assert (built.max_source_chars, built.max_int_bits, built.max_wall_seconds) == (123, 77, 1.5)
    assert built.max_operations == settings.max_operations
    assert set(vars(built)) == set(vars(limits()))


def test_observer_sees_every_tensor_expression_and_binding() -> None:
    observer = RecordingObserver()
    run_program("y = torch.sin(x) * 2\nz = y.sum()", {"x": [1.0, 2.0]}, limits(), observer)
    texts = [text for _, _, text in observer.tensors]
    assert texts == ["torch.sin(x)", "torch.sin(x) * 2", "y.sum()"]
    assert [name for name, _, _ in observer.assigns] == ["x", "y", "z"]
    _, span, _ = observer.tensors[1]
    assert (span.line, span.column, span.end_column) == (1, 4, 20)


def test_error_columns_count_characters() -> None:
    error = fails("α = torch.ones(2)\nβ = α @ torch.ones(3)", "runtime")
    assert (error.line, error.column, error.end_column) == (2, 4, 21)
    error = fails("α = 1\nβ = α.__class__", "forbidden")
    assert (error.line, error.column) == (2, 4)


def test_backward_goes_through_the_observer() -> None:
    observer = RecordingObserver()
    source = """x = torch.tensor([1.0, 2.0], requires_grad=True)
Q = 3 * x ** 3
Q.backward(gradient=torch.ones_like(Q), retain_graph=True)
g, = torch.autograd.grad([Q.sum()], [x], create_graph=True)
"""
    result = run_program(source, None, limits(), observer)
    assert result.backward_calls == 2
    first, second = observer.requests
    assert first.kind == "backward" and first.output_names == ("Q",) and first.retain_graph is True
    assert (first.span.line, first.span.column, first.span.end_column) == (3, 0, 58)
    assert len(first.grad_outputs) == 1 and first.create_graph is False
    assert second.kind == "grad" and second.output_names == (None,) and second.create_graph is True
    assert second.span.line == 4
    g = result.namespace["g"]
    assert isinstance(g, torch.Tensor) and g.grad_fn is not None
    assert torch.allclose(g, torch.tensor([9.0, 36.0]))


def test_observer_errors_that_are_program_errors_pass_through() -> None:
    from autograd_explorer.errors import ProgramError

    class Refusing(RecordingObserver):
        def run_backward(self, request):  # type: ignore[no-untyped-def]
            raise ProgramError("limit", "graph too large for the tracer")

    with pytest.raises(ProgramError) as info:
        run_program(
            "x = torch.ones(1, requires_grad=True)\n(x * 2).sum().backward()", None, limits(), Refusing()
        )
    assert info.value.type == "limit" and info.value.message == "graph too large for the tracer"


def test_only_programs_using_randomness_take_the_random_lock() -> None:
    import ast

    from autograd_explorer.lang.run import uses_randomness

    assert uses_randomness(ast.parse("torch.manual_seed(1)\nx = randn(3)"))
    assert uses_randomness(ast.parse("x = torch.rand(2)"))
    assert not uses_randomness(ast.parse("x = torch.ones(2) * 3"))


def test_observer_sees_in_place_statements_and_loop_bindings() -> None:
    observer = RecordingObserver()
    source = "y = torch.ones(2)\nfor i in range(2):\n    y += i\ny[0] = 7.0"
    run_program(source, None, limits(), observer)
    texts = [text for _, _, text in observer.tensors]
    assert texts == ["torch.ones(2)", "y += i", "y += i", "y[0] = 7.0"]
    assert [name for name, _, _ in observer.assigns] == ["y", "i", "y", "i", "y"]
    _, _, loop_span = observer.assigns[1]
    assert (loop_span.line, loop_span.column, loop_span.end_column) == (2, 4, 5)


def test_grad_request_names_list_outputs() -> None:
    observer = RecordingObserver()
    source = """a = torch.tensor(1.0, requires_grad=True)
b = a * 2
c = a * 3
ga, = torch.autograd.grad([b, c], [a], grad_outputs=[torch.tensor(1.0), torch.tensor(2.0)])
"""
    result = run_program(source, None, limits(), observer)
    (request,) = observer.requests
    assert request.output_names == ("b", "c") and len(request.grad_outputs) == 2
    assert float(result.namespace["ga"]) == 2 + 2 * 3  # type: ignore[arg-type]


def test_integer_powers_up_to_the_limit_are_computed() -> None:
    ns = run("a = 2 ** 4095\nb = (-3) ** 2000\nc = 1 ** (10 ** 1000)\nd = 10 ** 1232").namespace
    assert ns["a"] == 2**4095 and ns["b"] == 3**2000 and ns["c"] == 1 and ns["d"] == 10**1232


def test_dtype_text_is_accepted_back_as_a_dtype() -> None:
    ns = run("x = torch.ones(2, dtype=torch.float64)\ny = torch.zeros(3, dtype=x.dtype)").namespace
    assert ns["y"].dtype == torch.float64  # type: ignore[union-attr]


def test_loss_with_broadcasting_shapes_warns() -> None:
    source = "p = torch.zeros(3, 1)\ny = torch.ones(3)\nl = F.mse_loss(p, y)\nk = F.mse_loss(y, y)"
    result = run(source)
    assert result.warnings == [
        "line 3: F.mse_loss got input of shape [3, 1] and target of shape [3]; they broadcast, "
        "which is rarely intended"
    ]
    assert float(result.namespace["l"]) == 1.0  # type: ignore[arg-type]  # (0 − 1)² averaged over 3×3


def test_an_unknown_attribute_is_pythons_attribute_error() -> None:
    # Not an API the table leaves out (those are refused before running): a typo, as CPython says it.
    error = fails("y = torch.ones(1)\nz = y.foo", "runtime")
    assert error.message == "'Tensor' object has no attribute 'foo'" and error.line == 2
    source = "class A:\n    pass\na = A()\nb = a.missing"
    assert fails(source, "runtime").message == "'A' object has no attribute 'missing'"


def test_a_failed_backward_ends_the_run_as_in_python_and_the_run_is_kept_when_asked() -> None:
    source = (
        "x = torch.tensor(4.0, requires_grad=True)\ny = torch.sqrt(x)\ny.add_(1)\nz = 3 * y\n"
        "print('before')\nz.backward()\nprint('after')\nw = z * 2\n"
    )
    error = fails(source, "autograd")
    assert error.line == 6
    kept = run_program(source, None, limits(), PlainObserver(), keep_stopped=True)
    assert kept.stopped is not None and kept.stopped.error.type == "autograd" and kept.stopped.error.line == 6
    assert kept.printed == ["before"]  # nothing after the failed statement ran, as in CPython
    assert "w" not in kept.namespace and kept.namespace["z"].grad_fn is not None
    assert kept.output is kept.namespace["z"]
    # Any other error is still the run's error, kept or not.
    with pytest.raises(Exception, match="not defined"):
        run_program("y = q + 1\n", None, limits(), PlainObserver(), keep_stopped=True)


@pytest.mark.parametrize(
    "update",
    [
        "w -= 0.1 * w.grad",  # an augmented assignment
        "w.sub_(0.1 * w.grad)",  # a method that changes its tensor
        "step(w)",  # inside a function, where w is the function's own name
        "holder.p -= 0.1 * holder.p.grad",  # an attribute
    ],
)
def test_a_run_kept_after_an_in_place_error_names_the_tensor_it_was_changing(update: str) -> None:
    source = (
        "w = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "def step(p):\n    p -= 0.1 * p.grad\n"
        "class Holder:\n    def __init__(self, p):\n        self.p = p\n"
        "holder = Holder(w)\n"
        "loss = (w * w).sum()\nloss.backward()\n" + update + "\n"
    )
    kept = run_program(source, None, limits(), PlainObserver(), keep_stopped=True)
    assert kept.stopped is not None and kept.stopped.error.type == "runtime"
    assert "leaf Variable that requires grad" in kept.stopped.error.message
    assert kept.stopped.changing is kept.namespace["w"]


def test_an_error_that_changes_nothing_in_place_names_no_tensor() -> None:
    source = "w = torch.ones(2, requires_grad=True)\nv = w * 2\nu = v @ torch.ones(3)\n"
    kept = run_program(source, None, limits(), PlainObserver(), keep_stopped=True)
    assert kept.stopped is not None and kept.stopped.error.line == 3 and kept.stopped.changing is None
    assert kept.output is kept.namespace["v"]  # the graph made before it


BACKWARD_INPUTS = """import torch
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
(a * b).backward(inputs=[a])
print(a.grad, b.grad)
c = a * b * b
torch.autograd.backward(c, inputs=b)
print(a.grad, b.grad)
x = torch.tensor(3.0, requires_grad=True)
h = x * 2
(h ** 2).backward(inputs=[h])
print(h.grad, x.grad)
"""


def test_backward_adds_only_to_the_inputs_it_is_given() -> None:
    """`loss.backward(inputs=[a])`: .grad of a alone (d(ab)/da = b = 2; then d(ab²)/db = 2ab = 4 is
    added to b's alone, and a non-leaf h given as an input gets d(h²)/dh = 2h = 12, x nothing)."""
    got = run(BACKWARD_INPUTS)
    assert got.printed == cpython(BACKWARD_INPUTS)[1]
    assert got.printed == ["tensor(2.) None", "tensor(2.) tensor(4.)", "tensor(12.) None"]


def test_torch_autograd_backward_runs_as_in_cpython() -> None:
    """The functional form of t.backward(): several tensors at once, with seeds or without."""
    source = (
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\na = (x * 2).sum()\nb = (x ** 2).sum()\n"
        "torch.autograd.backward([a, b], grad_tensors=[torch.tensor(1.0), torch.tensor(0.5)])\n"
        "y = x * 3\ntorch.autograd.backward(y, torch.ones(2))\nprint(x.grad)\n"
    )
    _, printed = cpython("import torch\n" + source)
    assert run(source).printed == printed == ["tensor([6., 7.])"]
    error = fails(
        "x = torch.ones(1, requires_grad=True)\ntorch.autograd.backward(x * 2, inputs=[3])", "runtime"
    )
    assert "backward(): inputs must be a tensor or a list of tensors" in error.message
    error = fails("torch.autograd.backward([1, 2])", "runtime")
    assert "backward(): tensors must be a tensor or a list of tensors" in error.message


GRAD_UNUSED = """import torch
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
out = a * 3
print(torch.autograd.grad(out, [a, b], allow_unused=True, retain_graph=True))
print(torch.autograd.grad(out, [a, b], materialize_grads=True, retain_graph=True))
try:
    torch.autograd.grad(out, [a, b])
except RuntimeError as e:
    print(str(e))
"""


def test_an_input_grad_does_not_reach_is_none_zeros_or_pytorchs_error_as_asked() -> None:
    """allow_unused=True: None; materialize_grads=True: zeros (d(3a)/db = 0); neither: PyTorch's
    RuntimeError, which the program may catch (before, the explorer answered None)."""
    got = run(GRAD_UNUSED)
    assert got.printed == cpython(GRAD_UNUSED)[1]
    assert got.printed[:2] == ["(tensor(3.), None)", "(tensor(3.), tensor(0.))"]
    assert "appears to not have been used in the graph" in got.printed[2]
