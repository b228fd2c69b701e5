"""Many backward passes (issue 10 §3): every pass summarized, one shown step by step.

Oracles: the same loop run by CPython with torch in this test (losses per iteration, float32 as
the payload carries them) and torch.linalg.vector_norm of the gradients in float64.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.recorder import KEEP_ALL_PASSES
from autograd_explorer.trace.tracer import TraceOptions, trace_program

CORPUS = Path(__file__).parents[1] / "lang" / "corpus"
S8 = (CORPUS / "content_s8_polynomial_autograd.py").read_text(encoding="utf-8")
SIMPLENN = (CORPUS / "lecture_simplenn_training.py").read_text(encoding="utf-8")
SETTINGS = Settings(max_wall_seconds=300)  # the 4000-iteration loop on a loaded 2-core machine


def fit_loop(iterations: int) -> str:
    """CONTENT.md §8's loop (its data and seeds), shortened to `iterations`."""
    return S8.replace("range(4000)", f"range({iterations})")


def trace(source: str, **options: Any) -> dict[str, Any]:
    return trace_program(source, {}, TraceOptions(**options), SETTINGS)  # type: ignore[return-value]


def reference_fit(iterations: int) -> tuple[list[float], dict[str, list[float]], dict[str, list[float]]]:
    """The §8 loop in CPython: loss, ‖grad‖ (float64) and the grads themselves, per iteration."""
    torch.manual_seed(0)
    x = torch.rand(100) * 2
    y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(100)
    torch.manual_seed(1)
    params = {n: torch.randn((), requires_grad=True) for n in "abc"}
    losses: list[float] = []
    norms: dict[str, list[float]] = {n: [] for n in "abc"}
    grads: dict[str, list[float]] = {n: [] for n in "abc"}
    for _ in range(iterations):
        a, b, c = params["a"], params["b"], params["c"]
        loss = (a + b * x + c * x**2 - y).pow(2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for n, p in params.items():
                assert p.grad is not None
                norms[n].append(torch.linalg.vector_norm(p.grad.double()).item())
                grads[n].append(p.grad.item())
                p -= 1e-2 * p.grad
                p.grad = None
    return losses, norms, grads


def as_float32(values: list[float | None]) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def test_the_lecture_loop_of_4000_iterations_keeps_every_loss_and_one_graph() -> None:
    losses, norms, _ = reference_fit(4000)
    p = trace(S8, format="compact")
    summaries = p["pass_summaries"]
    assert summaries["count"] == 4000 and p["stats"]["passes"] == 4000
    assert (as_float32(summaries["loss"]) == as_float32(losses)).all()
    for name in "abc":
        np.testing.assert_allclose(summaries["grad_norms"][name], norms[name], rtol=1e-6)
    # one iteration's graph and steps, the last one's: not 4000 copies
    assert p["shown_pass"] == 3999
    assert [q["index"] for q in p["passes"]] == [3999]
    assert p["nodes"]["count"] == 10 and p["passes"][0]["steps"]["count"] == p["stats"]["steps"] > 0
    assert p["printed"][-1].startswith("Result: y = 1.4430")


@pytest.mark.parametrize("fmt", ["readable", "compact"])
def test_an_asked_for_iteration_is_the_one_shown(fmt: str) -> None:
    losses, _, grads = reference_fit(30)
    p = trace(fit_loop(30), format=fmt, pass_index=6)
    readable = decode_compact(p) if fmt == "compact" else p
    assert readable["shown_pass"] == 6
    assert [q["index"] for q in readable["passes"]] == [6]
    shown = readable["passes"][0]
    # the graph is iteration 7's: its loss node holds that iteration's value, its steps reach a, b, c
    loss_node = next(n for n in readable["nodes"] if n["name"] == "loss")
    assert np.float32(loss_node["value"]["data"]) == np.float32(losses[6])
    for name in "abc":
        assert shown["grads"][name]["data"] == pytest.approx(grads[name][6], rel=1e-6)
    assert len(shown["steps"]) == p["stats"]["steps"] == 10
    if fmt == "readable":  # the readable form explains the shown pass's steps (Jacobians included)
        assert any(i["jacobian"] for s in shown["steps"] for i in s["inputs"])
    assert readable["pass_summaries"]["count"] == 30


@pytest.mark.parametrize("fmt", ["readable", "compact"])
@pytest.mark.parametrize("pass_index", [None, 6])
def test_a_loop_that_names_no_output_has_the_shown_iterations_loss_for_output(
    fmt: str, pass_index: int | None
) -> None:
    """§8's loop names no output, and the last tensor it assigns is c (`c -= …`), a leaf of every
    pass: c was drawn as the graph's output, and output.value was c, while the narration called the
    loss "the output". The output is the shown iteration's loss now, CPython's value."""
    losses, _, _ = reference_fit(30)
    p = trace(fit_loop(30), format=fmt, pass_index=pass_index)
    readable = decode_compact(p) if fmt == "compact" else p
    flagged = [n for n in readable["nodes"] if n["is_output"]]
    assert [n["name"] for n in flagged] == ["loss"]
    assert readable["output"]["node"] == flagged[0]["id"] and readable["output"]["name"] == "loss"
    shown = 29 if pass_index is None else pass_index
    assert np.float32(readable["output"]["value"]["data"]) == np.float32(losses[shown])
    c = next(n for n in readable["nodes"] if n["name"] == "c")
    assert c["kind"] == "input" and not c["is_output"]


def test_an_output_the_program_names_stays_its_output_after_its_own_backward() -> None:
    """A final expression, or the `output` asked for, is still the output (here the leaf w)."""
    program = "w = torch.tensor(2., requires_grad=True)\nloss = (w - 1) ** 2\nloss.backward()\n"
    for p in (trace(program + "w\n"), trace(program, output="w")):
        assert p["output"]["name"] == "w"
        assert [(n["name"], n["kind"]) for n in p["nodes"] if n["is_output"]] == [("w", "input")]
    # named by nothing, the last tensor assigned after the pass (pred) is not the output: the loss is
    p = trace(program + "pred = w * 3\n")
    assert p["output"]["name"] == "loss" and p["output"]["value"]["data"] == 1.0
    assert [n["name"] for n in p["nodes"] if n["is_output"]] == ["loss"]


def test_the_readable_form_shows_the_last_iteration_with_its_jacobians() -> None:
    losses, _, grads = reference_fit(30)
    p = trace(fit_loop(30))
    assert p["shown_pass"] == 29 and [q["index"] for q in p["passes"]] == [29]
    assert p["passes"][0]["grads"]["a"]["data"] == pytest.approx(grads["a"][29], rel=1e-6)
    assert any(i["jacobian"] for s in p["passes"][0]["steps"] for i in s["inputs"])
    assert (as_float32(p["pass_summaries"]["loss"]) == as_float32(losses)).all()


def broken_off(iterations: int, at: int) -> str:
    """The §8 loop of `iterations` turns, left by `break` after the backward of turn `at`."""
    return fit_loop(iterations).replace(
        "    loss.backward()\n", f"    loss.backward()\n    if k == {at}:\n        break\n"
    )


@pytest.mark.parametrize(("source", "last"), [(fit_loop(30), 29), (broken_off(30, 20), 20)])
def test_the_compact_form_shows_the_last_iteration_with_its_values(source: str, last: int) -> None:
    # Turns with turns left are only summarized (lang/repeats.py); the final turn is recorded, and
    # a loop left early by `break` is run a second time to record its last pass.
    losses, _, grads = reference_fit(last + 1)
    p = decode_compact(trace(source, format="compact"))
    assert p["shown_pass"] == last and [q["index"] for q in p["passes"]] == [last]
    loss_node = next(n for n in p["nodes"] if n["name"] == "loss")
    assert np.float32(loss_node["value"]["data"]) == np.float32(losses[last])
    assert all(n["value"] is not None for n in p["nodes"])  # every node has the value the program saw
    shown = p["passes"][0]
    assert len(shown["steps"]) == 10
    for name in "abc":
        assert shown["grads"][name]["data"] == pytest.approx(grads[name][last], rel=1e-6)
    assert (as_float32(p["pass_summaries"]["loss"]) == as_float32(losses)).all()


def test_a_graph_built_in_an_earlier_turn_is_shown_with_its_values() -> None:
    # y is made in turn 15 (past the passes kept all, with turns left: its value was not kept) and
    # differentiated in every later turn: the shown pass needs it, so the program runs again.
    source = (
        "a = torch.tensor(2.0, requires_grad=True)\n"
        "y = a * 0\n"
        "for k in range(30):\n"
        "    if k == 15:\n"
        "        y = a * 3\n"
        "    z = y * a\n"
        "    z.backward(retain_graph=True)\n"
    )
    p = decode_compact(trace(source, format="compact"))
    values = {n["name"]: n["value"]["data"] for n in p["nodes"] if n["name"] in ("y", "z")}
    assert values == {"y": 6.0, "z": 12.0}
    # a.grad accumulates: 0 for turns 0-14 (y = a * 0 gives z = 0 * a), then 12 per turn
    assert p["shown_pass"] == 29 and p["pass_summaries"]["grad_norms"]["a"][-1] == 12.0 * 15


def test_a_program_of_few_passes_keeps_them_all() -> None:
    source = (
        "x = torch.tensor(2.0, requires_grad=True)\nfor k in range(3):\n    y = x * x\n    y.backward()\n"
    )
    p = trace(source)
    assert [q["index"] for q in p["passes"]] == [0, 1, 2]
    assert all(q["steps"] for q in p["passes"])
    # x.grad accumulates: 4, 8, 12 (the accumulation pitfall, as a norm per pass)
    assert p["pass_summaries"]["grad_norms"]["x"] == [4.0, 8.0, 12.0]
    assert p["pass_summaries"]["loss"] == [4.0, 4.0, 4.0]
    assert p["pass_summaries"]["module_grad_norms"] == {}  # no module holds x
    assert p["shown_pass"] == 2 and p["stats"]["passes"] == 3
    assert KEEP_ALL_PASSES >= 3


def test_autograd_grad_passes_summarize_what_they_returned() -> None:
    source = (
        "w = torch.tensor([3.0, 4.0], requires_grad=True)\n"
        "for k in range(12):\n"
        "    (g,) = torch.autograd.grad((w * w).sum(), [w])\n"
    )
    p = trace(source, format="compact")
    assert p["pass_summaries"]["kind"] == ["grad"] * 12
    assert p["pass_summaries"]["grad_norms"]["w"] == [10.0] * 12  # ‖(6, 8)‖


def test_the_recorder_forgets_the_graphs_of_passes_it_will_not_show() -> None:
    from autograd_explorer.lang.run import limits_from_settings, run_program
    from autograd_explorer.trace.program_output import RealValuesOnly
    from autograd_explorer.trace.recorder import TraceRecorder

    recorder = TraceRecorder(jacobians=False)
    run_program(fit_loop(200), None, limits_from_settings(SETTINGS), RealValuesOnly(recorder))
    assert len(recorder.summaries) == 200
    assert [p.index for p in recorder.passes] == [199]
    assert len(recorder.forward) <= 10 and len(recorder.saved) <= 10  # one iteration's, not 200
    assert len(recorder.tensor_names) <= 10


def test_simplenn_trained_20_steps_shows_its_loss_per_iteration_and_iteration_20() -> None:
    expected = reference_simplenn()
    p = decode_compact(trace(SIMPLENN, format="compact"))
    summaries = p["pass_summaries"]
    assert summaries["count"] == 20
    assert (as_float32(summaries["loss"]) == as_float32(expected["loss"])).all()
    for name in ("model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"):
        np.testing.assert_allclose(summaries["grad_norms"][name], expected[name], rtol=1e-5)
    fc1 = np.hypot(expected["model.fc1.weight"], expected["model.fc1.bias"])
    np.testing.assert_allclose(summaries["module_grad_norms"]["model.fc1"], fc1, rtol=1e-5)
    assert sorted(summaries["module_grad_norms"]) == ["model.fc1", "model.fc2"]
    assert p["shown_pass"] == 19 and [q["index"] for q in p["passes"]] == [19]
    ops = [n["op"] for n in p["nodes"]]
    assert ops.count("AddmmBackward0") == 2 and "BinaryCrossEntropyBackward0" in ops  # one iteration
    assert len(p["passes"][0]["steps"]) == len(p["nodes"])


def reference_simplenn() -> dict[str, list[float]]:
    """The corpus program under CPython, with the loss and the parameters' ‖grad‖ recorded per step."""
    namespace: dict[str, Any] = {"__name__": "simplenn"}
    source = SIMPLENN.replace("loss = train_model(model, X_train, y_train, alpha=0.1, n_steps=20)", "")
    state = torch.random.get_rng_state()
    try:
        exec(compile(source, "<simplenn>", "exec"), namespace)  # noqa: S102 (trusted test code)
    finally:
        torch.random.set_rng_state(state)
    model, criterion = namespace["model"], namespace["criterion"]
    x, y = namespace["X_train"], namespace["y_train"]
    out: dict[str, list[float]] = {"loss": []}
    for _ in range(20):
        loss = criterion(model(x).squeeze(), y)
        out["loss"].append(loss.item())
        loss.backward()
        with torch.no_grad():
            for name, param in model.named_parameters():
                out.setdefault(f"model.{name}", []).append(
                    torch.linalg.vector_norm(param.grad.double()).item()
                )
                param -= 0.1 * param.grad
                param.grad.zero_()
    return out


# --- through the API --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def inline_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("passes"), eval_isolation="inline", max_wall_seconds=120
    )  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        yield client


