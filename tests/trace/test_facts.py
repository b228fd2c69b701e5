"""facts: a pass as columns (the running sums against the plain loop, the steps rebuilt from them)."""

from __future__ import annotations

import torch

from autograd_explorer.lang.contract import LABEL_CHARS
from autograd_explorer.settings import Settings
from autograd_explorer.trace.backward_capture import read_saved, read_shown_saved
from autograd_explorer.trace.facts import MANY_SUMS, SAVED_KINDS, long_label, running_sums
from autograd_explorer.trace.naming import latex_symbol
from autograd_explorer.trace.tracer import TraceOptions, record_program


def accumulators(start: torch.Tensor, grads: list[torch.Tensor]) -> list[torch.Tensor]:
    """running_sums on the replay's layout: a step's grad_output, then each gradient followed by
    the slot its accumulator is written to (the gradient itself until then)."""
    tensors: list[torch.Tensor | None] = [None]
    for g in grads:
        tensors += [g, g]
    running_sums(start, tensors, list(range(1, len(tensors), 2)))
    assert all(a is g for a, g in zip(tensors[1::2], grads, strict=True))  # gradients left as they were
    return tensors[2::2]  # type: ignore[return-value]


def loop_sums(start: torch.Tensor, grads: list[torch.Tensor]) -> list[torch.Tensor]:
    """The oracle: `acc + g`, one contribution at a time, as the engine's order adds them."""
    out, total = [], start
    for g in grads:
        total = total + g
        out.append(total)
    return out


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.numpy().tobytes() == b.numpy().tobytes()


def test_many_float32_contributions_sum_to_the_loops_bits() -> None:
    torch.manual_seed(0)
    # magnitudes far apart, so the order of the additions shows in the last bits
    grads = [torch.randn(4, 8) * 10.0 ** torch.randint(-6, 6, ()).item() for _ in range(3 * MANY_SUMS)]
    grads[5][0, 0] = float("nan")
    grads[7][1, 1] = -0.0
    start = torch.randn(4, 8)
    added = accumulators(start, grads)
    for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
        assert same_bits(accumulated, expected)


def test_float64_and_a_start_that_is_a_view() -> None:
    grads = [torch.full((3,), 0.1, dtype=torch.float64) * (k + 1) for k in range(MANY_SUMS + 1)]
    start = torch.ones(3, dtype=torch.float64).expand(3)  # an expanded view, like a sum's gradient
    added = accumulators(start, grads)
    for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
        assert same_bits(accumulated, expected)


def test_what_numpy_cannot_add_is_added_by_torch() -> None:
    """Broadcast shapes, another dtype, a gradient that requires grad (create_graph): torch's `+`."""
    grads = [torch.ones(3) for _ in range(MANY_SUMS)] + [torch.ones(1)]
    start = torch.zeros(3, dtype=torch.float64)
    added = accumulators(start, grads)
    for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
        assert same_bits(accumulated, expected)
    graded = [torch.ones(2, requires_grad=True) * 2 for _ in range(MANY_SUMS)]
    added = accumulators(torch.zeros(2), graded)
    assert added[-1].tolist() == [2.0 * MANY_SUMS] * 2


def test_one_gradient_unlike_the_others_sends_all_to_torch() -> None:
    """The numpy path only when every gradient has the start's dtype and shape and none requires
    grad (read in one map): one broadcast shape, or one gradient that requires grad, among many."""
    torch.manual_seed(2)
    start = torch.randn(3)
    graded = torch.randn(3, requires_grad=True) * 1.0
    for odd in (torch.randn(1), graded, torch.randn(3, dtype=torch.float64)):
        grads = [torch.randn(3) for _ in range(2 * MANY_SUMS)]
        grads[MANY_SUMS] = odd
        added = accumulators(start, grads)
        for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
            assert accumulated.requires_grad == expected.requires_grad
            assert same_bits(accumulated.detach(), expected.detach())


def test_many_scalar_contributions_sum_to_the_loops_bits() -> None:
    """A shared scalar weight (a 0-d value per use): stacked as numbers, summed as the loop sums."""
    torch.manual_seed(1)
    for dtype in (torch.float32, torch.float64):
        grads = [torch.randn((), dtype=dtype) * 10.0 ** (k % 9 - 4) for k in range(2 * MANY_SUMS)]
        grads[3] = torch.tensor(-0.0, dtype=dtype)
        start = torch.tensor(0.25, dtype=dtype)
        added = accumulators(start, grads)
        for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
            assert same_bits(accumulated, expected)


