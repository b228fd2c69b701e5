"""Predict how many elements an operation will allocate, before it runs.

Each table entry names its `growth`; this module turns that and the actual arguments into a
predicted element count (or None when the result is never larger than its tensor inputs, or
when the arguments are malformed: then PyTorch itself raises the error).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import torch
import torch.backends.opt_einsum

from autograd_explorer.lang.allowlist import Growth
from autograd_explorer.lang.containers import ContainerSizes, Extent, is_container, tolist_extent

Measure = Callable[[object], Extent]


def _shape_of(value: object) -> tuple[int, ...] | None:
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, bool | int | float):
        return ()
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        return int(value.item())
    return None


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.item())
    return None


def _product(sizes: Sequence[object]) -> int | None:
    total = 1
    for size in sizes:
        n = _int(size)
        if n is None or n < 0:
            return None
        total *= n
    return total


def broadcast_shape(shapes: Sequence[tuple[int, ...]]) -> tuple[int, ...] | None:
    """NumPy/PyTorch broadcasting of `shapes` (None if they do not broadcast).

    Written out because torch.broadcast_shapes imports heavy machinery on its first call (~1 s).
    """
    ndim = max((len(shape) for shape in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        for i, size in enumerate(shape, start=ndim - len(shape)):
            if size == result[i] or size == 1:
                continue
            if result[i] != 1:
                return None
            result[i] = size
    return tuple(result)


# Broadcasts of two shapes already worked out: a loop combines the same shapes every turn
# (`h @ W + b`). The answer depends on the shapes alone; cleared when it grows past the bound.
_PAIR_ELEMENTS: dict[tuple[tuple[int, ...], tuple[int, ...]], int | None] = {}
_PAIR_CACHE_SIZE = 1024
_MATMUL_COSTS: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[int, int] | None] = {}
_EINSUM_COSTS: dict[tuple[str, tuple[torch.Size, ...], bool], tuple[int, int] | None] = {}


def _pair_elements(left: tuple[int, ...], right: tuple[int, ...]) -> int | None:
    """Elements of the broadcast of two shapes (None: they do not broadcast)."""
    key = (left, right)
    try:
        return _PAIR_ELEMENTS[key]
    except KeyError:
        pass
    shape = broadcast_shape([tuple(left), tuple(right)])
    elements = None if shape is None else math.prod(shape)
    if len(_PAIR_ELEMENTS) >= _PAIR_CACHE_SIZE:
        _PAIR_ELEMENTS.clear()
    _PAIR_ELEMENTS[key] = elements
    return elements


def broadcast_elements(values: Sequence[object]) -> int | None:
    """Elements of the broadcast of the tensors among `values` (None: no tensor, or incompatible)."""
    if len(values) == 2:  # a binary operator, per operation in a loop: the common cases first
        left, right = values  # a number broadcasts as shape (), anything else takes no part
        if isinstance(left, torch.Tensor):
            if not isinstance(right, torch.Tensor) or right.dim() == 0:
                return left.numel()
            left_shape, right_shape = left.shape, right.shape  # each read makes a torch.Size
            if left_shape == right_shape:
                return left.numel()
            if left.dim() == 0:
                return right.numel()
            return _pair_elements(left_shape, right_shape)
        elif isinstance(right, torch.Tensor):
            return right.numel()
        else:
            return None
    if len(values) == 1:  # a function of one tensor (`torch.tanh(h)`): its own size
        value = values[0]
        return value.numel() if isinstance(value, torch.Tensor) else None
    if not any(isinstance(v, torch.Tensor) for v in values):
        return None
    shape = broadcast_shape([shape for shape in (_shape_of(v) for v in values) if shape is not None])
    return None if shape is None else math.prod(shape)


def matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape of `a @ b` by torch.matmul's rules (None if they do not fit).

    Written out because meta tensors cost ~1 s on their first use in a process.
    """
    if not a or not b:
        return None
    left = (1, *a) if len(a) == 1 else a
    right = (*b, 1) if len(b) == 1 else b
    if left[-1] != right[-2]:
        return None
    batch = broadcast_shape([left[:-2], right[:-2]])
    if batch is None:
        return None
    shape = (*batch, left[-2], right[-1])
    if len(b) == 1:
        shape = shape[:-1]
    if len(a) == 1:
        shape = (*shape[:-2], shape[-1]) if len(b) > 1 else shape[:-1]
    return shape


def matmul_cost(a: object, b: object) -> tuple[int, int] | None:
    """(elements, multiply-adds) of `a @ b`, from the shapes alone."""
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return None
    key = (a.shape, b.shape)
    try:
        return _MATMUL_COSTS[key]
    except KeyError:
        pass
    shape = matmul_shape(tuple(a.shape), tuple(b.shape))
    cost = None if shape is None else (math.prod(shape), math.prod(shape) * a.shape[-1])
    if len(_MATMUL_COSTS) >= _PAIR_CACHE_SIZE:
        _MATMUL_COSTS.clear()
    _MATMUL_COSTS[key] = cost
    return cost


def _opt_einsum_orders(operands: int) -> bool:
    """Does torch.einsum let opt_einsum choose the order of the contractions (torch/functional.py)?"""
    return operands > 2 and torch.backends.opt_einsum.enabled and torch.backends.opt_einsum.is_available()


# Lectures contract two or three operands; sizing a call costs a few µs an operand in Python, and the
# call itself is one uninterruptible library call: 400,000 operands ran 3.5 s before the clock's
# next look. A fixed cap keeps every einsum far inside the wall-clock limit.
MAX_EINSUM_OPERANDS = 64


def einsum_operands(args: Sequence[object]) -> Sequence[object]:
    """torch.einsum's operands: what follows the equation, or the one list or tuple given there."""
    if len(args) == 2 and isinstance(args[1], list | tuple):
        return args[1]
    return args[1:]


def einsum_cost(args: Sequence[object]) -> tuple[int, int] | None:
    """(elements, multiply-adds) of `torch.einsum(equation, *operands)` (the operands also as one list).

    The elements are the output's, or the largest tensor a contraction makes on the way when that is
    larger; the multiply-adds are every contraction's batched product. None: the equation or the
    operands are malformed, which PyTorch refuses itself before it computes anything.
    """
    if not args or not isinstance(args[0], str):
        return None
    given = einsum_operands(args)
    operands = [op for op in given if isinstance(op, torch.Tensor)]
    if not operands or len(operands) != len(given):
        return None
    shapes = tuple(op.shape for op in operands)
    key = (args[0], shapes, _opt_einsum_orders(len(shapes)))
    try:
        return _EINSUM_COSTS[key]
    except KeyError:
        pass
    cost = _einsum_cost(*key)
    if len(_EINSUM_COSTS) >= _PAIR_CACHE_SIZE:
        _EINSUM_COSTS.clear()
    _EINSUM_COSTS[key] = cost
    return cost