def test_the_api_opens_iteration_k_and_explains_its_steps(inline_client: TestClient) -> None:
    source = fit_loop(40)
    body = {"source": source, "format": "compact", "pass_index": 24}
    answer = inline_client.post("/api/trace", json=body)
    assert answer.status_code == 200, answer.text
    p = answer.json()
    assert p["shown_pass"] == 24 and p["passes"][0]["index"] == 24
    details = inline_client.post("/api/trace/details", json={"source": source, "pass": 24, "steps": [0, 3]})
    assert details.status_code == 200, details.text
    d = details.json()
    assert d["pass"] == 24 and len(d["steps"]) == 3
    assert [s["node"] for s in d["steps"]] == p["passes"][0]["steps"]["node"][:3]


def test_the_api_refuses_an_iteration_the_program_did_not_make(inline_client: TestClient) -> None:
    answer = inline_client.post("/api/trace", json={"source": fit_loop(12), "pass_index": 12})
    assert answer.status_code == 400
    assert "no pass 12 (iteration 13)" in answer.json()["detail"]["message"]
    assert "made 12" in answer.json()["detail"]["message"]
    bad = inline_client.post("/api/trace", json={"source": fit_loop(12), "pass_index": -1})
    assert bad.status_code == 422 and "pass_index" in bad.text


