"""Size predictions agree with what PyTorch actually allocates."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils.rnn import pad_sequence
from torch.utils._python_dispatch import TorchDispatchMode

from autograd_explorer.lang.allowlist import SPELLINGS
from autograd_explorer.lang.growth import (
    broadcast_shape,
    einsum_cost,
    index_elements,
    matmul_cost,
    matmul_shape,
    predict_elements,
)

from .helpers import layer_call_elements

shapes = st.lists(st.integers(min_value=1, max_value=3), min_size=0, max_size=4).map(tuple)


@settings(max_examples=80, deadline=None)
@given(shapes, shapes)
def test_broadcast_shape_matches_torch(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    try:
        expected: tuple[int, ...] | None = tuple(torch.broadcast_shapes(a, b))
    except RuntimeError:
        expected = None
    assert broadcast_shape([a, b]) == expected


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4).map(tuple),
    st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4).map(tuple),
)
def test_matmul_shape_matches_torch(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    try:
        expected: tuple[int, ...] | None = tuple(torch.matmul(torch.zeros(a), torch.zeros(b)).shape)
    except RuntimeError:
        expected = None
    assert matmul_shape(a, b) == expected


def test_matmul_cost_counts_multiply_adds() -> None:
    assert matmul_cost(torch.zeros(3, 4), torch.zeros(4, 5)) == (15, 60)
    assert matmul_cost(torch.zeros(4), torch.zeros(4)) == (1, 4)
    assert matmul_cost(torch.zeros(3), 2.0) is None


@pytest.mark.parametrize(
    ("call", "args", "kwargs"),
    [
        ("factory", (2, 3), {}),
        ("factory", ((2, 3),), {}),
        ("factory", ([4],), {}),
        ("factory", ((),), {}),
        ("factory", (torch.Size([2, 5]),), {}),
        ("full", ((3, 3), 1.0), {}),
        ("eye", (4,), {}),
        ("eye", (4, 2), {}),
        ("arange", (5,), {}),
        ("arange", (1, 10, 3), {}),
        ("arange", (0, 1, 0.1), {}),
        ("arange", (0.0,), {"end": 2.5, "step": 0.5}),
        ("linspace", (0, 1, 7), {}),
        ("linspace", (0, 1), {"steps": 9}),
    ],
)
def test_factories_predict_their_size(call: str, args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    make = {
        "factory": torch.zeros,
        "full": torch.full,
        "eye": torch.eye,
        "arange": torch.arange,
        "linspace": torch.linspace,
    }[call]
    actual = make(*args, **kwargs).numel()  # type: ignore[operator]
    assert predict_elements(call, args, kwargs) == actual  # type: ignore[arg-type]


def test_combining_predictions() -> None:
    a, b = torch.zeros(4, 1), torch.zeros(1, 5)
    assert predict_elements("broadcast", (a, b), {}) == 20
    assert predict_elements("broadcast", (a, 2.0), {}) == 4
    assert predict_elements("broadcast", (1.0, 2.0), {}) is None
    assert predict_elements("outer", (torch.zeros(3), torch.zeros(7)), {}) == 21
    assert predict_elements("concat", ([a, a, a],), {}) == 12
    assert predict_elements("matmul", (torch.zeros(2, 3), torch.zeros(3, 6)), {}) == 12
    assert predict_elements("none", (a,), {}) is None
    assert predict_elements("factory", (-1,), {}) is None  # PyTorch reports the error itself


@pytest.mark.parametrize(
    "index",
    [
        (torch.tensor([0, 2, 2, 1]),),
        (slice(None), torch.tensor([[0, 1], [1, 0]])),
        (torch.tensor([0, 1]), slice(0, 2), torch.tensor([1])),
        (Ellipsis, torch.tensor([3, 0])),
        (torch.tensor([True, False, True]),),
        ([0, 1, 1],),
        (None, torch.tensor([1]), 0),
    ],
)
def test_index_bound_is_never_below_the_real_size(index: tuple[object, ...]) -> None:
    value = torch.zeros(3, 4, 5)
    actual = value[index].numel()  # type: ignore[index]
    bound = index_elements(value, index)
    assert bound is not None and bound >= actual


def test_index_bound_is_exact_without_ints_or_slices() -> None:
    value = torch.zeros(3, 4, 5)
    for index in [torch.tensor([0, 2, 2, 1]), (slice(None), torch.tensor([[0, 1], [1, 0]]))]:
        assert index_elements(value, index) == math.prod(value[index].shape)


def test_basic_indexing_needs_no_prediction() -> None:
    assert index_elements(torch.zeros(3, 4), (0, slice(1, 3))) is None
    big = index_elements(torch.zeros(1000, 1000), torch.zeros(100_000, dtype=torch.long))
    assert big == 100_000 * 1000


# The recurrent and attention modules: PyTorch itself is the oracle, made with each argument
# combination and its parameters counted. Positional and keyword spellings both, defaults included.
MODULE_CASES: list[tuple[str, type[torch.nn.Module], tuple[object, ...], dict[str, object]]] = [
    ("rnn_cell", torch.nn.RNNCell, (3, 4), {}),
    ("rnn_cell", torch.nn.RNNCell, (5, 7, False), {}),
    ("rnn_cell", torch.nn.RNNCell, (2, 3, True, "relu"), {}),
    ("rnn_cell", torch.nn.RNNCell, (), {"input_size": 6, "hidden_size": 2, "bias": False}),
    ("gru_cell", torch.nn.GRUCell, (3, 4), {}),
    ("gru_cell", torch.nn.GRUCell, (5, 7), {"bias": False}),
    ("lstm_cell", torch.nn.LSTMCell, (3, 4), {}),
    ("lstm_cell", torch.nn.LSTMCell, (5,), {"hidden_size": 7, "bias": False}),
    ("rnn", torch.nn.RNN, (5, 6), {}),
    ("rnn", torch.nn.RNN, (5, 6, 3), {}),
    ("rnn", torch.nn.RNN, (5, 6, 2, "relu", False), {}),  # nonlinearity sits before bias
    ("rnn", torch.nn.RNN, (5, 6), {"num_layers": 3, "bidirectional": True, "nonlinearity": "relu"}),
    ("gru", torch.nn.GRU, (5, 6), {}),
    ("gru", torch.nn.GRU, (5, 6, 2, True, True), {"bidirectional": True}),
    ("gru", torch.nn.GRU, (5, 6), {"num_layers": 3, "bias": False}),
    ("lstm", torch.nn.LSTM, (5, 6), {}),
    ("lstm", torch.nn.LSTM, (5, 6, 2), {"batch_first": True}),
    ("lstm", torch.nn.LSTM, (5, 6, 3, False, False, 0.0, True), {}),
    ("lstm", torch.nn.LSTM, (5, 6), {"proj_size": 3}),
    ("lstm", torch.nn.LSTM, (5, 6), {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
    ("attention", torch.nn.MultiheadAttention, (8, 2), {}),
    ("attention", torch.nn.MultiheadAttention, (8, 4, 0.0, False), {}),
    ("attention", torch.nn.MultiheadAttention, (8, 2), {"kdim": 3, "vdim": 5}),
    ("attention", torch.nn.MultiheadAttention, (8, 2), {"kdim": 8, "vdim": 8}),  # one in_proj_weight
    ("attention", torch.nn.MultiheadAttention, (6, 3), {"add_bias_kv": True, "vdim": 4}),
    ("attention", torch.nn.MultiheadAttention, (), {"embed_dim": 4, "num_heads": 1, "batch_first": True}),
    ("encoder_layer", torch.nn.TransformerEncoderLayer, (8, 2), {}),  # dim_feedforward=2048
    ("encoder_layer", torch.nn.TransformerEncoderLayer, (8, 2, 16), {}),
    ("encoder_layer", torch.nn.TransformerEncoderLayer, (8, 2), {"bias": False, "dim_feedforward": 32}),
    ("encoder_layer", torch.nn.TransformerEncoderLayer, (8, 4, 32, 0.0, "gelu"), {"norm_first": True}),
    ("decoder_layer", torch.nn.TransformerDecoderLayer, (8, 2), {}),  # dim_feedforward=2048
    ("decoder_layer", torch.nn.TransformerDecoderLayer, (8, 2, 16), {}),
    ("decoder_layer", torch.nn.TransformerDecoderLayer, (8, 2), {"bias": False, "dim_feedforward": 32}),
    ("decoder_layer", torch.nn.TransformerDecoderLayer, (), {"d_model": 6, "nhead": 3, "batch_first": True}),
    # copies of the layer given, each with parameters of its own (the layer's are the program's)
    ("layer_stack", torch.nn.TransformerDecoder, (torch.nn.TransformerDecoderLayer(8, 2, 16), 3), {}),
    (
        "layer_stack",
        torch.nn.TransformerEncoder,
        (),
        {"encoder_layer": torch.nn.TransformerEncoderLayer(8, 2, 16, bias=False), "num_layers": 2},
    ),
    ("transformer", torch.nn.Transformer, (), {}),  # 512 wide, 6 + 6 layers: 44,140,544
    ("transformer", torch.nn.Transformer, (8, 2, 1, 2, 16), {}),
    ("transformer", torch.nn.Transformer, (16, 4), {"num_encoder_layers": 0, "bias": False}),
]


@pytest.mark.parametrize(("growth", "cls", "args", "kwargs"), MODULE_CASES)
def test_module_growth_counts_every_parameter_pytorch_makes(
    growth: str, cls: type[torch.nn.Module], args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    expected = sum(p.numel() for p in cls(*args, **kwargs).parameters())
    assert predict_elements(growth, args, kwargs) == expected  # type: ignore[arg-type]


def test_every_new_module_class_is_in_the_table_with_its_rule() -> None:
    rules = {cls: growth for growth, cls, _, _ in MODULE_CASES}
    for cls, growth in rules.items():
        assert SPELLINGS[f"torch.nn.{cls.__name__}"].growth == growth, cls
    for name in ("ELU", "SiLU", "Softplus", "Mish"):  # no parameters: never larger than their input
        assert SPELLINGS[f"torch.nn.{name}"].growth == "none"


def test_module_growth_leaves_malformed_sizes_to_pytorch() -> None:
    assert predict_elements("lstm", (5, -6), {}) is None
    assert predict_elements("lstm", (5, 6.5), {}) is None
    assert predict_elements("attention", (8, 2), {"kdim": 2.5}) is None
    assert predict_elements("encoder_layer", (8, 2, -1), {}) is None
    assert predict_elements("decoder_layer", (8, 2, 1.5), {}) is None
    assert predict_elements("layer_stack", (torch.nn.Linear(2, 2), 2.0), {}) is None
    assert predict_elements("transformer", (8, 2), {"num_decoder_layers": -1}) is None


def test_a_stacks_norm_is_the_programs_and_a_custom_part_is_not_made() -> None:
    """TransformerEncoder(layer, 2, norm) keeps the norm given (counted when it was made), and
    nn.Transformer(custom_encoder=...) makes no encoder of its own."""
    layer, norm = torch.nn.TransformerEncoderLayer(8, 2, 16), torch.nn.LayerNorm(8)
    stack = torch.nn.TransformerEncoder(layer, 2, norm, enable_nested_tensor=False)
    assert (
        predict_elements("layer_stack", (layer, 2, norm), {})
        == sum(p.numel() for p in stack.parameters()) - 16
    )
    decoder_only = torch.nn.Transformer(8, 2, 1, 1, 16, custom_encoder=torch.nn.Identity())
    expected = sum(p.numel() for p in decoder_only.decoder.parameters())
    assert (
        predict_elements("transformer", (8, 2, 1, 1, 16), {"custom_encoder": torch.nn.Identity()}) == expected
    )


def _output(result: object, index: int | None) -> torch.Tensor:
    value = result if index is None else result[index]  # type: ignore[index]
    assert isinstance(value, torch.Tensor)
    return value


# A layer's call: the prediction is the size of the output PyTorch gives (an attention's weights
# per head, asked for with average_attn_weights=False; an encoder layer's feed-forward hidden layer).
CALL_CASES: list[tuple[torch.nn.Module, tuple[torch.Tensor, ...], dict[str, object], int | None]] = [
    (torch.nn.RNNCell(3, 5), (torch.zeros(7, 3),), {}, None),
    (torch.nn.LSTMCell(3, 5), (torch.zeros(3),), {}, 0),
    (torch.nn.GRU(3, 5), (torch.zeros(6, 3),), {}, 0),
    (torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True), (torch.zeros(2, 6, 3),), {}, 0),
    (torch.nn.LSTM(3, 5, proj_size=2), (torch.zeros(6, 2, 3),), {}, 0),
    (
        torch.nn.MultiheadAttention(8, 2, batch_first=True),
        (torch.zeros(3, 5, 8), torch.zeros(3, 7, 8), torch.zeros(3, 7, 8)),
        {"average_attn_weights": False},
        1,
    ),
    (
        torch.nn.MultiheadAttention(8, 2),
        (torch.zeros(5, 3, 8), torch.zeros(7, 3, 8), torch.zeros(7, 3, 8)),
        {"average_attn_weights": False},
        1,
    ),
]


@pytest.mark.parametrize(("layer", "args", "kwargs", "index"), CALL_CASES)
def test_a_layers_call_is_predicted_from_its_inputs(
    layer: torch.nn.Module, args: tuple[torch.Tensor, ...], kwargs: dict[str, object], index: int | None
) -> None:
    expected = _output(layer(*args, **kwargs), index).numel()
    assert layer_call_elements(layer, args, kwargs) == expected


def test_an_encoder_layers_call_is_its_feed_forward_hidden_layer_or_its_attention() -> None:
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    hidden: list[int] = []
    layer.linear1.register_forward_hook(lambda _m, _i, out: hidden.append(out.numel()))
    layer(torch.zeros(3, 5, 8))
    assert layer_call_elements(layer, (torch.zeros(3, 5, 8),), {}) == hidden[0] == 3 * 5 * 16
    long = torch.zeros(40, 1, 8)  # 40 × 40 weights per head outgrow 40 × 16 hidden units
    assert layer_call_elements(torch.nn.TransformerEncoderLayer(8, 2, 16), (long,), {}) == 2 * 40 * 40


# --- operations whose results grow past their inputs ----------------------------------------------

X23 = torch.zeros(2, 3)


@pytest.mark.parametrize(
    ("growth", "call", "args", "kwargs"),
    [
        ("index_select", torch.index_select, (torch.zeros(3, 4), 1, torch.tensor([0, 3, 3, 1, 2])), {}),
        ("index_select", torch.index_select, (torch.zeros(3, 4),), {"dim": -2, "index": torch.tensor([2])}),
        ("index_select", torch.index_select, (torch.tensor(1.0), 0, torch.tensor([0])), {}),
        ("repeat_interleave", torch.repeat_interleave, (X23, 4), {}),
        ("repeat_interleave", torch.repeat_interleave, (X23, 4, 1), {}),
        ("repeat_interleave", torch.repeat_interleave, (X23, torch.tensor([1, 0, 5])), {"dim": 1}),
        ("repeat_interleave", torch.repeat_interleave, (X23, torch.tensor([3])), {"dim": 0}),
        ("repeat_interleave", torch.repeat_interleave, (X23, torch.tensor(2)), {}),
        ("repeat_interleave", torch.repeat_interleave, (X23, torch.ones(6, dtype=torch.int32)), {}),
        ("repeat_interleave", torch.repeat_interleave, (torch.tensor([2, 0, 3]),), {}),
        (
            "repeat_interleave",
            torch.repeat_interleave,
            (torch.zeros(2), torch.tensor([1, 3])),
            {"output_size": 4},
        ),
        ("diag", torch.diag, (torch.zeros(5),), {}),
        ("diag", torch.diag, (torch.zeros(5), -3), {}),
        ("diag", torch.diag, (torch.zeros(5),), {"diagonal": 2}),
        ("unfold", torch.Tensor.unfold, (torch.zeros(3, 10), 1, 4, 3), {}),
        ("unfold", torch.Tensor.unfold, (torch.zeros(10), -1, 10, 1), {}),
        ("unfold", torch.Tensor.unfold, (torch.zeros(10), 0, 0, 4), {}),
        ("unfold", torch.Tensor.unfold, (torch.tensor(1.0), 0, 1, 1), {}),
        ("nonzero", torch.nonzero, (torch.tensor([[0, 1, 2], [3, 0, 0]]),), {}),
        ("nonzero", torch.nonzero, (torch.eye(4).view(2, 2, 4),), {}),
        ("new_factory", torch.Tensor.new_zeros, (torch.zeros(1), 2, 3), {}),
        ("new_factory", torch.Tensor.new_ones, (torch.zeros(1), (4, 5)), {}),
        ("new_factory", torch.Tensor.new_zeros, (torch.zeros(1),), {"size": [6]}),
        ("new_full", torch.Tensor.new_full, (torch.zeros(1), (2, 7), 0.5), {}),
        ("new_literal", torch.Tensor.new_tensor, (torch.zeros(1), [[1, 2, 3], [4, 5, 6]]), {}),
        ("tensordot", torch.tensordot, (torch.zeros(2, 3, 4), torch.zeros(3, 4, 5)), {}),
        ("tensordot", torch.tensordot, (torch.zeros(2, 3), torch.zeros(4, 5)), {"dims": 0}),
        ("tensordot", torch.tensordot, (torch.zeros(2, 3), torch.zeros(3, 5), True), {}),
        ("tensordot", torch.tensordot, (torch.zeros(2, 1, 4), torch.zeros(3, 4)), {"dims": ([1], [0])}),
        ("tensordot", torch.tensordot, (torch.zeros(7, 0), torch.zeros(0, 9)), {"dims": 1}),
        (
            "tensordot",
            torch.tensordot,
            (),
            {"a": torch.zeros(4, 3), "b": torch.zeros(3, 4), "dims": [[-1], [0]]},
        ),
        (
            "tensordot",
            torch.tensordot,
            (torch.zeros(2, 3, 4), torch.zeros(4, 3)),
            {"dims": torch.tensor([[2, 1], [0, 1]])},
        ),
        ("tensordot", torch.tensordot, (torch.zeros(2, 3), torch.zeros(3, 4)), {"dims": torch.tensor(1.5)}),
        ("block_diag", torch.block_diag, (torch.zeros(2, 3), torch.zeros(4), torch.tensor(1.0)), {}),
        ("block_diag", torch.block_diag, (torch.zeros(0, 5), torch.zeros(3, 0)), {}),
        ("block_diag", torch.block_diag, (), {}),
        ("pad_sequence", pad_sequence, ([torch.zeros(2, 3), torch.zeros(5, 3)],), {}),
        ("pad_sequence", pad_sequence, ((torch.zeros(4), torch.zeros(0)), True, 1.0, "left"), {}),
        ("pad_sequence", pad_sequence, (), {"sequences": torch.zeros(3, 4, 2), "batch_first": True}),
        ("pad_sequence", pad_sequence, ([torch.zeros(3, 1, 2), torch.zeros(5, 1, 2)],), {}),
    ],
)
def test_growing_operations_predict_their_size(
    growth: str, call: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    result = call(*args, **kwargs)
    assert isinstance(result, torch.Tensor)
    assert predict_elements(growth, args, kwargs) == result.numel()  # type: ignore[arg-type]


def test_tensordots_rule_agrees_with_pytorch_on_random_shapes_and_dims() -> None:
    # Every call PyTorch runs is sized exactly; None only for calls PyTorch refuses itself.
    rng = random.Random(0)
    for _ in range(400):
        a = torch.zeros([rng.choice([0, 1, 2, 3]) for _ in range(rng.randint(0, 3))])
        b = torch.zeros([rng.choice([0, 1, 2, 3]) for _ in range(rng.randint(0, 3))])
        count = rng.randint(0, 2)
        dims: object = rng.choice(
            [
                count,
                count == 1,
                torch.tensor(count),
                ([rng.randint(-3, 2) for _ in range(count)], [rng.randint(-3, 2) for _ in range(count)]),
                [list(range(-count, 0)), tuple(range(count))],
                torch.tensor([[rng.randint(-2, 2)], [rng.randint(-2, 2)]]),
            ]
        )
        try:
            expected: int | None = torch.tensordot(a, b, dims=dims).numel()  # type: ignore[arg-type]
        except (RuntimeError, IndexError, TypeError):
            expected = None
        assert predict_elements("tensordot", (a, b), {"dims": dims}) == expected, (a.shape, b.shape, dims)


def test_nonzeros_tuple_is_counted_as_its_rows() -> None:
    for mask in (torch.tensor([[0, 1, 2], [3, 0, 0]]), torch.tensor(1.0)):  # a 0-d tensor: one of one
        parts = torch.nonzero(mask, as_tuple=True)
        assert predict_elements("nonzero", (mask,), {"as_tuple": True}) == sum(p.numel() for p in parts)


def test_growing_operations_leave_malformed_arguments_to_pytorch() -> None:
    x = torch.zeros(3)
    assert predict_elements("tensordot", (x, x), {"dims": 2.0}) is None
    assert predict_elements("tensordot", (x, x), {"dims": ([0, 0], [0, 0])}) is None  # a repeated dim
    assert predict_elements("tensordot", (x, torch.zeros(4)), {"dims": 1}) is None  # 3 against 4
    assert predict_elements("block_diag", (torch.zeros(1, 1, 1),), {}) is None
    assert predict_elements("pad_sequence", ([],), {}) is None
    assert predict_elements("pad_sequence", ([x, torch.tensor(1.0)],), {}) is None
    assert predict_elements("index_select", (x, 1, torch.tensor([0])), {}) is None  # no dimension 1
    assert predict_elements("repeat_interleave", (x, -1), {}) is None
    assert predict_elements("repeat_interleave", (x, torch.tensor([1, -1, 1])), {}) is None
    assert predict_elements("repeat_interleave", (x, torch.tensor([1.0, 2.0, 3.0])), {}) is None
    assert predict_elements("diag", (torch.zeros(2, 2),), {}) is None  # a matrix's diagonal is smaller
    assert predict_elements("unfold", (x, 0, 4, 1), {}) is None
    assert predict_elements("unfold", (x, 0, 2, 0), {}) is None


def _random_operand(rng: random.Random, letters: str) -> tuple[str, tuple[int, ...]]:
    """Subscripts and a shape that mostly fit them: a letter's size kept, sometimes 1 or another,
    sometimes an ellipsis over 0-2 dimensions, sometimes a stray dot or space."""
    labels = [rng.choice(letters) for _ in range(rng.randint(0, 4))]
    sizes = {label: rng.choice([1, 2, 3]) for label in letters}
    shape = [sizes[label] if rng.random() < 0.9 else rng.choice([1, 2, 3]) for label in labels]
    if rng.random() < 0.3:
        at = rng.randint(0, len(labels))
        labels[at:at] = ["..."]
        shape[at:at] = [rng.choice([1, 2, 3]) for _ in range(rng.randint(0, 2))]
    text = "".join(labels)
    if rng.random() < 0.05:
        text = text.replace("...", "..", 1) or "."
    if rng.random() < 0.1:
        text = f" {text} "
    return text, tuple(shape)


def test_einsum_cost_agrees_with_pytorch_on_random_equations() -> None:
    # When PyTorch accepts the equation, the prediction is its output's elements (or more: the
    # largest tensor on the way); when the prediction is None, PyTorch refuses it before computing.
    rng = random.Random(2)
    accepted = 0
    for _ in range(3000):
        pieces, shapes = zip(*(_random_operand(rng, "abcAB") for _ in range(rng.randint(1, 4))), strict=True)
        equation = ",".join(pieces) + ("," if rng.random() < 0.05 else "")
        if rng.random() < 0.6:
            output = rng.sample("abcAB", rng.randint(0, 3))
            if rng.random() < 0.4:
                output.insert(rng.randint(0, len(output)), "...")
            equation += "->" + "".join(output)
        operands = [torch.ones(shape) for shape in shapes]
        cost = einsum_cost([equation, *operands])
        try:
            result = torch.einsum(equation, *operands)
        except (RuntimeError, ValueError):
            assert cost is None, equation
            continue
        accepted += 1
        assert cost is not None, (equation, shapes)
        assert cost[0] == result.numel() if len(shapes) <= 2 else cost[0] >= result.numel()
    assert accepted > 1000


class _Allocations(TorchDispatchMode):
    """The largest tensor the operations inside allocate (views aside) and the batched products' work."""

    VIEWS = frozenset(
        {"view", "_unsafe_view", "permute", "diagonal", "unsqueeze", "squeeze", "expand", "alias"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.largest = 0
        self.work = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        result = func(*args, **(kwargs or {}))
        if func.overloadpacket.__name__ not in self.VIEWS and isinstance(result, torch.Tensor):
            self.largest = max(self.largest, result.numel())
        if func.overloadpacket.__name__ == "bmm":
            (b, n, m), p = args[0].shape, args[1].shape[2]
            self.work += b * n * m * p
        return result


@pytest.mark.parametrize("any_order", [False, True])
def test_einsum_cost_bounds_every_tensor_and_product_on_the_way(
    monkeypatch: pytest.MonkeyPatch, any_order: bool
) -> None:
    # Left to right (PyTorch without opt_einsum) and, for the bound opt_einsum's paths need, every
    # order of three operands: what ATen allocates beyond the operands' own copies, and the
    # multiply-adds of its batched products, never exceed the prediction.
    if any_order:  # as if opt_einsum were installed: torch.einsum would let it choose the order
        monkeypatch.setattr(torch.backends.opt_einsum, "is_available", lambda: True)
        monkeypatch.setattr(torch.backends.opt_einsum, "enabled", True)
    rng = random.Random(3)
    for _ in range(300):
        sizes = {label: rng.choice([1, 2, 3, 5]) for label in "abcdAB"}
        pieces = ["".join(rng.sample("abcdAB", rng.randint(0, 4))) for _ in range(3)]
        operands = [torch.ones([sizes[c] if rng.random() < 0.85 else 1 for c in piece]) for piece in pieces]
        letters = sorted(set("".join(pieces)))
        output = rng.sample(letters, min(len(letters), rng.randint(0, 3)))
        equation = ",".join(pieces) + "->" + "".join(output)
        cost = einsum_cost([equation, *operands])
        assert cost is not None
        copies = max(op.numel() for op in operands)
        for path in [[0, 1, 0, 1], [0, 2, 0, 1], [1, 2, 0, 1]] if any_order else [None]:
            seen = _Allocations()
            with seen:
                if path is None:
                    torch.einsum(equation, *operands)
                else:
                    torch._VF.einsum(equation, operands, path=path)  # type: ignore[attr-defined]
            assert seen.largest <= max(cost[0], copies) and seen.work <= cost[1], (equation, path)


def test_einsum_list_form_and_refusals() -> None:
    a, b = torch.zeros(2, 3), torch.zeros(3, 4)
    assert einsum_cost(["ij,jk->ik", a, b]) == (8, 24)
    assert einsum_cost(["ij,jk", [a, b]]) == (8, 24)
    assert einsum_cost(["ij,jk", a]) is None
    assert einsum_cost([a, [0, 1]]) is None  # the interleaved form: refused by the table's einsum
    assert predict_elements("einsum", ("i,j->ij", torch.zeros(1000), torch.zeros(1000)), {}) == 1_000_000
