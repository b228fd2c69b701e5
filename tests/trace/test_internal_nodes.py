"""Internal nodes (made inside a library call, never seen by the program) are named by their call."""

from __future__ import annotations

from pathlib import Path

import torch

from autograd_explorer.lang.contract import Span
from autograd_explorer.settings import Settings
from autograd_explorer.trace.facts import NodeColumns, internal_note, making_calls
from autograd_explorer.trace.internal_values import SAVED
from autograd_explorer.trace.jobs import run_trace_job
from autograd_explorer.trace.tracer import TraceOptions, record_program

EINSUM_ATTENTION = (Path(__file__).parents[1] / "lang" / "corpus" / "pytorch_attention_einsum.py").read_text()


def columns_of(source: str) -> NodeColumns:
    recording = record_program(source, None, TraceOptions(format="compact"), Settings())
    assert recording.facts is not None
    return recording.facts.node_columns()


def where(span: Span | None) -> tuple[int, int, int, int] | None:
    return None if span is None else (span.line, span.column, span.end_line, span.end_column)


def test_the_einsum_calls_internal_nodes_carry_its_span_label_and_note() -> None:
    c = columns_of(EINSUM_ATTENTION)
    scores = c.label.index('torch.einsum("bid,bjd->bij", q, k)')
    assert c.op[scores] == "ViewBackward0"
    # what PyTorch built for it between q, k (x * 0.5, x.flip(1)) and its result
    inside = [i for i in range(c.label.index("x * 0.5") + 1, scores) if c.label[i] != "x.flip(1)"]
    assert {c.op[i] for i in inside} >= {
        "UnsqueezeBackward0",
        "PermuteBackward0",
        "BmmBackward0",
        "ViewBackward0",
    }
    for i in inside:
        assert where(c.span[i]) == where(c.span[scores]) == (12, 9, 12, 43)
        short = c.op[i].removesuffix("Backward0").lower()
        assert c.label[i] == f"{short} in torch.einsum(…)"  # the whole call is 42 characters: cut
        note = c.value_note[i]
        assert note is not None and note.startswith(
            f'{c.op[i]}: an internal node of torch.einsum("bid,bjd->bij", q, k) (line 12); '
            "the program never saw its value; shown as "
        )
        # each one's value read back from what PyTorch kept (internal_values.py)
        assert c.value[i] is not None and list(c.value[i].shape) == c.shape[i]
    # the bmm inside is the scores themselves, before einsum's last view (the oracle: torch.einsum
    # on the program's q and k, run here)
    torch.manual_seed(0)
    embedding = torch.randn(12, 4)
    x = embedding.index_select(0, torch.tensor([[1, 5, 7], [2, 2, 9]]).flatten()).view(2, 3, 4)
    bmm = next(i for i in inside if c.op[i] == "BmmBackward0")
    assert torch.equal(c.value[bmm], torch.einsum("bid,bjd->bij", x * 0.5, x.flip(1)))
    # the other two einsums' nodes are theirs, by line
    bmms = [i for i, op in enumerate(c.op) if op == "BmmBackward0"]
    assert [c.span[i].line for i in bmms if c.span[i]] == [12, 16, 20]
    assert all(note is None or "library call" not in note for note in c.value_note)


def test_both_forms_send_the_calls_label_and_span() -> None:
    settings = Settings()
    readable = run_trace_job({"source": EINSUM_ATTENTION, "jacobians": False}, settings)
    bmm = next(n for n in readable["nodes"] if n["op"] == "BmmBackward0")
    assert bmm["label"] == "bmm in torch.einsum(…)"
    assert bmm["span"] == {"line": 12, "column": 9, "end_line": 12, "end_column": 43}
    assert bmm["value"]["shape"] == [2, 3, 3] and "torch.einsum(" in bmm["value_note"]
    compact = run_trace_job({"source": EINSUM_ATTENTION, "format": "compact"}, settings)
    nodes = compact["nodes"]
    i = bmm["id"]
    assert nodes["texts"][nodes["label"][i]] == "bmm in torch.einsum(…)"
    assert nodes["span"][4 * i : 4 * i + 4] == [12, 9, 12, 43]