def test_module_norms_of_the_shown_pass_agree_with_its_summary_and_torch_in_float64() -> None:
    """One rule groups leaves into modules for both figures: the shown pass's bars (what the engine
    delivered) and the per-iteration columns (`.grad` after each pass; zeroed each step here)."""
    expected = reference_simplenn()
    p = decode_compact(trace(SIMPLENN, format="compact"))
    shown = p["passes"][0]["module_grad_norms"]
    column = {m: norms[p["shown_pass"]] for m, norms in p["pass_summaries"]["module_grad_norms"].items()}
    torch64 = {
        m: float(np.hypot(expected[f"{m}.weight"][-1], expected[f"{m}.bias"][-1]))
        for m in ("model.fc1", "model.fc2")
    }
    assert list(shown) == list(torch64), "forward order"
    assert set(column) == set(torch64)
    for module, value in torch64.items():
        assert shown[module] == pytest.approx(value, rel=1e-6), module
        assert column[module] == pytest.approx(value, rel=1e-5), module  # float32 columns


def test_a_module_used_without_being_called_has_a_norm_in_both_figures() -> None:
    source = (
        "torch.manual_seed(0)\n"
        "model = torch.nn.Linear(3, 2)\n"
        "head = torch.nn.Linear(2, 1)\n"
        "x = torch.randn(3)\n"
        "loss = head(model.weight @ x + model.bias).sum()\n"
        "loss.backward()\n"
    )
    p = trace(source)
    torch.manual_seed(0)
    model, head = torch.nn.Linear(3, 2).double(), torch.nn.Linear(2, 1).double()
    x = torch.randn(3).double()
    head(model.weight @ x + model.bias).sum().backward()
    torch64 = {
        name: float(torch.linalg.vector_norm(torch.cat([q.grad.reshape(-1) for q in m.parameters()])))
        for name, m in (("head", head), ("model", model))
    }
    shown = p["passes"][0]["module_grad_norms"]
    assert list(shown) == ["head", "model"], "the module called first, then the one never called"
    for module, value in torch64.items():
        assert shown[module] == pytest.approx(value, rel=1e-6), module
        assert p["pass_summaries"]["module_grad_norms"][module][0] == pytest.approx(value, rel=1e-5)