@functools.lru_cache(maxsize=256)
def _einsum_subscripts(text: str) -> tuple[str, ...] | None:
    """One side of an einsum equation as ATen reads it: ASCII letters and one `...`, spaces ignored
    (None: anything else, which PyTorch refuses)."""
    labels: list[str] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char == ".":
            if text[at : at + 3] != "..." or "..." in labels:
                return None
            labels.append("...")
            at += 3
            continue
        if char != " ":
            if not (char.isascii() and char.isalpha()):
                return None
            labels.append(char)
        at += 1
    return tuple(labels)


def _einsum_operand(
    labels: tuple[str, ...], shape: torch.Size, spread: tuple[str, ...], sizes: dict[str, int]
) -> frozenset[str] | None:
    """One operand's labels of a size other than 1, its sizes added to `sizes` (None: a repeated
    letter's sizes differ, or a size disagrees with another operand's and is not 1)."""
    dims: list[str] = []
    for label in labels:
        if label == "...":  # the dimensions the letters leave, aligned from the right
            dims.extend(spread[len(spread) - (len(shape) - len(labels) + 1) :])
        else:
            dims.append(label)
    own: dict[str, int] = {}
    for label, size in zip(dims, shape, strict=True):
        if label in own:  # a repeated letter: the operand's diagonal, of the same size
            if own[label] != size:
                return None
            continue
        own[label] = size
        if size != 1:
            if sizes.get(label, 1) not in (1, size):
                return None
            sizes[label] = size
    return frozenset(label for label, size in own.items() if size != 1)


def _einsum_cost(equation: str, shapes: tuple[torch.Size, ...], any_order: bool) -> tuple[int, int] | None:
    """einsum_cost from the equation and the shapes, read as ATen's einsum reads them
    (aten/src/ATen/native/Linear.cpp): a letter of size 1 broadcasts, a letter repeated in an
    operand takes its diagonal, the dimensions an ellipsis covers are aligned from the right, and the
    implicit output is the ellipsis and the letters seen once, in order (A-Z, then a-z). Without
    opt_einsum the operands are contracted left to right, a letter summed as soon as no later operand
    and not the output has it, so each step's result and batched product are known exactly."""
    left, arrow, right = equation.partition("->")
    inputs = [_einsum_subscripts(piece) for piece in left.split(",")]
    if len(inputs) != len(shapes):
        return None
    ellipsis = 0
    for labels, shape in zip(inputs, shapes, strict=True):
        if labels is None:
            return None
        letters = len(labels) - ("..." in labels)
        if letters > len(shape) or ("..." not in labels and letters != len(shape)):
            return None
        if "..." in labels:
            ellipsis = max(ellipsis, len(shape) - letters)
    spread = tuple(f".{j}" for j in range(ellipsis))  # the ellipsis's dimensions, as labels
    sizes: dict[str, int] = {}
    present: list[frozenset[str]] = []  # per operand, the labels of its sizes other than 1
    read: dict[tuple[tuple[str, ...], torch.Size], frozenset[str] | None] = {}  # each distinct operand once
    for labels, shape in zip(inputs, shapes, strict=True):
        assert labels is not None
        if (labels, shape) not in read:
            read[labels, shape] = _einsum_operand(labels, shape, spread, sizes)
        nontrivial = read[labels, shape]
        if nontrivial is None:
            return None
        present.append(nontrivial)
    seen = Counter(label for labels in inputs if labels is not None for label in labels if label != "...")
    if not arrow:
        output = [*spread, *sorted(label for label, count in seen.items() if count == 1)]
    else:
        given = _einsum_subscripts(right)
        if given is None:
            return None
        output = []
        for label in given:
            if label == "...":
                output.extend(spread)
            elif seen[label] == 0 or label in output:
                return None
            else:
                output.append(label)

    def extent(labels: Iterable[str]) -> int:
        return math.prod(sizes.get(label, 1) for label in labels)

    elements = extent(output)
    if len(present) == 1:  # a sum over the operand (or a view of it)
        return elements, extent(present[0])
    keep = set(output)
    if any_order:  # opt_einsum picks the pairs: each result keeps output letters and shared ones only
        shared = {label for label in sizes if sum(label in p for p in present) > 1}
        return max(elements, extent(keep | shared)), (len(present) - 1) * extent(sizes)
    last = {label: k for k, operand in enumerate(present) for label in operand}  # the last operand having it
    largest, work, result = elements, 0, present[0]
    for k, operand in enumerate(present[1:], start=1):
        both = result | operand
        kept = frozenset(label for label in both if label in keep or last[label] > k)
        # letters only one side has and nothing needs are summed before the product, not in it
        work += extent((result & operand) | kept)
        result = kept
        largest = max(largest, extent(result))
    return largest, work


