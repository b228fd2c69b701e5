"""record() on real models: gradients against torch.autograd.grad, module paths, the API schema."""

from __future__ import annotations

import copy
import gc
import json
import subprocess
import sys
import weakref
from typing import Any

import numpy as np
import pytest
import torch
from pydantic import TypeAdapter
from torch import nn

import autograd_explorer as ax
from autograd_explorer.notebook import live
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.payload import TraceResponse
from tests.notebook.models import MODELS, FailsMidway, InPlaceAfterSigmoid, build, loss_of

ALL_VALUES = {"max_value_elements": 1_000_000}
SCHEMA = TypeAdapter(TraceResponse)


def values(tv: dict[str, object]) -> torch.Tensor:
    assert not tv["truncated"]
    return torch.tensor(tv["data"], dtype=torch.float64)


def oracle(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Leaf gradients by torch.autograd.grad on an untouched copy, in float64."""
    twin = copy.deepcopy(model)
    names, params = zip(*twin.named_parameters(), strict=True)
    grads = torch.autograd.grad(loss_of(twin, x), params)
    return {f"model.{n}": g for n, g in zip(names, grads, strict=True)}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_recorded_gradients_modules_and_schema(name: str) -> None:
    model, x = build(name)
    expected = oracle(model, x)
    with ax.record(**ALL_VALUES) as rec:
        loss = loss_of(model, x)
        loss.backward()
    payload = rec.to_dict()
    SCHEMA.validate_python(payload)

    # Every parameter's recorded .grad (and the real one) equals the oracle's.
    assert set(expected) <= set(payload["grads"])
    for key, want in expected.items():
        got = values(payload["grads"][key]).reshape(want.shape)
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
        param = model.get_parameter(key.removeprefix("model."))
        torch.testing.assert_close(param.grad, want, rtol=1e-10, atol=1e-12)

    # Module paths are named_modules()' own, under the variable's name.
    modules = dict(model.named_modules())
    paths = {n["module"] for n in payload["nodes"] if n.get("module")}
    assert paths, "no node carries a module path"
    for path in paths:
        assert path == "model" or path.removeprefix("model.") in modules, path
    # The op that consumes a parameter ran in the forward of the module that owns it, or of one
    # containing it (MultiheadAttention reads out_proj.weight itself, never calling out_proj).
    nodes = payload["nodes"]
    consumers = 0
    for edge in payload["edges"]:
        source = nodes[edge["source"]]
        if source["op"] == "AccumulateGrad" and (source["name"] or "").startswith("model."):
            owner = source["name"].rsplit(".", 1)[0]
            ran = nodes[edge["target"]].get("module")
            assert ran is not None and (owner == ran or owner.startswith(ran + ".")), (owner, ran)
            consumers += owner == ran
    assert consumers >= 2

    # The backward pass ran in the engine's order and ends at the leaves.
    (backward,) = payload["passes"]
    assert backward["kind"] == "backward"
    assert payload["output"]["name"] == "loss"
    stepped = {nodes[s["node"]]["name"] for s in backward["steps"]}
    assert set(expected) <= stepped


def test_shared_module_accumulates_two_uses() -> None:
    model, x = build("shared")
    with ax.record(**ALL_VALUES) as rec:
        loss_of(model, x).backward()
    payload = rec.to_dict()
    nodes = payload["nodes"]
    weight = next(n["id"] for n in nodes if n["name"] == "model.fc.weight")
    consumers = [e for e in payload["edges"] if e["source"] == weight]
    assert len(consumers) == 2  # two uses, one leaf
    assert {nodes[e["target"]]["module"] for e in consumers} == {"model.fc"}
    # The two contributions the pass sent to the leaf add up to its .grad.
    sent = [
        values(i["contribution"])
        for s in payload["passes"][0]["steps"]
        for i in s["inputs"]
        if i["to"] == weight
    ]
    assert len(sent) == 2
    torch.testing.assert_close((sent[0] + sent[1]).reshape(3, 3), model.fc.weight.grad)


def test_model_raising_midway_keeps_the_graph_up_to_the_error() -> None:
    torch.manual_seed(0)
    model, x = FailsMidway().double(), torch.randn(2, 3, dtype=torch.float64)
    with pytest.raises(RuntimeError), ax.record() as rec:
        model(x)
    payload = rec.to_dict()
    SCHEMA.validate_python(payload)
    ops = [(n["op"], n.get("module")) for n in payload["nodes"]]
    assert ("AddmmBackward0", "model.fc1") in ops
    assert ("ReluBackward0", "model") in ops
    assert not any(m == "model.fc2" for _, m in ops)
    # Where and why it stopped, as the web trace says it (stopped.py): PyTorch's message, the line.
    with pytest.raises(RuntimeError) as raised:
        copy.deepcopy(model)(x)  # the oracle: the same model run without recording
    stopped = payload["stopped"]
    assert stopped["type"] == "runtime" and stopped["in_backward"] is False and stopped["node"] is None
    assert stopped["message"] == str(raised.value) and stopped["line"] is not None
    # The block never reached a backward(): none is shown (as the web trace), and no .grad is made.
    assert payload["passes"] == [] and payload["pass_summaries"]["count"] == 0
    assert model.fc1.weight.grad is None


@pytest.mark.parametrize("in_place", ["augmented", "method"])
def test_an_update_outside_no_grad_marks_the_parameter_it_was_changing(in_place: str) -> None:
    """Lecture 5's update without torch.no_grad(), in a notebook: the block stops there, and the
    recording says so and marks the parameter, as the web trace does (trace/stopped.py)."""
    torch.manual_seed(0)
    model, x = nn.Linear(3, 1).double(), torch.randn(4, 3, dtype=torch.float64)
    with pytest.raises(RuntimeError) as oracle:  # the oracle: PyTorch alone, the same update
        copy.deepcopy(model).weight.sub_(1.0)
    with pytest.raises(RuntimeError), ax.record() as rec:
        loss = model(x).pow(2).mean()
        loss.backward()
        for param in model.parameters():
            if in_place == "augmented":
                param -= 0.1 * param.grad
            else:
                param.sub_(0.1 * param.grad)
    payload = rec.to_dict()
    SCHEMA.validate_python(payload)
    stopped = payload["stopped"]
    assert stopped["message"] == str(oracle.value) and stopped["in_backward"] is False
    marked = payload["nodes"][stopped["node"]]
    assert marked["op"] == "AccumulateGrad" and marked["shape"] == [1, 3]  # the weight, parameters()'s first
    assert len(payload["passes"]) == 1 and payload["passes"][0]["steps"]  # the backward ran whole


def test_a_backward_the_engine_stops_marks_the_node_it_could_not_run() -> None:
    """A model's own backward() failing with "modified by an inplace operation" (PyTorch suggests
    anomaly detection to find where): the recording says which node, and the .grad PyTorch left."""
    torch.manual_seed(0)
    model, x = InPlaceAfterSigmoid().double(), torch.randn(2, 3, dtype=torch.float64)
    oracle = copy.deepcopy(model)
    with pytest.raises(RuntimeError, match="inplace operation"):
        oracle(x).backward()  # the oracle: PyTorch alone, the same model and input
    with pytest.raises(RuntimeError, match="inplace operation"), ax.record() as rec:
        model(x).backward()
    payload = rec.to_dict()
    SCHEMA.validate_python(payload)
    stopped = payload["stopped"]
    assert "modified by an inplace operation" in stopped["message"]
    assert payload["nodes"][stopped["node"]]["op"] == "SigmoidBackward0"
    assert not any("The block raised" in w for w in payload["warnings"])  # said once, by `stopped`
    # What the engine ran before it stopped left fc2's .grad and not fc1's, as PyTorch alone does.
    assert oracle.fc1.weight.grad is None and model.fc1.weight.grad is None
    assert oracle.fc2.weight.grad is not None and model.fc2.weight.grad is not None
    torch.testing.assert_close(model.fc2.weight.grad, oracle.fc2.weight.grad)
    assert json.loads(rec.page_json())["stopped"] == stopped  # what the page and the widget read


def test_explore_after_the_fact_leaves_grads_alone() -> None:
    model, x = build("mlp")
    expected = oracle(model, x)
    loss = loss_of(model, x)
    rec = ax.explore(loss, **ALL_VALUES)
    payload = rec.to_dict()
    SCHEMA.validate_python(payload)
    for key, want in expected.items():
        torch.testing.assert_close(values(payload["grads"][key]).reshape(want.shape), want)
        assert model.get_parameter(key.removeprefix("model.")).grad is None
    assert payload["output"]["name"] == "loss"
    assert len(payload["passes"][0]["steps"]) == len(payload["nodes"])


def test_names_and_lines_come_from_the_callers_code() -> None:
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    with ax.record() as rec:
        z1 = w * 3
        loss = z1.sum()
        loss.backward()
    payload = rec.to_dict()
    by_name = {n["name"]: n for n in payload["nodes"] if n["name"]}
    assert set(by_name) >= {"w", "z1", "loss"}
    assert by_name["z1"]["label"] == "w * 3"
    line = sys._getframe().f_lineno
    assert by_name["z1"]["span"]["line"] == line - 7
    assert by_name["loss"]["label"] == "z1.sum()"
    torch.testing.assert_close(w.grad, torch.tensor([3.0, 3.0]))


def test_import_stays_light() -> None:
    code = "import sys, autograd_explorer; assert 'fastapi' not in sys.modules and 'torch' not in sys.modules"
    code += (
        "; autograd_explorer.record; assert 'fastapi' not in sys.modules and 'anywidget' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_autograd_grad_and_functional_backward_are_recorded_passes() -> None:
    w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    unused = torch.tensor(1.0, requires_grad=True)
    with ax.record() as rec:
        y = (w**3).sum()
        (g,) = torch.autograd.grad(y, w, create_graph=True)
        with pytest.raises(RuntimeError, match="allow_unused"):  # torch's own refusal, kept
            torch.autograd.grad(y, [w, unused], retain_graph=True)
        z = g.sum()
        torch.autograd.backward(z)
    torch.testing.assert_close(g, 3 * w.detach() ** 2)
    torch.testing.assert_close(w.grad, 6 * w.detach())
    payload = rec.to_dict()
    SCHEMA.validate_python(payload)
    assert [p["kind"] for p in payload["passes"]] == ["grad", "grad", "backward"]
    torch.testing.assert_close(values(payload["passes"][-1]["grads"]["w"]), 6 * w.detach())
    assert payload["output"]["name"] == "z"


def test_functional_backward_is_recorded_where_torch_does_not_dispatch_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """torch 2.1's `torch.autograd.backward` hands itself to no TorchFunctionMode: record() then
    stands in for it during the block (notebook/live.py), here forced on the PyTorch installed
    (the test above covers the installed one's own)."""
    monkeypatch.setattr(live, "_backward_dispatches", lambda: False)
    original = torch.autograd.backward
    w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with ax.record() as rec:
        replaced = torch.autograd.backward is not original
        with ax.record():  # a nested block replaces nothing more, restores nothing early
            pass
        assert (torch.autograd.backward is not original) == replaced
        z = (w * w).sum()
        torch.autograd.backward([z], grad_tensors=[torch.tensor(2.0, dtype=torch.float64)])
    assert replaced
    assert torch.autograd.backward is original
    torch.testing.assert_close(w.grad, 4 * w.detach())
    payload = rec.to_dict()
    assert [p["kind"] for p in payload["passes"]] == ["backward"]
    torch.testing.assert_close(values(payload["passes"][0]["grads"]["w"]), 4 * w.detach())


def test_payload_is_shaped_when_shown_from_the_state_at_the_blocks_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograd_explorer.notebook import shaping

    built: list[str] = []
    for shaper in ("ReadableShaper", "CompactShaper"):
        real = getattr(shaping, shaper)

        def counted(*args: object, _real: type = real, _name: str = shaper) -> object:
            built.append(_name)
            return _real(*args)

        monkeypatch.setattr(shaping, shaper, counted)
    model, x = build("mlp")
    expected = oracle(model, x)
    before = {f"model.{k}": p.detach().clone() for k, p in model.named_parameters()}
    with ax.record(**ALL_VALUES) as rec:
        loss_of(model, x).backward()
    assert built == []  # the block paid for watching only
    # What a notebook cell may do before `rec` is shown: both change the leaves in place.
    torch.optim.SGD(model.parameters(), lr=0.5).step()
    model.zero_grad(set_to_none=False)
    payload = rec.to_dict()
    page = json.loads(rec.page_json())
    rec.to_dict(), rec.page_json()
    assert built == ["ReadableShaper", "CompactShaper"]  # each form once, then kept
    nodes = {n["name"]: n for n in payload["nodes"] if n["is_leaf"]}
    shown = {n["name"]: n for n in decode_compact(page)["nodes"] if n["is_leaf"]}
    for key, want in expected.items():
        for node in (nodes[key], shown[key]):
            torch.testing.assert_close(values(node["grad"]).reshape(want.shape), want)
            torch.testing.assert_close(values(node["value"]).reshape(want.shape), before[key])
        torch.testing.assert_close(values(payload["grads"][key]).reshape(want.shape), want)
    assert not torch.equal(model[0].weight.detach(), before["model.0.weight"])  # it did change


def test_module_paths_are_read_from_the_frames_with_no_global_hook() -> None:
    model, x = build("shared")
    hooks = torch.nn.modules.module

    def forward(m: nn.Module, inputs: torch.Tensor) -> torch.Tensor:  # the model called from a helper
        return m(inputs)

    with ax.record() as rec:
        # every nn.Module call keeps its fast path: no global forward hook is installed
        assert not hooks._global_forward_pre_hooks and not hooks._global_forward_hooks
        out = forward(model, x)
        loss = (out**2).mean()  # made outside any module
        loss.backward()
    nodes = rec.to_dict()["nodes"]
    module_of = {n["op"]: n.get("module") for n in nodes}
    assert module_of["TanhBackward0"] == "model"  # made in the user's own forward
    assert module_of["PowBackward0"] is None and module_of["MeanBackward0"] is None
    linear = sorted(n["module"] for n in nodes if n["op"] in ("AddmmBackward0", "TBackward0"))
    assert linear == ["model.fc"] * 4 + ["model.out"] * 2


def test_a_backward_called_in_a_helper_names_the_helpers_leaves_before_its_pass() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)

    def step() -> None:
        v = torch.tensor([3.0], requires_grad=True)  # named only in the helper's frame
        (w * v).sum().backward()

    with ax.record() as rec:
        step()
    (backward,) = rec.to_dict()["passes"]
    torch.testing.assert_close(values(backward["grads"]["v"]), torch.tensor([3.0], dtype=torch.float64))
    torch.testing.assert_close(values(backward["grads"]["w"]), torch.tensor([3.0, 3.0], dtype=torch.float64))