def truncated_bptt(turns: int, after_detach: str = "") -> str:
    """An RNN's state carried across chunks of two turns, cut from the graph in place between them."""
    return (
        "torch.manual_seed(0)\n"
        "W = torch.randn(3, 3, requires_grad=True)\n"
        "h = torch.zeros(3)\n"
        "hs = []\n"
        f"for t in range({turns}):\n"
        "    h = torch.tanh(W @ h + 1.0)\n"
        "    if t % 2 == 1:\n"
        "        loss = h.sum()\n"
        "        loss.backward()\n"
        "        h.detach_()\n"
        f"        {after_detach or 'pass'}\n"
        "        hs.append(h.clone())\n"
        "print(W.grad)\n"
    )


def reference_bptt(source: str, turns: int, decay: bool) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """CPython's run of the program (its names and prints), and the same loop written out: each
    chunk's loss and its last state as tanh made it (before a mul_ after the detach_)."""
    names: dict[str, Any] = {"torch": torch}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(source, names)  # noqa: S102 (trusted test code: the oracle)
    torch.manual_seed(0)
    w = torch.randn(3, 3, requires_grad=True)
    h = torch.zeros(3)
    losses, made = [], []
    for t in range(turns):
        h = torch.tanh(w @ h + 1.0)
        if t % 2 == 1:
            loss = h.sum()
            losses.append(loss.item())
            made.append(h.detach().clone())
            loss.backward()
            h.detach_()
            if decay:
                h.mul_(0.5)
    return names, printed.getvalue().splitlines(), {"losses": losses, "made": made}