def test_a_pass_as_columns_and_its_steps_as_objects_agree() -> None:
    """The replay's columns, step k rebuilt from them, and x's last accumulator: 3x² + 2x (by hand)."""
    source = "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * x + x\nz = (y * x).sum()\nz"
    facts = record_program(source, None, TraceOptions(format="compact"), Settings()).facts
    assert facts is not None
    p = facts.passes[-1]
    assert p.step_count == len(p.steps) == len(p.node) > 0
    assert p.start[-1] == len(p.to) == len(p.slot) and len(p.tensors) == p.step_count + 2 * len(p.to)
    for k, step in enumerate(p.steps):
        assert step.index == k and step.node == p.node[k]
        assert step.grad_output is p.tensors[p.at[k]]
        assert [(c.slot, c.to) for c in step.contributions] == list(
            zip(p.slot[p.start[k] : p.start[k + 1]], p.to[p.start[k] : p.start[k + 1]], strict=True)
        )
    x = facts.names.index("x")
    to_x = [c for step in p.steps for c in step.contributions if c.to == x]
    assert len(to_x) == 4  # x * x, + x, * x
    assert to_x[-1].accumulated.tolist() == [5.0, 16.0]


def test_symbols_are_latex_symbol_of_every_shown_name() -> None:
    """The symbols written directly for made-up names (z3 -> z_{3}), against naming.latex_symbol
    of each name shown: user names with digits (h2, z1, w_10), made-up ones past 9, leaves, f."""
    source = (
        "w_10 = torch.tensor([1.0, 2.0], requires_grad=True)\nz1 = w_10 * 2\nh2 = torch.sin(z1) + 1\n"
        "t = torch.ones(2, requires_grad=True)\n"
        "for _ in range(6):\n    h2 = torch.tanh(h2 * t) - 0.5\n(h2 * h2).sum()"
    )
    facts = record_program(source, None, TraceOptions(format="compact"), Settings()).facts
    assert facts is not None
    shown = facts.shown_names
    assert {"w_10", "z1", "h2", "f"} <= set(shown) and "z12" in shown  # named, made up past 9, output
    assert facts.symbols == [latex_symbol(n) for n in shown]


def test_shown_saved_values_are_read_saveds_shown_ones() -> None:
    """read_shown_saved leaves out sizes and strides only: what a node shows is the same, in order."""
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.randn(3, 5, requires_grad=True)
    outputs = [
        x @ w, (x * 2.0).sum(0), x.expand(2, 4, 3), x.t(), x.reshape(12), x.mean(1, keepdim=True),
        x[1:3], torch.cat([x, x]), x.pow(3), torch.softmax(x, 1), x.max(1)[0], x.sin(), x / (x + 1),
    ]  # fmt: skip
    for out in outputs:
        fn = out.grad_fn
        full, shown = read_saved(fn), read_shown_saved(fn)
        assert full is not None and shown is not None
        expected = [(k, v) for k, v in full.items() if isinstance(v, SAVED_KINDS)]
        got = [(k, v) for k, v in shown.items() if isinstance(v, SAVED_KINDS)]
        assert [k for k, _ in got] == [k for k, _ in expected], type(fn).__name__
        for (_, a), (_, b) in zip(got, expected, strict=True):  # tensors are unpacked anew each read
            assert torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b
    loss = (x @ w).sum()
    node = loss.grad_fn.next_functions[0][0]  # type: ignore[union-attr]
    loss.backward()  # frees the saved tensors
    assert read_saved(node) is None and read_shown_saved(node) is None


def test_a_long_call_is_labelled_as_the_code_spells_it_with_its_last_arguments_left_out() -> None:
    # SimpleNN's loss read "binarycrossentropy (criterion(model(X_train).squeeze…)": the op (on the
    # node's next line already) before a cut in the middle of an argument.
    assert long_label("criterion(model(X_train).squeeze(), y_train)", "BinaryCrossEntropyBackward0") == (
        "criterion(model(X_train).squeeze(), …)"
    )
    assert long_label('F.mse_loss(model(inputs), targets, reduction="sum")', "MseLossBackward0") == (
        "F.mse_loss(model(inputs), targets, …)"  # a keyword argument counts as one
    )
    assert long_label("torch.where(x > 0, torch.sin(x) * 2.0, torch.cos(x) / 3.0)", "WhereBackward0") == (
        "torch.where(x > 0, …)"
    )
    # No argument kept, not a call, or not one line: the op and the code's start, as before.
    stacked = "torch.stack([torch.sin(x), torch.cos(x), torch.exp(x), x])"
    assert long_label(stacked, "StackBackward0") == f"stack ({stacked[:32]}…)"
    summed = "a * b + torch.sin(c) * torch.cos(d) + torch.exp(e)"
    assert long_label(summed, "AddBackward0") == f"add ({summed[:32]}…)"
    # ast counts UTF-8 bytes (α is two): the cut is made at the argument all the same
    wide = "loss(α * model(x_input_values), y_target_values)"
    assert long_label(wide, "BinaryCrossEntropyBackward0") == "loss(α * model(x_input_values), …)"
    for text in [stacked, summed, wide, "criterion(model(X_train).squeeze(), y_train)"]:
        assert len(long_label(text, "MulBackward0")) <= LABEL_CHARS