def _size_args(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    size: object = kwargs.get("size")
    if size is None:
        size = args[0] if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    if isinstance(size, torch.Size | list | tuple):
        return _product(list(size))
    return _product([size])


def _arange_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    numbers = [_number(a) for a in args]
    start, end, step = 0.0, None, 1.0
    if len(numbers) == 1:
        end = numbers[0]
    elif len(numbers) >= 2:
        start, end = numbers[0] or 0.0, numbers[1]
        if len(numbers) >= 3 and numbers[2] is not None:
            step = numbers[2]
    for key in ("start", "end", "step"):
        if key in kwargs:
            value = _number(kwargs[key])
            if value is None:
                return None
            if key == "start":
                start = value
            elif key == "end":
                end = value
            else:
                step = value
    if end is None or step == 0 or not all(math.isfinite(v) for v in (start, end, step)):
        return None
    return max(0, math.ceil((end - start) / step))


def _literal_elements(args: Sequence[object], kwargs: Mapping[str, object], measure: Measure) -> int | None:
    data = args[0] if args else kwargs.get("data")
    if isinstance(data, torch.Tensor):
        return data.numel()
    return measure(data).leaves if is_container(data) else None


def _tolist_items(args: Sequence[object]) -> int | None:
    tensor = args[0] if args else None
    if not isinstance(tensor, torch.Tensor) or tensor.dim() == 0:
        return None  # a 0-d tensor gives one number
    return tolist_extent(tuple(tensor.shape)).items


def _sum_slots(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """Python's sum(lists, start): the slots of the concatenation (None when it adds numbers)."""
    start = args[1] if len(args) > 1 else kwargs.get("start")
    iterable = args[0] if args else None
    if not (is_container(start) and is_container(iterable)):
        return None
    assert isinstance(start, list | tuple) and isinstance(iterable, list | tuple)
    try:
        return len(start) + sum(map(len, iterable))  # in C: a 10⁵-item list takes a millisecond
    except TypeError:
        return None  # a number among lists: sum itself raises Python's error


def _layer_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    sizes: list[object] = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
    for key in (
        "in_features",
        "out_features",
        "in1_features",
        "in2_features",
        "num_embeddings",
        "embedding_dim",
        "num_features",
    ):
        if key in kwargs:
            sizes.append(kwargs[key])
    shape = args[0] if args and isinstance(args[0], list | tuple) else kwargs.get("normalized_shape")
    if isinstance(shape, list | tuple):
        sizes.extend(shape)
    return _product(sizes) if sizes else None


def _conv_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    channels = [
        kwargs.get(k, args[i] if len(args) > i else None)
        for i, k in enumerate(("in_channels", "out_channels"))
    ]
    kernel = kwargs.get("kernel_size", args[2] if len(args) > 2 else None)
    kernel_sizes = list(kernel) if isinstance(kernel, list | tuple) else [kernel, kernel]
    return _product([*channels, *kernel_sizes])


# The constructors' parameters in PyTorch's order, with their defaults (torch/nn/modules/rnn.py,
# activation.py, transformer.py): a call is bound to them as Python would bind it.
_CELL_PARAMETERS = (("input_size", None), ("hidden_size", None), ("bias", True))
_RECURRENT_PARAMETERS = (
    ("input_size", None),
    ("hidden_size", None),
    ("num_layers", 1),
    ("bias", True),
    ("batch_first", False),
    ("dropout", 0.0),
    ("bidirectional", False),
    ("proj_size", 0),
)
# nn.RNN takes nonlinearity as its fourth positional argument and hands the rest to RNNBase.
_RNN_PARAMETERS = (*_RECURRENT_PARAMETERS[:3], ("nonlinearity", "tanh"), *_RECURRENT_PARAMETERS[3:])
_ATTENTION_PARAMETERS = (
    ("embed_dim", None),
    ("num_heads", None),
    ("dropout", 0.0),
    ("bias", True),
    ("add_bias_kv", False),
    ("add_zero_attn", False),
    ("kdim", None),
    ("vdim", None),
)
# TransformerEncoderLayer's and TransformerDecoderLayer's, the same list.
_TRANSFORMER_LAYER_PARAMETERS = (
    ("d_model", None),
    ("nhead", None),
    ("dim_feedforward", 2048),
    ("dropout", 0.1),
    ("activation", None),
    ("layer_norm_eps", 1e-5),
    ("batch_first", False),
    ("norm_first", False),
    ("bias", True),
)
_TRANSFORMER_PARAMETERS = (
    ("d_model", 512),
    ("nhead", 8),
    ("num_encoder_layers", 6),
    ("num_decoder_layers", 6),
    ("dim_feedforward", 2048),
    ("dropout", 0.1),
    ("activation", None),
    ("custom_encoder", None),
    ("custom_decoder", None),
    ("layer_norm_eps", 1e-5),
    ("batch_first", False),
    ("norm_first", False),
    ("bias", True),
)
# Rows of weight_ih per unit of hidden_size: one block per gate.
_GATES = {"rnn_cell": 1, "gru_cell": 3, "lstm_cell": 4, "rnn": 1, "gru": 3, "lstm": 4}


def _bind(
    parameters: Sequence[tuple[str, object]], args: Sequence[object], kwargs: Mapping[str, object]
) -> dict[str, object]:
    """The arguments by name, defaults filled in (extra or unknown ones: PyTorch refuses them itself)."""
    bound = dict(parameters)
    bound.update(zip((name for name, _ in parameters), args, strict=False))
    bound.update((k, v) for k, v in kwargs.items() if k in bound)
    return bound


def _flag(value: object) -> bool:
    """A switch such as bias=: its truth as PyTorch's `if bias:` reads it, True when that cannot be
    told without running the program's code (an upper bound: a switch only adds parameters)."""
    if value is None or isinstance(value, bool | int | float | str):
        return bool(value)
    return True


def _sizes(bound: Mapping[str, object], *names: str) -> list[int] | None:
    sizes = [_int(bound[name]) for name in names]
    if any(size is None or size < 0 for size in sizes):
        return None  # PyTorch raises its own error before allocating
    return sizes  # type: ignore[return-value]


def _cell_parameters(gates: int, args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """RNNCellBase: weight_ih (gates·H × I), weight_hh (gates·H × H), and two biases of gates·H."""
    bound = _bind(_CELL_PARAMETERS, args, kwargs)
    sizes = _sizes(bound, "input_size", "hidden_size")
    if sizes is None:
        return None
    input_size, hidden = sizes
    rows = gates * hidden
    return rows * (input_size + hidden) + (2 * rows if _flag(bound["bias"]) else 0)


def _recurrent_parameters(
    gates: int, parameters: Sequence[tuple[str, object]], args: Sequence[object], kwargs: Mapping[str, object]
) -> int | None:
    """RNNBase: per layer and direction weight_ih, weight_hh, two biases and (proj_size > 0) weight_hr."""
    bound = _bind(parameters, args, kwargs)
    sizes = _sizes(bound, "input_size", "hidden_size", "num_layers", "proj_size")
    if sizes is None:
        return None
    input_size, hidden, layers, projection = sizes
    directions = 2 if _flag(bound["bidirectional"]) else 1
    rows = gates * hidden
    state = projection if projection > 0 else hidden  # what h carries to the next step and layer
    per_direction = rows * state + (2 * rows if _flag(bound["bias"]) else 0) + projection * hidden
    inputs = input_size + max(layers - 1, 0) * state * directions  # every layer's weight_ih columns
    return directions * (rows * inputs + layers * per_direction)


def _attention_parameters(
    bound: Mapping[str, object], embed: int, kdim: int | None = None, vdim: int | None = None
) -> int:
    """MultiheadAttention: q, k, v projections (in_proj_weight, or three when kdim/vdim differ),
    out_proj, in_proj_bias + out_proj.bias, and bias_k, bias_v when add_bias_kv."""
    keys = embed if kdim is None else kdim
    values = embed if vdim is None else vdim
    total = embed * (embed + keys + values) + embed * embed
    if _flag(bound.get("bias", True)):
        total += 4 * embed
    if _flag(bound.get("add_bias_kv", False)):
        total += 2 * embed
    return total


def _multihead_parameters(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    bound = _bind(_ATTENTION_PARAMETERS, args, kwargs)
    sizes = _sizes(bound, "embed_dim")
    dims = [None if bound[k] is None else _int(bound[k]) for k in ("kdim", "vdim")]
    if sizes is None or any(d is not None and d < 0 for d in dims):
        return None
    if any(d is None and bound[k] is not None for d, k in zip(dims, ("kdim", "vdim"), strict=True)):
        return None  # not a whole number: PyTorch refuses it
    return _attention_parameters(bound, sizes[0], dims[0], dims[1])


def _transformer_layer_parameters(attentions: int, model: int, feedforward: int, bias: bool) -> int:
    """A transformer layer of `attentions` MultiheadAttentions: those, linear1 (d_model →
    dim_feedforward), linear2 (back), and a LayerNorm per block (weight, and bias when bias=True)."""
    linears = 2 * model * feedforward + ((feedforward + model) if bias else 0)
    norms = (attentions + 1) * (model + (model if bias else 0))
    return attentions * _attention_parameters({"bias": bias}, model) + linears + norms


def _layer_parameters(attentions: int, args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """TransformerEncoderLayer (self-attention: one) or TransformerDecoderLayer (self-attention and
    the attention over memory: two)."""
    bound = _bind(_TRANSFORMER_LAYER_PARAMETERS, args, kwargs)
    sizes = _sizes(bound, "d_model", "dim_feedforward")
    if sizes is None:
        return None
    return _transformer_layer_parameters(attentions, sizes[0], sizes[1], _flag(bound["bias"]))


def stacked_layer(args: Sequence[object], kwargs: Mapping[str, object]) -> tuple[torch.nn.Module, int] | None:
    """TransformerEncoder(encoder_layer, num_layers) and TransformerDecoder(decoder_layer, num_layers):
    the layer they deep-copy and how many times (None: not a module and a whole number, PyTorch refuses)."""
    layer = args[0] if args else kwargs.get("encoder_layer", kwargs.get("decoder_layer"))
    count = _int(args[1] if len(args) > 1 else kwargs.get("num_layers"))
    if not isinstance(layer, torch.nn.Module) or count is None:
        return None
    return layer, max(count, 0)


def _stack_parameters(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """Each copy holds every parameter and buffer of the layer anew (the norm given is the program's,
    counted when it was made)."""
    stacked = stacked_layer(args, kwargs)
    if stacked is None:
        return None
    layer, count = stacked
    tensors = [*layer.parameters(), *layer.buffers()]
    return count * sum(t.numel() for t in tensors)


def _transformer_parameters(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """nn.Transformer: num_encoder_layers encoder layers and a LayerNorm, num_decoder_layers decoder
    layers and a LayerNorm; a custom_encoder or custom_decoder given is the program's, made before."""
    bound = _bind(_TRANSFORMER_PARAMETERS, args, kwargs)
    sizes = _sizes(bound, "d_model", "num_encoder_layers", "num_decoder_layers", "dim_feedforward")
    if sizes is None:
        return None
    model, encoders, decoders, feedforward = sizes
    bias = _flag(bound["bias"])
    norm = model + (model if bias else 0)
    total = 0
    if bound["custom_encoder"] is None:
        total += encoders * _transformer_layer_parameters(1, model, feedforward, bias) + norm
    if bound["custom_decoder"] is None:
        total += decoders * _transformer_layer_parameters(2, model, feedforward, bias) + norm
    return total


def module_parameters(growth: Growth, args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """Elements of every parameter a recurrent or attention module will make (None: not one)."""
    if growth in ("rnn_cell", "gru_cell", "lstm_cell"):
        return _cell_parameters(_GATES[growth], args, kwargs)
    if growth in ("rnn", "gru", "lstm"):
        parameters = _RNN_PARAMETERS if growth == "rnn" else _RECURRENT_PARAMETERS
        return _recurrent_parameters(_GATES[growth], parameters, args, kwargs)
    if growth == "attention":
        return _multihead_parameters(args, kwargs)
    if growth in ("encoder_layer", "decoder_layer"):
        return _layer_parameters(1 if growth == "encoder_layer" else 2, args, kwargs)
    if growth == "layer_stack":
        return _stack_parameters(args, kwargs)
    if growth == "transformer":
        return _transformer_parameters(args, kwargs)
    if growth == "prelu":  # PReLU(num_parameters=1, init=0.25): one slope per channel
        return _int(args[0] if args else kwargs.get("num_parameters", 1))
    return None


def made_parameters(
    module: torch.nn.Module, args: Sequence[object], kwargs: Mapping[str, object]
) -> list[torch.Tensor]:
    """The parameters a call that returned `module` made: a container's children passed in
    (`nn.Sequential(l1, nn.ReLU())`, `nn.ModuleList([l1, l2])`) were counted when they were made,
    and counted again they refused a program that fit (a 1000x1000 Linear wrapped in a Sequential
    made 2,001,000 elements of 1,001,000)."""
    given: set[int] = set()
    stack: list[object] = [*args, *kwargs.values()]
    while stack:
        value = stack.pop()
        if isinstance(value, torch.nn.Module):
            given.update(map(id, value.parameters()))
        elif isinstance(value, torch.Tensor):  # nn.ParameterList([w1, w2]): each made before
            given.add(id(value))
        elif isinstance(value, list | tuple):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
    return [p for p in module.parameters() if id(p) not in given]


def optimizer_state_elements(optimizer: torch.optim.Optimizer) -> int:
    """The elements an optimizer's state will hold once it steps (PyTorch allocates it lazily, at the
    first step): a momentum buffer per parameter, Adam's two moments, and L-BFGS's history_size
    pairs of flat vectors, 200 copies of the parameters by default, which a parameter count that fit
    can exceed many times over."""
    total = 0
    for group in optimizer.param_groups:
        n = sum(p.numel() for p in group["params"])
        if isinstance(optimizer, torch.optim.LBFGS):
            copies = 2 * int(group["history_size"]) + 3  # old_dirs, old_stps; d, prev_flat_grad, flat_grad
        elif isinstance(optimizer, torch.optim.Adam | torch.optim.AdamW):
            copies = 3 if group.get("amsgrad") else 2
        elif isinstance(optimizer, torch.optim.RMSprop):
            copies = 1 + bool(group.get("momentum")) + bool(group.get("centered"))
        elif isinstance(optimizer, torch.optim.SGD):
            copies = 1 if group.get("momentum") else 0
        else:  # Adagrad's sum, and any other: one copy
            copies = 1
        total += copies * n
    return total


def module_growth(growth: Growth) -> bool:
    """Does this growth rule count a whole module's parameters (made by one library call)?"""
    return growth in _MODULE_GROWTHS


_MODULE_GROWTHS = frozenset(
    {*_GATES, "attention", "encoder_layer", "decoder_layer", "layer_stack", "transformer", "prelu"}
)


def _one_hot_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """F.one_hot(indices, num_classes=-1): a row per index, as long as the classes; -1 takes them
    from the data (the largest index + 1: `F.one_hot(torch.tensor([10**9]))` is 10⁹ elements)."""
    indices = args[0] if args else kwargs.get("tensor")
    classes = _int(args[1]) if len(args) > 1 else _int(kwargs.get("num_classes", -1))
    if not isinstance(indices, torch.Tensor) or indices.dtype != torch.int64 or classes is None:
        return None  # PyTorch raises its own error
    if classes == -1:
        if indices.numel() == 0:
            return None
        classes = int(indices.max()) + 1
    return indices.numel() * max(classes, 0)


def interpolated_shape(shape: tuple[int, ...], size: object, scale_factor: object) -> tuple[int, ...] | None:
    """F.interpolate's (and nn.Upsample's) output: (N, C, *spatial) with each spatial size given by
    `size`, or floor(size · scale_factor) as torch/nn/functional.py computes it (None: PyTorch raises)."""
    spatial = len(shape) - 2
    if spatial < 1 or (size is None) == (scale_factor is None):
        return None
    given = size if size is not None else scale_factor
    values = list(given) if isinstance(given, list | tuple) else [given] * spatial
    if len(values) != spatial:
        return None
    out: list[int] = []
    for n, value in zip(shape[2:], values, strict=True):
        if size is not None:
            number = _int(value)
        else:
            factor = _number(value)
            number = math.floor(n * factor) if factor is not None and math.isfinite(factor) else None
        if number is None or number < 1:
            return None
        out.append(number)
    return (*shape[:2], *out)


def _interpolate_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """F.interpolate(input, size=None, scale_factor=None, mode=...): its output's elements."""
    given = {**dict(zip(("input", "size", "scale_factor"), args, strict=False)), **kwargs}
    tensor = given.get("input")
    if not isinstance(tensor, torch.Tensor):
        return None
    shape = interpolated_shape(tuple(tensor.shape), given.get("size"), given.get("scale_factor"))
    return None if shape is None else math.prod(shape)


def _count_elements(args: Sequence[object]) -> int | None:
    numbers = [_int(a) for a in args]
    if not numbers or any(n is None for n in numbers) or len(numbers) > 3:
        return None
    try:
        return len(range(*numbers))  # type: ignore[arg-type]
    except ValueError:
        return None  # a zero step: range itself raises Python's error


def _dim_sizes(x: torch.Tensor, dim: object) -> tuple[int, int] | None:
    """(the size of dimension `dim`, the product of the others): a 0-d tensor as one element of one
    dimension, as PyTorch wraps its dim (None: not a dimension of x, PyTorch's IndexError)."""
    shape = list(x.shape) or [1]
    at = _int(dim)
    if at is None or not -len(shape) <= at < len(shape):
        return None
    size = shape.pop(at)
    return size, math.prod(shape)


def _index_select_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """index_select(input, dim, index): input's shape with dim's size replaced by index's length."""
    bound = _bind((("input", None), ("dim", None), ("index", None)), args, kwargs)
    x, index = bound["input"], bound["index"]
    if not isinstance(x, torch.Tensor) or not isinstance(index, torch.Tensor):
        return None
    sizes = _dim_sizes(x, bound["dim"])
    return None if sizes is None else sizes[1] * index.numel()


def _repeats_total(repeats: object, length: int) -> int | None:
    """How long `length` slices become, each repeated as `repeats` says: an int (or a one-element
    tensor) repeats each as often, a tensor gives each its count (read before the call, summed in
    float64: exact below 2⁵³, and far above any limit beyond). None: PyTorch refuses them (negative
    counts, a float or bool tensor of counts)."""
    if isinstance(repeats, torch.Tensor):
        if repeats.is_floating_point() or repeats.is_complex() or repeats.dtype == torch.bool:
            return None
        if repeats.numel() == 0:
            return 0
        if int(repeats.min()) < 0:
            return None
        if repeats.numel() > 1:
            return int(repeats.sum(dtype=torch.float64))
    count = _int(repeats)
    return None if count is None or count < 0 else count * length


def _repeat_interleave_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """repeat_interleave(input, repeats, dim=None, output_size=None): dim's size becomes the repeated
    length (the input flattened without dim); `repeat_interleave(repeats)` alone repeats the indices
    0..n-1. output_size= is allocated as given, before PyTorch compares it with the repeats."""
    bound = _bind((("input", None), ("repeats", None), ("dim", None)), args, kwargs)
    x, repeats = bound["input"], bound["repeats"]
    if not isinstance(x, torch.Tensor):
        return None
    if repeats is None:  # repeat_interleave(counts): the indices 0..n-1, each repeated its count
        repeats = x
    sizes = (x.numel(), 1) if bound["dim"] is None else _dim_sizes(x, bound["dim"])
    if sizes is None:
        return None
    length = _repeats_total(repeats, sizes[0])
    if length is None:
        return None
    given = _int(kwargs.get("output_size"))
    return sizes[1] * max(length, given or 0)


def _diag_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """diag(input, diagonal=0): a vector of n becomes an (n + |diagonal|)² matrix (a matrix's diagonal
    is smaller than the matrix)."""
    bound = _bind((("input", None), ("diagonal", 0)), args, kwargs)
    x, offset = bound["input"], _int(bound["diagonal"])
    if not isinstance(x, torch.Tensor) or x.dim() != 1 or offset is None:
        return None
    return (x.shape[0] + abs(offset)) ** 2


def _unfold_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """x.unfold(dimension, size, step): a view of every window, dimension's size becoming the number
    of windows, (n - size) // step + 1, and a last dimension of `size` added. The view costs nothing,
    but every later operation reads all its elements."""
    bound = _bind((("input", None), ("dimension", None), ("size", None), ("step", None)), args, kwargs)
    x, size, step = bound["input"], _int(bound["size"]), _int(bound["step"])
    if not isinstance(x, torch.Tensor) or size is None or step is None:
        return None
    sizes = _dim_sizes(x, bound["dimension"])
    if sizes is None or not 0 <= size <= sizes[0] or step <= 0:
        return None  # PyTorch's own error
    return ((sizes[0] - size) // step + 1) * size * sizes[1]


def _nonzero_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """nonzero(input): a row of indices per non-zero element (as_tuple=True: a tensor per
    dimension), the elements counted before the call (at most numel × ndim)."""
    x = args[0] if args else kwargs.get("input")
    if not isinstance(x, torch.Tensor):
        return None
    return int(torch.count_nonzero(x)) * max(x.dim(), 1)


# x.new_zeros(2, 3), x.new_full(size, value), x.new_tensor(data): torch.zeros's, torch.full's and
# torch.tensor's rules on the arguments after the tensor (which gives only the dtype and device).
NEW_FACTORIES: dict[Growth, Growth] = {"new_factory": "factory", "new_full": "full", "new_literal": "literal"}
# Products whose multiply-adds are bounded as well as their result (product_cost).
PRODUCTS = frozenset({"matmul", "einsum", "attention_scores", "lstsq", "cdist", "tensordot"})
# What a refusal names as the maker of elements the student never sees as one tensor.
MADE_BY: dict[Growth, str] = {
    "attention_scores": "the attention's L × S scores",
    "lstsq": "the solution and the copy of A that lstsq factorizes",
}


def product_cost(
    growth: Growth, args: Sequence[object], kwargs: Mapping[str, object] | None = None
) -> tuple[int, int] | None:
    """(elements, multiply-adds) of a matrix product, an einsum or an attention's two products."""
    if growth == "einsum":
        return einsum_cost(args)
    if growth == "attention_scores":
        return attention_cost(args, kwargs or {})
    if growth == "lstsq":
        return lstsq_cost(args, kwargs or {})
    if growth == "cdist":
        return cdist_cost(args, kwargs or {})
    if growth == "tensordot":
        return tensordot_cost(args, kwargs or {})
    return matmul_cost(args[0], args[1]) if len(args) >= 2 else None


def cdist_cost(args: Sequence[object], kwargs: Mapping[str, object]) -> tuple[int, int] | None:
    """torch.cdist(x1, x2): every distance between x1's P rows and x2's R rows, (…, P, R), each over
    their M columns: (those elements, P · R · M a batch)."""
    bound = _bind((("x1", None), ("x2", None)), args, kwargs)
    x1, x2 = bound["x1"], bound["x2"]
    if not (isinstance(x1, torch.Tensor) and isinstance(x2, torch.Tensor)) or min(x1.dim(), x2.dim()) < 2:
        return None
    batch = broadcast_shape([tuple(x1.shape[:-2]), tuple(x2.shape[:-2])])
    if batch is None:
        return None
    elements = math.prod(batch) * x1.shape[-2] * x2.shape[-2]
    return elements, elements * x1.shape[-1]


def _tensordot_dims(dims: object) -> tuple[object, object] | int | None:
    """torch.tensordot's dims= as torch/functional.py reads it: a count (an int, a bool as one, a
    tensor of one element by int(dims.item())), or the two lists of dimensions (a pair, or a tensor
    of two rows). None: a form PyTorch refuses itself."""
    if isinstance(dims, torch.Tensor):
        if dims.numel() > 1:
            return (dims[0].tolist(), dims[1].tolist()) if dims.shape[0] == 2 else None
        return int(dims.item()) if dims.numel() == 1 else None
    if isinstance(dims, int):
        return int(dims)
    if isinstance(dims, list | tuple) and len(dims) == 2:
        return dims[0], dims[1]
    return None


def _wrapped_dims(given: object, ndim: int) -> list[int] | None:
    """One list of tensordot's dimensions, each wrapped as ATen wraps a dim (None: not a list of whole
    numbers, out of range or repeated: PyTorch's own error)."""
    if not isinstance(given, list | tuple):
        return None
    dims = [_int(d) for d in given]
    wrapped = [d % ndim if d is not None and -ndim <= d < ndim else None for d in dims]
    if any(d is None for d in wrapped) or len(set(wrapped)) != len(wrapped):
        return None
    return wrapped  # type: ignore[return-value]


def tensordot_cost(args: Sequence[object], kwargs: Mapping[str, object]) -> tuple[int, int] | None:
    """torch.tensordot(a, b, dims=2): a's free dimensions then b's (a's last `dims` contracted with
    b's first, or the listed ones pairwise), so (the free sizes' product, that × the contracted sizes'
    product), read as ATen reads them (aten/src/ATen/native/Linear.cpp): a contracted size of 1
    against another is summed before the product. Free sizes, not elements: (10⁶, 0) · (0, 10⁶) is
    10¹² zeros."""
    bound = _bind((("a", None), ("b", None), ("dims", 2)), args, kwargs)
    a, b = bound["a"], bound["b"]
    dims = _tensordot_dims(bound["dims"])
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)) or dims is None:
        return None
    if isinstance(dims, int):
        if dims < 0 or dims > min(a.dim(), b.dim()):
            return None
        dims = (list(range(-dims, 0)), list(range(dims)))
    dims_a, dims_b = _wrapped_dims(dims[0], a.dim()), _wrapped_dims(dims[1], b.dim())
    if dims_a is None or dims_b is None or len(dims_a) != len(dims_b):
        return None
    contracted = 1
    for i, j in zip(dims_a, dims_b, strict=True):
        left, right = a.shape[i], b.shape[j]
        if left != right and 1 not in (left, right):
            return None  # PyTorch: contracted dimensions need to match
        if left == right and right != 1:
            contracted *= left
    free_a = math.prod(size for k, size in enumerate(a.shape) if k not in dims_a)
    free_b = math.prod(size for k, size in enumerate(b.shape) if k not in dims_b)
    return free_a * free_b, free_a * free_b * contracted


def lstsq_cost(args: Sequence[object], kwargs: Mapping[str, object]) -> tuple[int, int] | None:
    """torch.linalg.lstsq(A, B): A (…, m, n), B (…, m, k) or (…, m). Its solution is n × k per batch,
    and the driver factorizes a copy of A (m · n) with about m · n · (min(m, n) + k) multiply-adds:
    (the solution's, A's copy's and the small results' elements, those multiply-adds). By keyword they
    are `input=` and `b=`, as ATen names them."""
    bound = _bind((("input", None), ("b", None)), args, kwargs)  # ATen's names for A and B
    a, b = bound["input"], bound["b"]
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)) or a.dim() < 2 or b.dim() < 1:
        return None
    vector = b.dim() == a.dim() - 1
    batch = broadcast_shape([tuple(a.shape[:-2]), tuple(b.shape[:-1] if vector else b.shape[:-2])])
    if batch is None:
        return None
    rows, columns = a.shape[-2:]
    k = 1 if vector else b.shape[-1]
    count = math.prod(batch)
    elements = count * (columns * k + rows * columns + k + min(rows, columns))
    return elements, count * rows * columns * (min(rows, columns) + k)


def attention_cost(args: Sequence[object], kwargs: Mapping[str, object]) -> tuple[int, int] | None:
    """F.scaled_dot_product_attention(query, key, value): softmax(q kᵀ / √E) v. Its scores are L × S per
    batch and head, however small q, k and v are (two 4096-token sequences of width 8 make 16.7 M
    scores, made and freed inside the one call), then the output L × Ev: (those elements, the two
    products' multiply-adds). The tensors may be given by keyword."""
    bound = _bind((("query", None), ("key", None), ("value", None)), args, kwargs)
    query, key, value = bound["query"], bound["key"], bound["value"]
    if not (
        isinstance(query, torch.Tensor) and isinstance(key, torch.Tensor) and isinstance(value, torch.Tensor)
    ):
        return None
    if min(query.dim(), key.dim(), value.dim()) < 2:
        return None
    batch = broadcast_shape([tuple(query.shape[:-2]), tuple(key.shape[:-2]), tuple(value.shape[:-2])])
    if batch is None:
        return None
    (length, width), sources, value_width = query.shape[-2:], key.shape[-2], value.shape[-1]
    scores = math.prod(batch) * length * sources
    output = math.prod(batch) * length * value_width
    return scores + output, scores * (width + value_width)


VIEW_PIECES = frozenset({"split", "chunk", "unbind"})


def view_pieces(growth: Growth, args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """How many views split, chunk and unbind return (`torch.split(x, 2, 1)` or `x.split(2, 1)`:
    the tensor first), when it can be told before the call; None leaves the count to PyTorch's
    own errors. Each view is a tensor object: the budget counts it as an operation."""
    x = args[0] if args else kwargs.get("input")
    if not isinstance(x, torch.Tensor) or x.dim() == 0:
        return None
    at = 1 if growth == "unbind" else 2
    dim = _int(args[at] if len(args) > at else kwargs.get("dim", 0))
    if dim is None or not -x.dim() <= dim < x.dim():
        return None
    size = x.shape[dim]
    if growth == "unbind":
        return size
    names = ("chunks",) if growth == "chunk" else ("split_size_or_sections", "split_size")
    first = args[1] if len(args) > 1 else next((kwargs[n] for n in names if n in kwargs), None)
    if growth == "split" and isinstance(first, list | tuple):
        return len(first)
    n = _int(first)
    if n is None or n <= 0:
        return None
    return min(n, size) if growth == "chunk" else max(-(-size // n), 1)


def _normal_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """normal(mean, std, size) draws `size`; normal(mean, std) one per element of their broadcast."""
    size = kwargs.get("size", args[2] if len(args) > 2 else None)
    if size is not None:
        return _product(list(size)) if isinstance(size, torch.Size | list | tuple) else None
    given = [*args[:2], *(kwargs[k] for k in ("mean", "std") if k in kwargs)]
    return broadcast_elements(given)


def _multinomial_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """multinomial(probs, num_samples): num_samples indices per row of probs."""
    probs = args[0] if args else kwargs.get("input")
    samples = _int(args[1] if len(args) > 1 else kwargs.get("num_samples"))
    if not isinstance(probs, torch.Tensor) or probs.ndim == 0 or samples is None or samples < 0:
        return None  # PyTorch's own error says what is wrong
    return (probs.numel() // max(probs.shape[-1], 1)) * samples


def _repeat_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """x.repeat(*sizes), x.tile(dims): x's elements times the product of the sizes (a list or tuple, or
    each given; tile's fewer dims than x has are ones in front, which change no count)."""
    if not args or not isinstance(args[0], torch.Tensor):
        return None
    one = len(args) == 2 and isinstance(args[1], list | tuple | torch.Size)  # x.repeat((2, 3))
    sizes: object = (
        args[1] if one else args[1:] or kwargs.get("repeats", kwargs.get("dims"))
    )  # x.repeat(2, 3)
    if not isinstance(sizes, list | tuple | torch.Size):
        return None  # PyTorch's own error says what is wrong
    times = _product(list(sizes))
    return None if times is None else args[0].numel() * times


def _pad_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """F.pad(x, pad, mode='constant', value=0): the last len(pad) / 2 dimensions grown by pad's
    (left, right) pairs, the last dimension first; a negative pad crops. None: PyTorch's own error."""
    bound = _bind((("input", None), ("pad", None)), args, kwargs)
    x, pad = bound["input"], bound["pad"]
    if not isinstance(x, torch.Tensor) or not isinstance(pad, list | tuple) or len(pad) % 2:
        return None
    amounts = [_int(p) for p in pad]
    if any(a is None for a in amounts) or len(amounts) // 2 > x.dim():
        return None
    shape = list(x.shape)
    for k in range(len(amounts) // 2):
        left, right = amounts[2 * k], amounts[2 * k + 1]
        assert left is not None and right is not None
        shape[-1 - k] += left + right
    return math.prod(max(size, 0) for size in shape)


def _covariance_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """torch.cov(x), torch.corrcoef(x): a row per variable (x's rows, one for a vector), so rows²."""
    x = args[0] if args else kwargs.get("input")
    if not isinstance(x, torch.Tensor):
        return None
    rows = x.shape[0] if x.dim() == 2 else 1
    return rows * rows


def _block_diag_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """torch.block_diag(*tensors): each block on the diagonal (a 0-d tensor as 1 × 1, a vector as a
    row 1 × n, a matrix as it is), zeros elsewhere: the rows summed × the columns summed."""
    rows = columns = 0
    for block in args:
        if not isinstance(block, torch.Tensor) or block.dim() > 2:
            return None  # PyTorch's own error
        shape = (1, 1, *block.shape)[-2:]
        rows += shape[0]
        columns += shape[1]
    return rows * columns


_PAD_SEQUENCE_PARAMETERS = (
    ("sequences", None),
    ("batch_first", False),
    ("padding_value", 0.0),
    ("padding_side", "right"),
)


def _pad_sequence_elements(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'): every
    sequence padded to the longest, L × B × * (B × L × *), the trailing sizes the first sequence's
    (ATen allocates by them before it copies the others in). A tensor is its rows' sequences (its
    elements, no more)."""
    sequences = _bind(_PAD_SEQUENCE_PARAMETERS, args, kwargs)["sequences"]
    if isinstance(sequences, torch.Tensor):
        return sequences.numel() if sequences.dim() > 1 else None
    if not isinstance(sequences, list | tuple) or not sequences:
        return None
    tensors = [s for s in sequences if isinstance(s, torch.Tensor) and s.dim() > 0]
    if len(tensors) != len(sequences):
        return None  # PyTorch's own error
    return len(tensors) * max(t.shape[0] for t in tensors) * math.prod(tensors[0].shape[1:])


def sequence_views(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """pad_sequence given one tensor takes tuple() of it: a view per row, each a tensor object (an
    operation of the budget, as unbind's pieces)."""
    sequences = _bind(_PAD_SEQUENCE_PARAMETERS, args, kwargs)["sequences"]
    return sequences.shape[0] if isinstance(sequences, torch.Tensor) and sequences.dim() > 0 else None


# Operations whose result's shape is read from their arguments' shapes and values.
_SHAPE_RULES: dict[Growth, Callable[[Sequence[object], Mapping[str, object]], int | None]] = {
    "index_select": _index_select_elements,
    "repeat_interleave": _repeat_interleave_elements,
    "diag": _diag_elements,
    "unfold": _unfold_elements,
    "nonzero": _nonzero_elements,
    "normal": _normal_elements,
    "multinomial": _multinomial_elements,
    "repeat": _repeat_elements,
    "pad": _pad_elements,
    "covariance": _covariance_elements,
    "block_diag": _block_diag_elements,
    "pad_sequence": _pad_sequence_elements,
}


def list_growth(growth: Growth) -> bool:
    """Does this growth rule predict the slots of a Python list (not the elements of a tensor)?"""
    return growth in ("tolist", "sum")


def predict_elements(
    growth: Growth,
    args: Sequence[object],
    kwargs: Mapping[str, object],
    measure: Measure | None = None,
) -> int | None:
    """Elements the call will allocate, when its growth rule can tell (None: cannot grow).

    For "tolist" and "sum" they are the slots of the Python lists made; `measure` gives the
    extent of list arguments (a ContainerSizes' cache, when the caller has one).
    """
    if growth == "none" or growth in VIEW_PIECES:
        return None
    if growth == "literal":
        return _literal_elements(args, kwargs, measure or ContainerSizes().measure)
    if growth == "tolist":
        return _tolist_items(args)
    if growth == "sum":
        return _sum_slots(args, kwargs)
    if growth == "broadcast":
        return broadcast_elements([*args, *kwargs.values()])
    if growth == "factory":
        return _size_args(args, kwargs)
    if growth == "full":
        return _size_args(args[:1], kwargs)
    if growth == "eye":
        n = _int(args[0]) if args else _int(kwargs.get("n"))
        m = _int(args[1]) if len(args) > 1 else _int(kwargs.get("m", n))
        return None if n is None or m is None else max(n, 0) * max(m, 0)
    if growth == "arange":
        return _arange_elements(args, kwargs)
    if growth == "linspace":
        steps = args[2] if len(args) > 2 else kwargs.get("steps")
        return _int(steps)
    if growth in PRODUCTS:
        cost = product_cost(growth, args, kwargs)
        return None if cost is None else cost[0]
    if growth in NEW_FACTORIES:
        return predict_elements(NEW_FACTORIES[growth], args[1:], kwargs, measure)
    if growth == "outer":
        if len(args) >= 2 and all(isinstance(a, torch.Tensor) for a in args[:2]):
            a, b = args[0], args[1]
            assert isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
            return a.numel() * b.numel()
        return None
    if growth == "meshgrid":  # one grid per vector, each the product of their lengths
        vectors = args[0] if len(args) == 1 and isinstance(args[0], list | tuple) else args
        if vectors and all(isinstance(v, torch.Tensor) for v in vectors):
            return len(vectors) * math.prod(v.numel() for v in vectors)  # type: ignore[union-attr]
        return None
    if growth == "layer":  # Linear(in, out), Embedding(n, d), BatchNorm1d(n): the weight's size
        return _layer_elements(args, kwargs)
    if growth == "conv":  # Conv2d(in, out, k): in × out × k × k weights
        return _conv_elements(args, kwargs)
    if module_growth(growth):  # LSTM(I, H), MultiheadAttention(E, heads): every parameter
        return module_parameters(growth, args, kwargs)
    if growth == "square_mask":  # nn.Transformer.generate_square_subsequent_mask(sz): sz × sz
        side = _int(args[0] if args else kwargs.get("sz"))
        return None if side is None else max(side, 0) ** 2
    if growth == "randint":  # randint(low, high, size)
        size = kwargs.get("size", args[-1] if args else None)
        return _product(list(size)) if isinstance(size, list | tuple) else None
    if growth == "count":  # range(n), randperm(n)
        return _count_elements(args)
    if growth == "iterable":
        return None  # the evaluator checks the length of what it is given
    if growth == "one_hot":
        return _one_hot_elements(args, kwargs)
    if growth == "interpolate":
        return _interpolate_elements(args, kwargs)
    if growth in _SHAPE_RULES:
        return _SHAPE_RULES[growth](args, kwargs)
    # "concat": the parts' elements together
    parts = args[0] if args else kwargs.get("tensors")
    if isinstance(parts, list | tuple):
        return sum(p.numel() for p in parts if isinstance(p, torch.Tensor))
    return None


def _tensors_among(args: Sequence[object], kwargs: Mapping[str, object]) -> list[torch.Tensor]:
    return [v for v in (*args, *kwargs.values()) if isinstance(v, torch.Tensor)]


def empty_input_bound(args: Sequence[object], kwargs: Mapping[str, object]) -> int | None:
    """When a tensor argument has no elements, an upper bound on what the call can allocate.

    The rules above assume an operation is never larger than its inputs, which fails for an empty
    input: `torch.ones(10**6, 10**6, 0).sum(2)` is 10¹² zeros. A result's sizes come from its
    inputs' sizes, and a zero size can only be dropped (by a reduction) or kept (giving nothing),
    so the product of every input's non-zero sizes bounds it. None: no empty tensor argument.
    """
    tensors = _tensors_among(args, kwargs)
    if not any(t.numel() == 0 for t in tensors):
        return None
    return math.prod(size for t in tensors for size in t.shape if size)


def _stand_in(value: object) -> object:
    if isinstance(value, torch.Tensor):
        return torch.empty(value.shape, dtype=value.dtype, device="meta")
    if is_container(value):
        assert isinstance(value, list | tuple)
        return type(value)(_stand_in(v) for v in value)
    return value


def meta_shapes(
    fn: Callable[..., object], args: Sequence[object], kwargs: Mapping[str, object]
) -> list[tuple[int, ...]] | None:
    """The shapes `fn` would produce, from a run on "meta" tensors (shapes only, no data).

    Costs 20 µs to 2 ms per call (0.5 s on the first use in a process): only for the rare calls
    the cheap rules cannot bound. None when the operation has no meta implementation or fails.
    """
    try:
        with torch.no_grad():
            result = fn(*(_stand_in(a) for a in args), **{k: _stand_in(v) for k, v in kwargs.items()})
    except Exception:  # the real call will raise PyTorch's own error, if any
        return None
    outputs = result if isinstance(result, tuple | list) else (result,)
    return [tuple(t.shape) for t in outputs if isinstance(t, torch.Tensor)]


def _list_shape(value: list[object]) -> tuple[int, ...] | None:
    try:
        return tuple(torch.as_tensor(value).shape)
    except (TypeError, ValueError, RuntimeError):
        return None


def index_elements(value: torch.Tensor, index: object) -> int | None:
    """An upper bound on the elements of `value[index]` when advanced (tensor/list) indexing is used.

    The result is the broadcast of the index tensors' shapes followed by the dimensions they did
    not consume (which slices and ints only shrink), so it is at most
    broadcast(index shapes) × numel / (sizes of the dimensions the index tensors consume).
    """
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(p, torch.Tensor | list) for p in parts):
        return None  # basic indexing (ints, slices, None, ...) only ever views
    consumed = [
        0
        if p is None or p is Ellipsis
        else p.dim()
        if isinstance(p, torch.Tensor) and p.dtype == torch.bool
        else 1
        for p in parts
    ]
    dim = 0
    shapes: list[tuple[int, ...]] = []
    covered = 1
    for part, width in zip(parts, consumed, strict=True):
        if part is Ellipsis:
            dim += value.dim() - sum(consumed)
            continue
        sizes = value.shape[dim : dim + width]
        dim += width
        if isinstance(part, torch.Tensor) and part.dtype == torch.bool:
            shapes.append((part.numel(),))  # a mask picks at most each of its positions once
        elif isinstance(part, torch.Tensor):
            shapes.append(tuple(part.shape))
        elif isinstance(part, list):
            shape = _list_shape(part)
            if shape is None:
                return None
            shapes.append(shape)
        else:
            continue
        covered *= math.prod(sizes)
    target = broadcast_shape(shapes)
    if target is None or dim > value.dim():
        return None
    if covered == 0:
        return 0
    return math.prod(target) * (value.numel() // covered)