@pytest.mark.parametrize("fmt", ["readable", "compact"])
@pytest.mark.parametrize(("turns", "after_detach"), [(4, ""), (4, "h.mul_(0.5)"), (24, "")])
def test_a_pass_after_detach_in_place_stays_in_its_own_chunk(fmt: str, turns: int, after_detach: str) -> None:
    # h.detach_() between chunks (truncated backpropagation through time): each backward() reaches
    # W through its own chunk alone. A mul_ after it changes the memory the last tanh's value was
    # kept in uncopied, so the tracer runs the program again, copying (values_changed).
    source = truncated_bptt(turns, after_detach)
    names, printed, expected = reference_bptt(source, turns, bool(after_detach))
    p = trace(source, format=fmt)
    if fmt == "compact":
        p = decode_compact(p)
    assert p["printed"] == printed
    assert np.array_equal(np.asarray(p["grads"]["W"]["data"]), names["W"].grad.numpy())
    assert (as_float32(p["pass_summaries"]["loss"]) == as_float32(expected["losses"])).all()
    edges = {(e["source"], e["target"]) for e in p["edges"]}
    (w_node,) = [n["id"] for n in p["nodes"] if n["name"] == "W"]
    visited = [{s["node"] for s in q["steps"]} for q in p["passes"]]
    assert len(visited) == (2 if turns == 4 else 1)
    for nodes in visited:
        # W's accumulator, two turns of (W @ h, + 1.0, tanh) and the sum: what feeds them is theirs
        assert len(nodes) == 8 and w_node in nodes
        assert all(source in nodes for source, target in edges if target in nodes)
    assert all(a & b == {w_node} for a in visited for b in visited if a is not b)
    chunk_ends = [n for n in p["nodes"] if n["op"] == "TanhBackward0"][1::2]
    assert [np.asarray(n["value"]["data"]).tolist() for n in chunk_ends] == [
        v.tolist() for v in expected["made"][-len(chunk_ends) :]
    ]


def test_a_backward_given_inputs_runs_only_the_nodes_that_reach_them() -> None:
    """c = a·b², `c.backward(inputs=[b])`: PyTorch's engine never runs a's AccumulateGrad, so the pass
    has no step for it and a.grad stays None; b's is dc/db = 2ab = 4."""
    source = (
        "a = torch.tensor(1.0, requires_grad=True)\nb = torch.tensor(2.0, requires_grad=True)\n"
        "c = a * b * b\nc.backward(inputs=[b])\n"
    )
    payload = trace_program(source, None, TraceOptions(), Settings())
    nodes = payload["nodes"]
    ran = [(nodes[s["node"]]["label"], nodes[s["node"]]["op"]) for s in payload["passes"][-1]["steps"]]
    assert ran == [("a * b * b", "MulBackward0"), ("a * b", "MulBackward0"), ("b", "AccumulateGrad")]
    assert payload["grads"]["a"] is None and float(payload["grads"]["b"]["data"]) == 4.0