def test_the_scopes_modules_and_tensors_are_what_isinstance_finds_in_order() -> None:
    from autograd_explorer.notebook.shaping import modules_and_tensors

    class Twice(nn.Linear):
        pass

    scope: dict[str, object] = {
        "torch": torch,
        "n": 3,
        "w": nn.Parameter(torch.ones(2)),
        "Linear": nn.Linear,  # a class, not a module
        "net": nn.Sequential(Twice(2, 2)),
        "fn": len,
        "x": torch.zeros(3),
        "y": torch.zeros(3).as_subclass(torch.Tensor),
        "layer": Twice(1, 1),
    }
    expected = [(k, v) for k, v in scope.items() if isinstance(v, (nn.Module, torch.Tensor))]
    assert list(modules_and_tensors(scope)) == expected
    assert [k for k, _ in expected] == ["w", "net", "x", "y", "layer"]
    assert list(modules_and_tensors({"n": 1, "s": "text"})) == []


def test_the_type_cache_is_bounded_and_answers_the_same_after_clearing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each type is tested once and remembered, at most _MAX_TYPES of them (classes redefined cell
    after cell are not kept forever); cleared, it answers as isinstance does."""
    from autograd_explorer.notebook import shaping

    monkeypatch.setattr(shaping, "_MAX_TYPES", 3)
    monkeypatch.setattr(shaping, "_named_type", shaping._NamedTypes())
    kinds = [type(f"Cell{i}", (nn.Module if i % 2 else object,), {}) for i in range(8)]
    scope = {f"v{i}": kind() for i, kind in enumerate(kinds)}
    for _ in range(2):
        found = list(shaping.modules_and_tensors(scope))
        assert found == [(k, v) for k, v in scope.items() if isinstance(v, nn.Module)]
        assert len(shaping._named_type) <= 3


@pytest.mark.parametrize(
    "pieces",
    [
        lambda x: x.split([4, 2]),  # outputs of two shapes: summed together, the sum raised
        lambda x: x.chunk(2),  # one shape: summed together, each output's accumulator was wrong
    ],
    ids=["split", "chunk"],
)
def test_a_node_with_several_outputs_sums_each_outputs_gradients_apart(pieces: Any) -> None:
    """`a, b = x.split(…)` is one node read at two outputs (as nanoGPT's `q, k, v = ….split(…)`):
    PyTorch keeps a gradient per output; each contribution's accumulator is its own output's sum."""
    x = torch.randn(6, dtype=torch.float64, requires_grad=True)

    def loss_of_pieces(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        a, b = pieces(x)
        return (a * a).sum() + (a * 3).sum() + (b * b).sum() + b.sum(), a, b

    with ax.record() as rec:
        loss, _, _ = loss_of_pieces(x)
        loss.backward()
    twin = x.detach().clone().requires_grad_()
    twin_loss, a, b = loss_of_pieces(twin)
    expected = torch.autograd.grad(twin_loss, [a, b])  # the oracle: ∂loss/∂a, ∂loss/∂b

    facts, warnings = rec.finished.facts()  # type: ignore[union-attr]
    (node,) = facts.index.multi_output
    running: dict[int, torch.Tensor] = {}
    for step in facts.passes[-1].steps:
        for c in step.contributions:
            if c.to == node:  # a reference loop: each output's own running sum
                output = step.raw.fn.next_functions[c.slot][1]
                running[output] = c.grad if output not in running else running[output] + c.grad
                assert torch.equal(c.accumulated, running[output])
    assert sorted(running) == [0, 1]
    for output, grad in enumerate(expected):
        torch.testing.assert_close(running[output], grad)
    torch.testing.assert_close(x.grad, torch.cat(expected))
    assert any("several outputs" in w for w in warnings)
    SCHEMA.validate_python(rec.to_dict())


def test_a_node_with_several_outputs_shows_each_outputs_incoming_gradient() -> None:
    """The split node's step shows what the engine delivered to each output (∂loss/∂a, ∂loss/∂b),
    in the readable form and in the compact one the page decodes; a one-output node's step has no
    such list. Before, only output 0's gradient was sent."""
    x = torch.randn(6, dtype=torch.float64, requires_grad=True)
    with ax.record() as rec:
        a, b = x.split([4, 2])
        loss = (a * a).sum() + (b * 3).sum()
        loss.backward()
    twin = x.detach().clone().requires_grad_()
    ta, tb = twin.split([4, 2])
    expected = torch.autograd.grad((ta * ta).sum() + (tb * 3).sum(), [ta, tb])  # the oracle

    readable = rec.to_dict()
    SCHEMA.validate_python(readable)
    (node,) = rec.finished.facts()[0].index.multi_output  # type: ignore[union-attr]
    page = rec.finished.page()  # type: ignore[union-attr]
    decoded = decode_compact(dict(page))
    for form in (readable, decoded):
        (step,) = [s for s in form["passes"][-1]["steps"] if s["node"] == node]
        got = [np.asarray(g["data"], dtype=np.float64) for g in step["grad_outputs"]]
        assert [g.shape for g in got] == [(4,), (2,)]
        for g, want in zip(got, expected, strict=True):  # float32 in the compact form
            np.testing.assert_allclose(g, want.numpy(), rtol=1e-6)
        others = [s for s in form["passes"][-1]["steps"] if s["node"] != node]
        assert others and all("grad_outputs" not in s for s in others)
    (step,) = [s for s in readable["passes"][-1]["steps"] if s["node"] == node]
    assert "(one per output)" in step["narration"]


def test_an_lstm_sends_no_uninitialised_workspace() -> None:
    """The CPU LSTM's node saves a scratch buffer (mkldnn_rnn_layer's result3, uint8): its bytes are
    whatever the allocator left there, so its summary changed from run to run. Every other saved
    value stays, each an input, an output or an argument of the op."""
    model, x = build("lstm", torch.float32)
    with ax.record() as rec:
        loss_of(model, x).backward()
    (node,) = [n for n in rec.to_dict()["nodes"] if n["op"] == "MkldnnRnnLayerBackward0"]
    names = {s["name"] for s in node["saved"]}
    assert "result3" not in names
    assert {"input", "hx_", "cx_", "weight0", "result0", "result1", "result2"} <= names


def test_nodes_made_inside_a_library_call_have_no_span_of_their_own() -> None:
    """As the web trace's internal nodes: an nn.Sequential's layers ran inside `model(x)`, which the
    user's line wrote once; only the ops the line itself called carry its span (the page took three
    layers at one span for three turns of a loop)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x = torch.randn(2, 3)
    with ax.record() as rec:
        loss = model(x).sum()
        loss.backward()
    payload = rec.to_dict()
    ops = [n for n in payload["nodes"] if n["op"] != "AccumulateGrad"]
    inside = [n for n in ops if n.get("module")]
    assert {n["module"] for n in inside} == {"model.0", "model.1", "model.2"}
    assert all(n["span"] is None for n in inside)
    (summed,) = [n for n in ops if not n.get("module")]
    assert summed["op"] == "SumBackward0" and summed["span"]["line"] > 0


HELPERS = """import torch


def layer(x, w):
    h = x @ w
    return torch.tanh(h)


def two_layers(x, w):
    a = layer(x, w)
    return layer(a, w) * 2


def step(loss):
    loss.backward()
"""


def test_a_function_of_another_file_keeps_its_file_and_its_call_as_the_web_trace_labels_calls(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook often records a block that calls functions of an earlier cell or a module: their
    nodes' spans count lines in that file, so they say which (the inspector read "line 5" of the
    block), and each node says the call it was made in, `layer(x, w) at line 8`, as the web trace
    tags its program's calls (the page drew the two calls as two turns of a "loop at line 5")."""
    path = tmp_path / "ax_helpers_for_spans.py"
    path.write_text(HELPERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    helpers = __import__("ax_helpers_for_spans")
    source = HELPERS.splitlines()
    x = torch.ones(1, 2)
    w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    with ax.record() as rec:
        first = sys._getframe().f_lineno + 1
        a = helpers.layer(x, w)
        b = helpers.layer(a, w)
        c = helpers.two_layers(b, w)
        helpers.step(c.sum())
    payload = rec.to_dict()
    SCHEMA.validate_python(payload)
    ops = [n for n in payload["nodes"] if n["op"] not in ("AccumulateGrad", "SumBackward0")]
    assert [n["op"] for n in ops] == ["MmBackward0", "TanhBackward0"] * 4 + ["MulBackward0"]
    for node in ops:  # the oracle: the helper file's own text at the line the span names
        span = node["span"]
        assert span["file"] == str(path)
        assert source[span["line"] - 1][span["column"] : span["end_column"]] == node["label"]
    line_of = {text: k + 1 for k, text in enumerate(source)}
    inner = line_of["    a = layer(x, w)"], line_of["    return layer(a, w) * 2"]
    assert [n["call"] for n in ops] == [
        *[f"helpers.layer(x, w) at line {first}"] * 2,
        *[f"helpers.layer(a, w) at line {first + 1}"] * 2,
        *[f"layer(x, w) at line {inner[0]} of {path}"] * 2,  # the innermost call, as the web trace tags
        *[f"layer(a, w) at line {inner[1]} of {path}"] * 2,
        f"helpers.two_layers(b, w) at line {first + 2}",
    ]
    (summed,) = [n for n in payload["nodes"] if n["op"] == "SumBackward0"]
    assert "file" not in summed["span"] and summed["call"] is None  # the block's own line, no call
    assert summed["span"]["line"] == first + 3
    (backward,) = payload["passes"]
    assert backward["span"]["line"] == line_of["    loss.backward()"]
    assert backward["span"]["file"] == str(path)
    # the page's compact form says the same, decoded
    page = decode_compact(json.loads(rec.page_json()))
    assert [n["span"] for n in page["nodes"]] == [n["span"] for n in payload["nodes"]]
    assert [n["call"] for n in page["nodes"]] == [n["call"] for n in payload["nodes"]]
    # recording changed nothing: w.grad is the float64 oracle's
    w64 = w.detach().double().requires_grad_()
    h = x.double()
    for _ in range(4):
        h = torch.tanh(h @ w64)
    torch.testing.assert_close(w.grad, torch.autograd.grad(2 * h.sum(), w64)[0].float())


def test_a_comprehension_in_the_block_is_no_call() -> None:
    """Python 3.11 runs a comprehension in a frame of its own: its nodes are the block's line, no call."""
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    with ax.record() as rec:
        line = sys._getframe().f_lineno + 1
        parts = [w * k for k in range(1, 4)]
        loss = torch.stack(parts).sum()
        loss.backward()
    muls = [n for n in rec.to_dict()["nodes"] if n["op"] == "MulBackward0"]
    assert len(muls) == 3
    assert all(n["call"] is None and n["span"]["line"] == line and "file" not in n["span"] for n in muls)


def test_the_recording_lets_go_of_the_blocks_frame() -> None:
    """The block's frame holds its locals (a model, a batch): a recording kept in a list of them must
    not keep it, and with it every tensor the function made, alive. Freed by reference counting."""

    class Marker:
        pass

    def run() -> tuple[object, weakref.ref[Marker]]:
        marker = Marker()
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        with ax.record() as rec:
            (w * 3).sum().backward()
        return rec, weakref.ref(marker)

    gc.disable()
    try:
        rec, marker = run()
        assert marker() is None
        assert rec.to_dict()["nodes"]
    finally:
        gc.enable()


DEFINITIONS = """import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return torch.sigmoid(self.helper(self.fc2(h)))

    def helper(self, z):
        return z * 2


def loss_fn(model, x, y):
    p = model(x).squeeze()
    return nn.functional.binary_cross_entropy(p, y)
"""
RUN = """
torch.manual_seed(0)
model = Net()
x = torch.randn(8, 3)
y = (torch.rand(8) > 0.5).float()
loss = loss_fn(model, x, y)
loss.backward()
"""


def test_modules_and_calls_are_the_web_traces_for_the_same_program(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oracle is the web trace of the same source: a model called inside the user's function is in
    that function's call too (its forward is a module, not a call; `self.helper(…)` inside it is a
    call), as the web trace's innermost call region says. Before, a module's nodes had no call."""
    from autograd_explorer.settings import Settings
    from autograd_explorer.trace.tracer import TraceOptions, trace_program

    web = trace_program(DEFINITIONS + RUN, None, TraceOptions(), Settings())
    (tmp_path / "ax_net_defs.py").write_text(DEFINITIONS)
    monkeypatch.syspath_prepend(str(tmp_path))
    defs = __import__("ax_net_defs")
    torch.manual_seed(0)
    model = defs.Net()
    x = torch.randn(8, 3)
    y = (torch.rand(8) > 0.5).float()
    with ax.record() as rec:
        line = sys._getframe().f_lineno + 1
        loss = defs.loss_fn(model, x, y)
        loss.backward()
    recorded = rec.to_dict()

    def regions(payload: Any, call_line: int, called: str) -> list[tuple[str, str | None, str | None]]:
        # the call's text and line differ only by where each program wrote it
        def call(label: str | None) -> str | None:
            if label is None:
                return None
            label = label.replace(f" of {tmp_path / 'ax_net_defs.py'}", "")  # the definitions' file
            return label.replace(f"{called}loss_fn(model, x, y) at line {call_line}", "loss_fn(…)")

        return [(n["op"], n["module"], call(n["call"])) for n in payload["nodes"] if n["kind"] == "op"]

    web_line = (DEFINITIONS + RUN).splitlines().index("loss = loss_fn(model, x, y)") + 1
    mine = regions(recorded, line, "defs.")
    assert mine == regions(web, web_line, "")
    helper_line = DEFINITIONS.splitlines().index("        return torch.sigmoid(self.helper(self.fc2(h)))") + 1
    (mul,) = [n for n in recorded["nodes"] if n["op"] == "MulBackward0"]
    assert mul["call"] == f"self.helper(self.fc2(h)) at line {helper_line} of {tmp_path / 'ax_net_defs.py'}"
    assert {m for _, m, _ in mine} == {"model", "model.fc1", "model.fc2", None}
    assert all(c is not None for _, _, c in mine)  # every node in a call of loss_fn, or of helper inside it

    # A parameter is in the module that holds it, as the web trace has it (the page draws model.fc1's
    # weight inside model.fc1's box; the notebook's were in none).
    def parameters(payload: Any) -> dict[str, str | None]:
        return {n["label"]: n["module"] for n in payload["nodes"] if n["kind"] == "input"}

    assert parameters(recorded) == parameters(web)
    assert parameters(recorded)["model.fc1.weight"] == "model.fc1"


def test_nodes_made_before_the_block_are_in_no_module_of_it() -> None:
    """`h = encoder(x)` ran before the block (an earlier cell), `head(h)` inside it: the walk that
    gives a module the nodes its forward made unseen stopped only at nodes the block recorded, so it
    went on into the earlier graph and drew the encoder's t, addmm and tanh inside the head's box."""
    torch.manual_seed(0)
    encoder, head = nn.Linear(3, 3), nn.Linear(3, 1)
    x = torch.randn(4, 3)
    h = torch.tanh(encoder(x))
    with ax.record() as rec:
        loss = head(h).sum()
        loss.backward()
    nodes = rec.to_dict()["nodes"]
    earlier = {n["op"]: n["module"] for n in nodes if n["label"] == "h" or n["label"].endswith(" in h")}
    assert earlier == {"TBackward0": None, "AddmmBackward0": None, "TanhBackward0": None}
    heads = [n["op"] for n in nodes if n["module"] == "head" and n["kind"] == "op"]
    assert sorted(heads) == ["AddmmBackward0", "TBackward0"]  # the head's own t and addmm


def test_the_first_node_number_is_read_without_the_private_getter(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch without `_get_sequence_nr` (it is private): one past a throwaway node's number."""
    x = torch.ones(1, requires_grad=True)
    monkeypatch.delattr(torch._C._autograd, "_get_sequence_nr")
    for _ in range(3):
        expected = live.next_sequence_nr()
        assert (x * 2).grad_fn._sequence_nr() == expected  # the oracle: the next node PyTorch makes


def test_parameters_are_in_the_web_traces_modules_for_a_transformer_layer() -> None:
    """The oracle is the web trace of the same program: each parameter in its module's box, and
    nn.MultiheadAttention's out_proj (which never runs its forward) in self_attn's."""
    from autograd_explorer.settings import Settings
    from autograd_explorer.trace.tracer import TraceOptions, trace_program
    from tests.trace.test_regions import TRANSFORMER_LAYER

    web = trace_program(TRANSFORMER_LAYER, None, TraceOptions(), Settings())
    layer, x = build("transformer", torch.float32)  # the web program's layer, named as it names it
    with ax.record() as rec:
        loss_of(layer, x).backward()

    def parameters(payload: Any) -> dict[str, str | None]:
        return {n["label"]: n["module"] for n in payload["nodes"] if n["kind"] == "input"}

    assert parameters(rec.to_dict()) == parameters(web)
    assert parameters(web)["layer.self_attn.out_proj.bias"] == "layer.self_attn"


def test_a_hook_the_block_registers_is_said_at_the_step_it_ran_before() -> None:
    """`y.register_hook(h)` in the recorded block: the step of y's node says the hook changed what
    its contributions summed to, as the web trace does; the gradients are PyTorch's own."""
    with ax.record() as rec:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.register_hook(lambda g: g * 2)
        (y * y).sum().backward()
    assert x.grad is not None and x.grad.tolist() == [36.0, 72.0]  # 3 · 2 · (2y), y = [3, 6]
    (p,) = rec.to_dict()["passes"]
    (hook,) = p["hooks"]
    assert hook["changed"] is True and hook["span"]["line"] == hook["span"]["end_line"]
    step = p["steps"][hook["step"]]
    assert step["narration"].startswith(
        "A hook changed the gradient here: the contributions summed to [6, 12]; "
        "y.register_hook(lambda g: g * 2)"
    )
    assert np.asarray(step["grad_output"]["data"]).tolist() == [12.0, 24.0]


def test_a_modules_backward_hook_in_the_block_is_said_at_the_step_of_its_identity_node() -> None:
    """`lin.register_full_backward_hook(h)` in the recorded block: the identity nodes PyTorch runs it
    from are drawn as PyTorch's own nodes (not a Function of the user's), the step of the one at lin's
    input says the hook ran and what it returned, as the web trace does; the gradients are PyTorch's,
    the hook's change included. Outside the block nn.Module's method is PyTorch's own again."""
    original = nn.Module.register_full_backward_hook
    lin = nn.Linear(2, 1)
    x = torch.tensor([[1.0, 3.0]], requires_grad=True)
    with ax.record() as rec:
        lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))
        lin(x).sum().backward()
    assert nn.Module.register_full_backward_hook is original
    assert x.grad is not None and torch.allclose(x.grad, lin.weight.detach() * 10)
    payload = rec.to_dict()
    hooked = [n for n in payload["nodes"] if n["op"] == "BackwardHookFunctionBackward"]
    assert len(hooked) == 2
    assert "BackwardHookFunctionBackward" not in payload["autograd_functions"]
    (p,) = payload["passes"]
    (hook,) = p["hooks"]
    assert (hook["kind"], hook["changed"]) == ("module", True)
    step = p["steps"][hook["step"]]
    assert step["narration"].startswith("Module-hook identity node")
    assert (
        "Then the module's full backward hook ran, "
        "lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))"
    ) in step["narration"]
    (sent,) = step["inputs"]
    assert np.allclose(np.asarray(sent["contribution"]["data"]), x.grad.numpy())


def test_nested_and_failing_blocks_give_nn_module_its_own_methods_back() -> None:
    originals = (nn.Module.register_full_backward_hook, nn.Module.register_full_backward_pre_hook)
    with pytest.raises(ZeroDivisionError), ax.record(), ax.record():
        assert nn.Module.register_full_backward_hook is not originals[0]  # replaced once, by the outer
        _ = 1 / 0
    assert (nn.Module.register_full_backward_hook, nn.Module.register_full_backward_pre_hook) == originals
