"""Recurrent and attention layers in the language: made only when their parameters fit, called
as in PyTorch (tuples of outputs unpacked), their attributes readable. Oracle: CPython."""

from __future__ import annotations

import copy
import resource

import pytest
import torch

from .helpers import counted_calls, counted_forwards, cpython, fails, run

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
        (  # two attentions and three LayerNorms
            "torch.nn.TransformerDecoderLayer",
            "nn.TransformerDecoderLayer(64, 4, dim_feedforward=10**9)",
            2 * 64 * 10**9 + 10**9 + 2 * (4 * 64**2 + 4 * 64) + 64 + 6 * 64,
        ),
        # the default: 512 wide, six encoder and six decoder layers
        ("torch.nn.Transformer", "nn.Transformer()", 44_140_544),
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


# --- decoder layers, the stacks of layers, nn.Transformer ------------------------------------------

DECODER = f"""{HEADER}torch.manual_seed(0)
layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)
first = nn.TransformerDecoderLayer(8, 2, 16, 0.0, "gelu", batch_first=True, norm_first=True)
decoder = nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(8))
encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2)
model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=16,
    dropout=0.0)
src = torch.randn(5, 2, 8)
tgt = torch.randn(4, 2, 8, requires_grad=True)
mask = nn.Transformer.generate_square_subsequent_mask(4)
print(mask)
padding = torch.tensor([[False, False, False, False, True], [False, False, False, False, False]])
memory = encoder(src, src_key_padding_mask=padding)
a = layer(tgt, memory, tgt_mask=mask, memory_key_padding_mask=padding, tgt_is_causal=True)
b = first(tgt.transpose(0, 1), memory.transpose(0, 1), memory_mask=torch.zeros(4, 5))
c = decoder(tgt, memory, tgt_mask=mask, tgt_key_padding_mask=torch.zeros(2, 4, dtype=torch.bool))
d = model(src, tgt, tgt_mask=model.generate_square_subsequent_mask(4), memory_is_causal=False)
loss = a.pow(2).sum() + b.pow(3).mean() + c.sum() * d.pow(2).mean()
loss.backward()
print(loss)
print(tgt.grad[0])
print(layer.multihead_attn.in_proj_weight.grad.norm(), decoder.layers[1].norm3.weight.grad.norm())
print(len(decoder.layers), decoder.num_layers, model.encoder.num_layers, model.d_model, model.nhead)
print(type(decoder.layers[0]).__name__, decoder.layers[0] is layer, first.self_attn.batch_first)
"""


def test_decoder_layers_stacks_and_transformers_print_and_differentiate_as_in_cpython() -> None:
    """Masks of every kind (causal, float, key padding), tgt_is_causal and memory_is_causal, batch_first
    and norm_first, the stacks' copies and nn.Transformer: printed lines, values and gradients."""
    got = run(DECODER)
    expected, printed = cpython(DECODER)
    assert got.printed == printed
    names = got.namespace
    for name in ("memory", "a", "b", "c", "d", "loss"):
        assert torch.equal(names[name], expected[name]), name  # type: ignore[arg-type]
    assert torch.equal(names["tgt"].grad, expected["tgt"].grad)  # type: ignore[union-attr]
    for model in ("layer", "first", "decoder", "encoder", "model"):
        ours = dict(names[model].named_parameters())  # type: ignore[union-attr]
        for key, parameter in expected[model].named_parameters():  # type: ignore[union-attr]
            assert torch.equal(ours[key].grad, parameter.grad), (model, key)


def test_a_decoders_gradients_are_torch_autograd_grads_in_float64() -> None:
    """The program's backward against torch.autograd.grad of the same decoder, built by CPython,
    in float64: tgt, memory and every parameter, within 1e-12."""
    source = f"""{HEADER}torch.manual_seed(1)
layer = nn.TransformerDecoderLayer(6, 3, 12, dropout=0.0, batch_first=True)
decoder = nn.TransformerDecoder(layer, 2).double()
tgt = torch.randn(2, 4, 6, dtype=torch.float64, requires_grad=True)
memory = torch.randn(2, 3, 6, dtype=torch.float64, requires_grad=True)
out = decoder(tgt, memory, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64))
loss = (out * torch.linspace(-1, 1, 6, dtype=torch.float64)).sum()
loss.backward()
"""
    names = run(source).namespace
    oracle, _ = cpython(source.replace("loss.backward()\n", ""))
    decoder = oracle["decoder"]
    assert isinstance(decoder, torch.nn.Module)
    inputs = [oracle["tgt"], oracle["memory"], *decoder.parameters()]
    grads = torch.autograd.grad(oracle["loss"], inputs)  # type: ignore[arg-type]
    ours = [names["tgt"], names["memory"], *names["decoder"].parameters()]  # type: ignore[union-attr]
    assert len(ours) == len(grads) == 2 + 2 * 18
    for value, grad in zip(ours, grads, strict=True):
        assert value.grad is not None and value.grad.dtype == torch.float64
        torch.testing.assert_close(value.grad, grad, rtol=0, atol=1e-12)


