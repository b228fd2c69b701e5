"""Recurrent and attention layers in the language: made only when their parameters fit, called
as in PyTorch (tuples of outputs unpacked), their attributes readable. Oracle: CPython."""

from __future__ import annotations

import resource

import pytest
import torch

from .helpers import counted_calls, counted_forwards, fails, run

HEADER = "import torch\nimport torch.nn as nn\n"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


@pytest.mark.parametrize(
    ("spelling", "call", "elements"),
    [
        # 2 × 4 · 10⁵ × 10⁵ weights (320 GB of float32) and the biases
        ("torch.nn.LSTM", "nn.LSTM(100000, 100000)", 8 * 10**10 + 8 * 10**5),
        ("torch.nn.RNNCell", "nn.RNNCell(input_size=100000, hidden_size=100000)", 2 * 10**10 + 2 * 10**5),
        ("torch.nn.LSTMCell", "nn.LSTMCell(100000, 100000, bias=False)", 8 * 10**10),
        # every tensor small (3·10 × 10), ten million layers of them
        ("torch.nn.GRU", "nn.GRU(10, 10, num_layers=10**7)", 10**7 * (300 + 300 + 60)),
        (
            "torch.nn.MultiheadAttention",
            "nn.MultiheadAttention(64, 4, kdim=10**9)",
            64 * 10**9 + 3 * 64**2 + 4 * 64,
        ),
        (
            "torch.nn.TransformerEncoderLayer",
            "nn.TransformerEncoderLayer(64, 4, dim_feedforward=10**9)",
            2 * 64 * 10**9 + 10**9 + 4 * 64**2 + 4 * 64 + 64 + 4 * 64,
        ),
    ],
)
def test_an_oversized_layer_is_refused_at_its_call_before_it_is_made(
    monkeypatch: pytest.MonkeyPatch, spelling: str, call: str, elements: int
) -> None:
    calls = counted_calls(monkeypatch, spelling)
    before = peak_rss_mb()
    error = fails(f"{HEADER}x = 1\nlayer = {call}\n", "limit")
    assert (error.line, error.column, error.end_column) == (4, 8, 8 + len(call))
    assert error.message == (
        f"module too large: {elements} elements, the limit is 1000000 per module (max_tensor_elements)"
    )
    assert calls == [0]
    assert peak_rss_mb() - before < 200


def test_a_layer_made_in_a_model_counts_toward_the_programs_total(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted_calls(monkeypatch, "torch.nn.LSTM")
    source = (
        f"{HEADER}class Tagger(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.rnn = nn.LSTM(100, 100, num_layers=4)\n\nfirst = Tagger()\nsecond = Tagger()\n"
    )
    per_model = sum(p.numel() for p in torch.nn.LSTM(100, 100, num_layers=4).parameters())  # 323,200
    run(source, max_total_elements=2 * per_model)
    error = fails(source, "limit", max_total_elements=2 * per_model - 1)
    assert (error.line, error.column) == (6, 19)
    assert "max_total_elements" in error.message
    assert calls == [3]  # two in the run that fits, one in the run refused: its second LSTM never made


LSTM = f"""{HEADER}torch.manual_seed(0)
lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, batch_first=True)
x = torch.randn(2, 5, 3)
output, (h, c) = lstm(x)
"""


def test_a_layers_tuple_of_outputs_unpacks_as_in_cpython() -> None:
    source = f"{LSTM}sizes = [lstm.hidden_size, lstm.num_layers, lstm.weight_ih_l0.shape[0]]\n"
    got = run(source).namespace
    expected: dict[str, object] = {}
    exec(source, expected)  # noqa: S102 (trusted test code: the oracle)
    for name in ("output", "h", "c"):
        assert torch.equal(got[name], expected[name]), name  # type: ignore[arg-type]
    assert got["sizes"] == expected["sizes"] == [4, 2, 16]


def test_a_library_layers_tuple_of_outputs_counts_toward_the_total() -> None:
    """output (2·5·4), h_n and c_n (2·2·4 each): 72 elements the budget sees, as it sees a tensor's."""
    parameters = sum(p.numel() for p in torch.nn.LSTM(3, 4, num_layers=2).parameters())
    made_by_the_program = parameters + 2 * 5 * 3  # and x
    run(LSTM, max_total_elements=made_by_the_program + 72)
    error = fails(LSTM, "limit", max_total_elements=made_by_the_program + 71)
    assert error.line == 6 and "max_total_elements" in error.message


def test_attention_and_encoder_layers_read_and_run_as_in_cpython() -> None:
    source = f"""{HEADER}torch.manual_seed(0)
attn = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
block = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
act = nn.Sequential(nn.ELU(), nn.SiLU(), nn.Softplus(), nn.Mish())
x = torch.randn(2, 4, 8)
out, weights = attn(x, x, x)
y = act(block(out))
shapes = [attn.in_proj_weight.shape, attn.out_proj.weight.shape, block.linear1.weight.shape, attn.num_heads]
"""
    got = run(source).namespace
    expected: dict[str, object] = {}
    exec(source, expected)  # noqa: S102 (trusted test code: the oracle)
    for name in ("out", "weights", "y"):
        assert torch.equal(got[name], expected[name]), name  # type: ignore[arg-type]
    assert got["shapes"] == expected["shapes"]


@pytest.mark.parametrize(
    ("layer", "made", "call", "elements"),
    [
        # 10⁵ × 10⁵ weights per head: 80 GB from an input of 800,000 numbers
        (
            torch.nn.MultiheadAttention,
            "nn.MultiheadAttention(8, 2, batch_first=True)",
            "layer(x, x, x)",
            2 * 10**10,
        ),
        (torch.nn.LSTM, "nn.LSTM(8, 400, batch_first=True)", "layer(x)", 10**5 * 400),
        (
            torch.nn.TransformerEncoderLayer,
            "nn.TransformerEncoderLayer(8, 2, 64, batch_first=True)",
            "layer(x)",
            2 * 10**10,
        ),
    ],
)
def test_a_layers_call_too_large_for_its_input_is_refused_before_it_runs(
    monkeypatch: pytest.MonkeyPatch, layer: type[torch.nn.Module], made: str, call: str, elements: int
) -> None:
    calls = counted_forwards(monkeypatch, layer)
    before = peak_rss_mb()
    source = f"{HEADER}layer = {made}\nx = torch.zeros(1, 100000, 8)\nout = {call}\n"
    error = fails(source, "limit")
    assert (error.line, error.column, error.end_column) == (5, 6, 6 + len(call))
    assert error.message == (
        f"tensor too large: {elements} elements made by {layer.__name__}, the limit is 1000000 per tensor "
        "(max_tensor_elements)"
    )
    assert calls == [0]
    assert peak_rss_mb() - before < 200


def test_a_layers_call_that_fits_runs() -> None:
    layer = "layer = nn.LSTM(8, 10, batch_first=True)\nx = torch.zeros(1, 100000, 8)\n"
    source = f"{HEADER}{layer}out, _ = layer(x)\n"
    assert run(source).namespace["out"].shape == (1, 100000, 10)  # type: ignore[union-attr]