def test_nn_layers_internal_nodes_name_the_program_line_that_called_them() -> None:
    c = columns_of(
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\ntorch.manual_seed(0)\n"
        "mha = nn.MultiheadAttention(4, 2)\nfc = nn.Linear(4, 3)\nx = torch.randn(3, 1, 4)\n"
        "out, w = mha(x, x, x)\n"
        "loss = F.cross_entropy(fc(out.view(3, 4)), torch.tensor([0, 1, 2]))\n"
    )
    out = c.name.index("out")
    inside_mha = [i for i in range(out) if c.module[i] == "mha" and c.op[i] != "AccumulateGrad"]
    assert len(inside_mha) > 20  # projections, heads, two bmm, softmax…
    for i in inside_mha:  # the result was only named, by tuple unpacking: the label says whose it is
        assert c.label[i].endswith(" for out")
        assert where(c.span[i]) == where(c.span[out]) == (8, 0, 8, 3)
        assert c.value_note[i] is not None and "the call that made out (line 8)" in c.value_note[i]
    t = c.op.index("TBackward0", out)  # nn.Linear's weight, transposed inside fc(…)
    assert c.label[t] == "t in fc(out.view(3, 4))" and c.span[t] is not None and c.span[t].line == 9
    log_softmax = c.op.index("LogSoftmaxBackward0")  # F.cross_entropy is log_softmax, then nll_loss
    assert c.label[log_softmax] == "logsoftmax in F.cross_entropy(…)"
    assert where(c.span[log_softmax]) == where(c.span[c.op.index("NllLossBackward0")])


def test_a_backward_formulas_nodes_keep_the_internal_label() -> None:
    """create_graph: the formula's nodes end in the gradient the program names (`g`, `x.grad`);
    no call of the program made them."""
    head = "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x.sin() * x).sum()\n"
    for made, read in (
        ("g, = torch.autograd.grad(y, x, create_graph=True)\n", "g"),
        ("y.backward(create_graph=True)\n", "x.grad"),
    ):
        c = columns_of(head + made + f"h = {read}.pow(2).sum()\nh\n")
        formula = [
            i
            for i, op in enumerate(c.op)
            if op in ("CosBackward0", "MulBackward0")
            and (c.value_note[i] or "").startswith(internal_note(op))
        ]
        assert len(formula) == 4, made
        for i in formula:
            assert c.label[i] == c.op[i].removesuffix("Backward0").lower()
            assert c.span[i] is None
            # two of them were saved by the formula's next node (cos x, and 1·x): shown as saved
            assert c.value_note[i] in (internal_note(c.op[i]), internal_note(c.op[i]) + SAVED)
        cos = next(i for i in formula if c.op[i] == "CosBackward0")
        assert c.value[cos] is not None and torch.equal(c.value[cos], torch.tensor([1.0, 2.0]).cos())


def test_making_calls_takes_the_one_recorded_node_every_path_reaches_first() -> None:
    # 0 leaf; 1, 2, 3, 5, 7 internal; 4, 6, 8 recorded. 1 -> 2 -> 4 and 1 -> 3 -> 4: made by 4;
    # 5 feeds 6 and 8 (two calls): nobody's; 7 feeds the barrier 8 only (a formula's end): nobody's
    inputs: list[tuple[int | None, ...]] = [(), (0,), (1,), (1,), (2, 3), (0,), (5,), (0,), (5, 7, None)]
    assert making_calls(inputs, [1, 2, 3, 5, 7], set()) == {1: 4, 2: 4, 3: 4, 7: 8}
    assert making_calls(inputs, [1, 2, 3, 5, 7], {8}) == {1: 4, 2: 4, 3: 4}
    assert making_calls([(), (0,)], [1], set()) == {}  # a root no recorded node reads