def test_a_stacks_copies_call_the_programs_own_function_as_cpython_does() -> None:
    """deepcopy gives a function itself: the copies' activation appends to the program's list (a
    copied function appended to a copied list, and carried a copy of the evaluator)."""
    source = f"""{HEADER}torch.manual_seed(0)
seen = []
def act(h):
    seen.append(h.shape[-1])
    return torch.relu(h)
encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 1, 6, 0.0, act), 3, enable_nested_tensor=False)
out = encoder(torch.randn(2, 1, 4))
print(len(seen), seen)
"""
    assert run(source).printed == cpython(source)[1] == ["3 [6, 6, 6]"]


def test_a_stack_of_the_programs_own_module_is_refused_at_its_call(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted_calls(monkeypatch, "torch.nn.TransformerDecoder")
    source = (
        f"{HEADER}class Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.rows = [0] * 100000\n\nstack = nn.TransformerDecoder(Block(), 10)\n"
    )
    error = fails(source, "forbidden")
    assert (error.line, error.column) == (8, 8)
    assert error.message.startswith(
        "this call copies its layer 10 times, and a module of the program's (Block)"
    )
    assert calls == [0]


def test_an_oversized_stack_is_refused_before_its_copies_are_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """10⁶ copies of a 904-parameter layer: 9·10⁸ elements and 48 GB of Python objects."""
    deep_copies = [0]
    deepcopy = copy.deepcopy

    def counting(value: object, memo: dict[int, object] | None = None) -> object:
        deep_copies[0] += 1
        return deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)  # _get_clones: copy.deepcopy(module) per layer
    before = peak_rss_mb()
    source = (
        f"{HEADER}layer = nn.TransformerDecoderLayer(8, 2, 16)\nstack = nn.TransformerDecoder(layer, 10**6)\n"
    )
    error = fails(source, "limit")
    assert (error.line, error.column) == (4, 8)
    assert error.message == (
        "module too large: 904000000 elements, the limit is 1000000 per module (max_tensor_elements)"
    )
    assert deep_copies == [0]
    assert peak_rss_mb() - before < 200


@pytest.mark.parametrize(
    ("made", "call", "elements", "maker"),
    [
        (  # 2 heads × 100 × 100,000 scores: 80 MB of weights from inputs of 800,800 numbers
            "nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)",
            "layer(t, m)",
            2 * 100 * 10**5,
            "TransformerDecoderLayer (the L × S scores of its attention over memory)",
        ),
        (
            "nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, batch_first=True), 2)",
            "layer(t, memory=m, tgt_is_causal=False)",
            2 * 100 * 10**5,
            "TransformerDecoder's layer 0, TransformerDecoderLayer (the L × S scores of its attention "
            "over memory)",
        ),
        (  # the other way round: a long target attends to itself, 10⁵ × 10⁵ per head
            "nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)",
            "layer(m, t)",
            2 * 10**10,
            "TransformerDecoderLayer (the L × L scores of its self-attention)",
        ),
        (  # src of 100,000 steps: the encoder's self-attention
            "nn.Transformer(8, 2, 1, 1, 16, batch_first=True)",
            "layer(m, t)",
            2 * 10**10,
            "Transformer's encoder: TransformerEncoder's layer 0, TransformerEncoderLayer",
        ),
    ],
)
def test_a_decoders_call_too_large_for_its_inputs_is_refused_before_it_runs(
    monkeypatch: pytest.MonkeyPatch, made: str, call: str, elements: int, maker: str
) -> None:
    calls = counted_forwards(monkeypatch, torch.nn.MultiheadAttention)
    before = peak_rss_mb()
    source = (
        f"{HEADER}layer = {made}\nt = torch.zeros(1, 100, 8)\nm = torch.zeros(1, 100000, 8)\nout = {call}\n"
    )
    error = fails(source, "limit")
    assert (error.line, error.column, error.end_column) == (6, 6, 6 + len(call))
    assert error.message == (
        f"tensor too large: {elements} elements made by {maker}, the limit is 1000000 per tensor "
        "(max_tensor_elements)"
    )
    assert calls == [0]
    assert peak_rss_mb() - before < 200


@pytest.mark.parametrize(
    "call",
    [
        "nn.Transformer.generate_square_subsequent_mask(100000)",
        "nn.Transformer.generate_square_subsequent_mask(sz=100000)",
        "model.generate_square_subsequent_mask(100000)",
        "model.generate_square_subsequent_mask(sz=100000)",
    ],
)
def test_an_oversized_causal_mask_is_refused_before_it_is_made(call: str) -> None:
    before = peak_rss_mb()
    source = f"{HEADER}model = nn.Transformer(8, 2, 1, 1, 16)\nmask = {call}\n"
    error = fails(source, "limit")
    assert (error.line, error.column, error.end_column) == (4, 7, 7 + len(call))
    assert (
        error.message
        == "tensor too large: 10000000000 elements, the limit is 1000000 per tensor (max_tensor_elements)"
    )
    assert peak_rss_mb() - before < 200
