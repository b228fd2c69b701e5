"""The tensors a library layer's call makes, predicted from its inputs' shapes before it runs.

PyTorch runs a layer's forward in one call (nn.Sequential all its children): nothing can be
checked inside it, and `nn.Linear(1, 1000)` on a (10⁶, 1) input took 10 s and 8 GB to build
the 10⁹-element output that was refused only afterwards (nn.Sequential: killed by the kernel
at 24 GB). So calls.call_value asks here first. Each rule follows the layer's own forward
(torch/nn/modules/*.py) and reads what that forward reads (the weight's shape, stride,
padding...); when a rule is unsure it predicts nothing, and the call runs as before: a
prediction must never refuse what PyTorch would run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import torch
from torch import nn

from autograd_explorer.lang.growth import broadcast_elements, interpolated_shape

Shape = tuple[int, ...]


class LayerCall(NamedTuple):
    """The largest tensor a call makes, which layer makes it, and the output's shape when the
    output is one tensor (a child of nn.Sequential hands it on to the next)."""

    elements: int
    maker: str
    output: Shape | None


def _made(layer: nn.Module, output: Shape) -> LayerCall:
    return LayerCall(math.prod(output), type(layer).__name__, output)


def _pairs(value: object, dims: int) -> tuple[int, ...] | None:
    """A layer's int-or-tuple argument (kernel_size=3 or (3, 5)) as `dims` whole numbers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * dims
    if isinstance(value, tuple | list) and len(value) == dims and all(type(v) is int for v in value):
        return tuple(value)
    return None


def _split_batch(shape: Shape, spatial: int) -> tuple[Shape, int, Shape] | None:
    """(batch, channels, spatial sizes) of a convolution's or pool's input, batched or not."""
    if len(shape) == spatial + 2:
        return shape[:1], shape[1], shape[2:]
    if len(shape) == spatial + 1:
        return (), shape[0], shape[1:]
    return None  # PyTorch raises its own error


# --- one input tensor, one output tensor --------------------------------------------------------


def _same_shape(layer: nn.Module, shape: Shape) -> LayerCall:
    return _made(layer, shape)


def _linear(layer: nn.Module, shape: Shape) -> LayerCall | None:
    weight = layer.weight  # F.linear(input, weight): (*, in) @ (in, out)ᵀ
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2 or not shape or shape[-1] != weight.shape[1]:
        return None
    return _made(layer, (*shape[:-1], weight.shape[0]))


def _embedding(layer: nn.Module, shape: Shape) -> LayerCall | None:
    weight = layer.weight  # one row of the weight per index
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        return None
    return _made(layer, (*shape, weight.shape[1]))


def _convolution(layer: nn.Module, shape: Shape, output_size: object = None) -> LayerCall | None:
    """_ConvNd._conv_forward: F.pad first when padding_mode is not "zeros", then the convolution;
    each output size is (L + padding - dilation·(kernel - 1) - 1) // stride + 1, or for a transposed
    one (L - 1)·stride - 2·padding + dilation·(kernel - 1) + output_padding + 1; a transposed one
    given output_size= makes that size, which _ConvTransposeNd._output_padding accepts only
    within stride - 1 above the size without output_padding (else PyTorch raises)."""
    assert isinstance(layer, nn.modules.conv._ConvNd)
    weight, groups = layer.weight, layer.groups
    if not isinstance(weight, torch.Tensor):
        return None
    kernel = tuple(weight.shape[2:])
    spatial = len(kernel)
    parts = _split_batch(shape, spatial)
    stride, dilation = _pairs(layer.stride, spatial), _pairs(layer.dilation, spatial)
    if parts is None or stride is None or dilation is None or type(groups) is not int:
        return None
    batch, channels, sizes = parts
    if layer.transposed:  # weight (in, out / groups, *kernel)
        padding, extra = _pairs(layer.padding, spatial), _pairs(layer.output_padding, spatial)
        if channels != weight.shape[0] or padding is None or extra is None or layer.padding_mode != "zeros":
            return None
        smallest = [
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(sizes, stride, padding, dilation, kernel, strict=True)
        ]
        if output_size is None:
            out = [size + e for size, e in zip(smallest, extra, strict=True)]
        else:
            given = list(output_size) if isinstance(output_size, list | tuple) else None
            if given is not None and len(given) == spatial + 2:
                given = given[2:]  # (N, C, *sizes) may be given: the last ones count
            if given is None or len(given) != spatial or not all(type(n) is int for n in given):
                return None
            if not all(low <= n < low + s for n, low, s in zip(given, smallest, stride, strict=True)):
                return None  # PyTorch's ValueError ("requested an output size of ...")
            out = given
        if min(out, default=1) < 1:
            return None
        return _made(layer, (*batch, weight.shape[1] * groups, *out))
    if channels != weight.shape[1] * groups:  # weight (out, in / groups, *kernel)
        return None
    largest = 0
    if layer.padding_mode != "zeros":  # F.pad makes the padded input, then an unpadded convolution
        pads = _pairs(tuple(layer._reversed_padding_repeated_twice), 2 * spatial)  # last dim's first
        if pads is None:
            return None
        totals: Sequence[int] = [pads[2 * i] + pads[2 * i + 1] for i in reversed(range(spatial))]
        largest = math.prod((*batch, channels, *(n + t for n, t in zip(sizes, totals, strict=True))))
    elif layer.padding == "same":
        totals = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
    elif layer.padding == "valid":
        totals = [0] * spatial
    else:
        pairs = _pairs(layer.padding, spatial)
        if pairs is None:
            return None
        totals = [2 * p for p in pairs]
    reach = [n + t - d * (k - 1) - 1 for n, t, d, k in zip(sizes, totals, dilation, kernel, strict=True)]
    if min(reach, default=0) < 0:
        return None  # the kernel does not fit: PyTorch raises
    out = [r // s + 1 for r, s in zip(reach, stride, strict=True)]
    output = (*batch, weight.shape[0], *out)
    return LayerCall(max(largest, math.prod(output)), type(layer).__name__, output)


_POOL_DIMS: dict[type, int] = {
    nn.MaxPool1d: 1,
    nn.MaxPool2d: 2,
    nn.MaxPool3d: 3,
    nn.AvgPool1d: 1,
    nn.AvgPool2d: 2,
    nn.AvgPool3d: 3,
}


def _pool(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """Max and average pooling: PyTorch's pooling_output_shape for each spatial size."""
    spatial = next((n for cls, n in _POOL_DIMS.items() if isinstance(layer, cls)), None)
    if spatial is None:
        return None
    kernel = _pairs(layer.kernel_size, spatial)
    stride = _pairs(layer.kernel_size if layer.stride is None else layer.stride, spatial)
    padding = _pairs(layer.padding, spatial)
    maximum = isinstance(layer, nn.modules.pooling._MaxPoolNd)  # average pooling has no dilation
    dilation = _pairs(layer.dilation if maximum else 1, spatial)
    parts = _split_batch(shape, spatial)
    if None in (kernel, stride, padding, dilation) or parts is None:
        return None
    assert kernel is not None and stride is not None and padding is not None and dilation is not None
    batch, channels, sizes = parts
    ceil = bool(layer.ceil_mode)
    out = []
    for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation, strict=True):
        if s < 1 or k < 1 or 2 * p > k:
            return None
        reach = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
        size = reach // s + 1
        if ceil and (size - 1) * s >= n + p:  # the last window must start inside the input
            size -= 1
        if size < 1:
            return None
        out.append(size)
    output = (*batch, channels, *out)
    if maximum and layer.return_indices:  # (values, indices): two tensors, not handed on
        return LayerCall(math.prod(output), type(layer).__name__, None)
    return _made(layer, output)


def _flatten(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """input.flatten(start_dim, end_dim): a 0-d tensor becomes one element of one dimension."""
    assert isinstance(layer, nn.Flatten)
    ndim = max(len(shape), 1)
    start, end = layer.start_dim, layer.end_dim
    if type(start) is not int or type(end) is not int or not (-ndim <= start < ndim and -ndim <= end < ndim):
        return None
    start, end = start % ndim, end % ndim
    if not shape:
        return _made(layer, (1,))
    if start > end:
        return None
    return _made(layer, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def _unflatten(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """input.unflatten(dim, sizes): one dimension split in place, one -1 inferred."""
    assert isinstance(layer, nn.Unflatten)
    dim, sizes = layer.dim, layer.unflattened_size
    if type(dim) is not int or not -len(shape) <= dim < len(shape) or not isinstance(sizes, tuple | list):
        return None
    if not all(type(n) is int for n in sizes) or [n for n in sizes if n < 0] not in ([], [-1]):
        return None  # named sizes, or sizes PyTorch refuses
    dim %= len(shape)
    known = math.prod(n for n in sizes if n != -1)
    if -1 in sizes:
        if known == 0 or shape[dim] % known:
            return None
        sizes = [shape[dim] // known if n == -1 else n for n in sizes]
    elif known != shape[dim]:
        return None
    return _made(layer, (*shape[:dim], *sizes, *shape[dim + 1 :]))


_ADAPTIVE_DIMS: dict[type, int] = {
    nn.AdaptiveAvgPool1d: 1,
    nn.AdaptiveAvgPool2d: 2,
    nn.AdaptiveMaxPool1d: 1,
    nn.AdaptiveMaxPool2d: 2,
}


def _adaptive_pool(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """Adaptive pooling: the program's output_size for each spatial size (None keeps the input's),
    so AdaptiveAvgPool2d(10**5) is refused before PyTorch makes 10¹⁰ elements per channel."""
    spatial = next((n for cls, n in _ADAPTIVE_DIMS.items() if isinstance(layer, cls)), None)
    if spatial is None or len(shape) <= spatial:
        return None
    size = layer.output_size
    sizes = list(size) if isinstance(size, tuple | list) else [size] * spatial
    if len(sizes) != spatial:
        return None
    out: list[int] = []
    for i, n in enumerate(sizes):
        n = shape[len(shape) - spatial + i] if n is None else n
        if not isinstance(n, int) or n < 0:
            return None  # PyTorch raises its own error
        out.append(n)
    return _made(layer, (*shape[:-spatial], *out))


def _upsample(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """F.interpolate(input, size, scale_factor): a scale_factor of 10⁴ is 10⁸ times the input."""
    assert isinstance(layer, nn.Upsample)
    output = interpolated_shape(shape, layer.size, layer.scale_factor)
    return None if output is None else _made(layer, output)


def _embedding_bag(layer: nn.Module, shape: Shape, offsets: object = None) -> LayerCall | None:
    """A row of embedding_dim per bag: a 2-D input's rows, or a 1-D input's offsets (one fewer with
    include_last_offset); its bookkeeping (offset2bag, bag sizes) is no longer than its inputs."""
    assert isinstance(layer, nn.EmbeddingBag)
    weight = layer.weight
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        return None
    if len(shape) == 2 and offsets is None:
        bags = shape[0]
    elif len(shape) == 1 and isinstance(offsets, torch.Tensor) and offsets.dim() == 1:
        bags = max(offsets.shape[0] - (1 if layer.include_last_offset else 0), 0)
    else:
        return None  # PyTorch raises its own error
    return _made(layer, (bags, weight.shape[1]))


def _sequential(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """The children one after another: the largest tensor any of them makes. A child no rule
    knows (one of the program's own modules: its calls are checked when it runs) ends the
    prediction, as what came before it is made all the same."""
    assert isinstance(layer, nn.Sequential)
    largest: LayerCall | None = None
    current: Shape | None = shape
    for index, child in enumerate(layer):  # as forward iterates: a module given twice runs twice
        step = None if current is None else _single_input(child, current)
        if step is None:
            current = None
            break
        if largest is None or step.elements > largest.elements:
            largest = step._replace(maker=f"{type(layer).__name__}'s layer {index} ({step.maker})")
        current = step.output
    if largest is None:
        return None
    return largest._replace(output=current)


# --- recurrent and attention layers ------------------------------------------------------------


def _steps_and_batch(shape: Shape, batch_first: bool) -> tuple[int, int] | None:
    """(sequence length, batch) of a layer's input: (L, N, features), (N, L, ...) or unbatched (L, ...)."""
    if len(shape) not in (2, 3):
        return None  # PyTorch raises its own error
    if len(shape) == 2:
        return shape[0], 1
    return (shape[1], shape[0]) if batch_first else (shape[0], shape[1])


def _cell(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """RNNCell, GRUCell, LSTMCell: (N, hidden) or (hidden,); an LSTMCell's (h, c) is not handed on."""
    assert isinstance(layer, nn.RNNCellBase)
    if len(shape) not in (1, 2):
        return None
    output = (*shape[:-1], layer.hidden_size)
    return LayerCall(
        math.prod(output), type(layer).__name__, None if isinstance(layer, nn.LSTMCell) else output
    )


def _recurrent(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """A recurrent layer's output, L·N·directions·hidden: its gates inside are at most 4 times as
    many, as a Linear's result is not counted twice. Its (output, h_n) tuple is not handed on."""
    assert isinstance(layer, nn.RNNBase)
    sizes = _steps_and_batch(shape, layer.batch_first)
    if sizes is None:
        return None
    directions = 2 if layer.bidirectional else 1
    elements = sizes[0] * sizes[1] * directions * int(layer.proj_size or layer.hidden_size)
    return LayerCall(elements, type(layer).__name__, None)


def _encoder_layer(layer: nn.Module, shape: Shape) -> LayerCall | None:
    """Its attention's weights (one L × L matrix per head and batch item) or its feed-forward
    block's N·L·dim_feedforward, whichever is larger; the output has the input's shape."""
    assert isinstance(layer, nn.TransformerEncoderLayer)
    sizes = _steps_and_batch(shape, layer.self_attn.batch_first)
    if sizes is None:
        return None
    steps, batch = sizes
    weights = batch * int(layer.self_attn.num_heads) * steps * steps
    elements = max(weights, batch * steps * int(layer.linear1.out_features), math.prod(shape))
    return LayerCall(elements, type(layer).__name__, shape)


def _decoder_layer(layer: nn.Module, target: Shape, memory: Shape) -> LayerCall | None:
    """The largest of its self-attention's weights (one L × L matrix per head and batch item), its
    attention's over memory (L × S), its feed-forward block's N·L·dim_feedforward and its output
    (the target's shape), named in the refusal. As for the encoder layer, the q, k, v projections
    (at most three times an input's size) are not counted. A memory of other features or batch:
    PyTorch raises its own error."""
    assert isinstance(layer, nn.TransformerDecoderLayer)
    batch_first = layer.self_attn.batch_first
    sizes, keys = _steps_and_batch(target, batch_first), _steps_and_batch(memory, batch_first)
    if sizes is None or keys is None or len(target) != len(memory) or target[-1] != memory[-1]:
        return None
    (steps, batch), (sources, memory_batch) = sizes, keys
    if memory_batch != batch:
        return None
    heads = int(layer.self_attn.num_heads)
    made = {
        "the L × L scores of its self-attention": batch * heads * steps * steps,
        "the L × S scores of its attention over memory": batch * heads * steps * sources,
        "its feed-forward block's hidden layer": batch * steps * int(layer.linear1.out_features),
        "its output": math.prod(target),
    }
    what = max(made, key=made.__getitem__)
    return LayerCall(made[what], f"{type(layer).__name__} ({what})", target)


def _layers_in_turn(
    stack: nn.Module,
    layers: Sequence[nn.Module],
    step: Callable[[nn.Module, Shape], LayerCall | None],
    shape: Shape,
) -> LayerCall | None:
    """TransformerEncoder and TransformerDecoder: each copy of the layer in turn (each keeps the
    shape; the norm after them too), the largest tensor any of them makes. A layer no rule knows
    (a program's subclass with its own forward) predicts nothing."""
    largest: LayerCall | None = None
    for index, layer in enumerate(layers):
        made = step(layer, shape)
        if made is None or made.output is None:
            return None
        if largest is None or made.elements > largest.elements:
            largest = made._replace(maker=f"{type(stack).__name__}'s layer {index}, {made.maker}")
        shape = made.output
    if largest is None:  # no layer: the norm's output, or the input itself
        return _made(stack, shape)
    return largest._replace(output=shape)


def _library_layer(layer: nn.Module, cls: type) -> bool:
    """Does `layer` run PyTorch's `cls` code (a program's subclass defining only __init__ too)?"""
    library = _library_class(type(layer))
    return library is not None and issubclass(library, cls)


def _encoder(layer: nn.Module, shape: Shape) -> LayerCall | None:
    assert isinstance(layer, nn.TransformerEncoder)
    layers = list(layer.layers)
    if not all(_library_layer(child, nn.TransformerEncoderLayer) for child in layers):
        return None
    return _layers_in_turn(layer, layers, _encoder_layer, shape)


def _decoder(layer: nn.Module, target: Shape, memory: Shape) -> LayerCall | None:
    assert isinstance(layer, nn.TransformerDecoder)
    layers = list(layer.layers)
    if not all(_library_layer(child, nn.TransformerDecoderLayer) for child in layers):
        return None
    return _layers_in_turn(layer, layers, lambda child, shape: _decoder_layer(child, shape, memory), target)


def _transformer(layer: nn.Module, source: Shape, target: Shape) -> LayerCall | None:
    """nn.Transformer: its encoder over src, then its decoder over tgt with the encoder's output as
    memory (a custom encoder or decoder of the program's: nothing predicted)."""
    assert isinstance(layer, nn.Transformer)
    encoder, decoder = layer.encoder, layer.decoder
    if not (
        _library_layer(encoder, nn.TransformerEncoder) and _library_layer(decoder, nn.TransformerDecoder)
    ):
        return None
    encoded = _encoder(encoder, source)
    if encoded is None or encoded.output is None:
        return None
    decoded = _decoder(decoder, target, encoded.output)
    if decoded is None:
        return None
    part, largest = max((("encoder", encoded), ("decoder", decoded)), key=lambda made: made[1].elements)
    return largest._replace(maker=f"{type(layer).__name__}'s {part}: {largest.maker}", output=decoded.output)


def _attention(layer: nn.MultiheadAttention, query: object, key: object) -> LayerCall | None:
    """An attention's weights, one L × S matrix per head and batch item, or its output when larger."""
    if not (isinstance(query, torch.Tensor) and isinstance(key, torch.Tensor)):
        return None
    sizes = _steps_and_batch(tuple(query.shape), layer.batch_first)
    keys = _steps_and_batch(tuple(key.shape), layer.batch_first)
    if sizes is None or keys is None:
        return None
    steps, batch = sizes
    elements = max(batch * int(layer.num_heads) * steps * keys[0], batch * steps * int(layer.embed_dim))
    return LayerCall(elements, type(layer).__name__, None)


# --- the rules, by class -------------------------------------------------------------------------

SingleRule = Callable[[nn.Module, Shape], LayerCall | None]

# In order: the first class a layer's is a subclass of decides.
_SINGLE_INPUT_RULES: tuple[tuple[type | tuple[type, ...], SingleRule], ...] = (
    (nn.Linear, _linear),
    (nn.Embedding, _embedding),
    (nn.modules.conv._ConvNd, _convolution),
    (tuple(_POOL_DIMS), _pool),
    (tuple(_ADAPTIVE_DIMS), _adaptive_pool),
    (nn.Flatten, _flatten),
    (nn.Unflatten, _unflatten),
    (nn.Upsample, _upsample),
    (nn.EmbeddingBag, _embedding_bag),
    (nn.Sequential, _sequential),
    (nn.RNNCellBase, _cell),
    (nn.RNNBase, _recurrent),
    (nn.TransformerEncoderLayer, _encoder_layer),
    (nn.TransformerEncoder, _encoder),
    (
        (
            nn.Identity,
            nn.ReLU,
            nn.LeakyReLU,
            nn.GELU,
            nn.ELU,
            nn.SiLU,
            nn.Softplus,
            nn.Mish,
            nn.Tanh,
            nn.Sigmoid,
            nn.Softmax,
            nn.LogSoftmax,
            nn.modules.dropout._DropoutNd,
            nn.modules.batchnorm._BatchNorm,
            nn.LayerNorm,
        ),
        _same_shape,
    ),
)

# The losses that broadcast input and target (with a warning) before reducing, as their
# functional forms do (growth "broadcast"). The others never make more than their input: BCE
# refuses different shapes, cross-entropy's target has no class dimension.
BROADCASTING_LOSSES = (nn.MSELoss, nn.L1Loss, nn.HuberLoss, nn.SmoothL1Loss)

# The library class of each PyTorch class seen (the program's classes are made afresh each run:
# not kept).
_LIBRARY_CLASS: dict[type, type | None] = {}
_RULE_OF_CLASS: dict[type, SingleRule | None] = {}


def _library_class(cls: type) -> type | None:
    """The PyTorch class whose code a call of `cls` runs: `cls` itself, or the library base of a
    program's class that defines no method but __init__. None when the program's code takes part
    (its own forward, or iteration): then the evaluator sees and checks every call it makes."""
    try:
        return _LIBRARY_CLASS[cls]
    except KeyError:
        pass
    for base in cls.__mro__:
        if base.__module__.startswith("torch."):
            if base is cls:
                _LIBRARY_CLASS[cls] = base
            return base
        for name, value in base.__dict__.items():
            if name != "__init__" and (
                callable(value) or isinstance(value, staticmethod | classmethod | property)
            ):
                return None
    return None


def _single_input(layer: nn.Module, shape: Shape) -> LayerCall | None:
    cls = type(layer)
    try:
        rule = _RULE_OF_CLASS[cls]
    except KeyError:
        library = _library_class(cls)
        rule = None
        if library is not None:
            rule = next((rule for classes, rule in _SINGLE_INPUT_RULES if issubclass(library, classes)), None)
        if library is cls:
            _RULE_OF_CLASS[cls] = rule
    return None if rule is None else rule(layer, shape)


def _bilinear(layer: nn.Module, first: object, second: object) -> LayerCall | None:
    """F.bilinear: (*, in1) and (*, in2) with the same leading sizes give (*, out)."""
    weight = layer.weight  # (out, in1, in2)
    if not (isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor)):
        return None
    if not isinstance(weight, torch.Tensor) or weight.dim() != 3:
        return None
    left, right = tuple(first.shape), tuple(second.shape)
    if not left or left[:-1] != right[:-1] or (left[-1], right[-1]) != tuple(weight.shape[1:]):
        return None
    return _made(layer, (*left[:-1], weight.shape[0]))


def predict_layer_call(
    layer: nn.Module, args: Sequence[object], kwargs: Mapping[str, object]
) -> LayerCall | None:
    """The largest tensor a library layer's call will make, from its inputs' shapes (None: no
    layer this module knows, an input PyTorch will refuse, or the program's own code runs)."""
    library = _library_class(type(layer))
    if library is None or not (args or kwargs):
        return None
    # the input's name: `input`, or `src` (TransformerEncoderLayer, TransformerEncoder)
    first = args[0] if args else kwargs.get("input", kwargs.get("src", next(iter(kwargs.values()))))
    if issubclass(library, nn.Bilinear):
        second = args[1] if len(args) > 1 else kwargs.get("input2")
        return _bilinear(layer, kwargs.get("input1", first), second)
    if issubclass(library, nn.MultiheadAttention):
        assert isinstance(layer, nn.MultiheadAttention)
        key = args[1] if len(args) > 1 else kwargs.get("key")
        return _attention(layer, kwargs.get("query", first), key)
    if issubclass(library, nn.TransformerDecoderLayer | nn.TransformerDecoder | nn.Transformer):
        names = ("src", "tgt") if issubclass(library, nn.Transformer) else ("tgt", "memory")
        given = [args[i] if len(args) > i else kwargs.get(name) for i, name in enumerate(names)]
        shapes = [tuple(value.shape) for value in given if isinstance(value, torch.Tensor)]
        if len(shapes) != 2:
            return None
        first_shape, second_shape = shapes
        if isinstance(layer, nn.Transformer):
            return _transformer(layer, first_shape, second_shape)
        if isinstance(layer, nn.TransformerDecoder):
            return _decoder(layer, first_shape, second_shape)
        return _decoder_layer(layer, first_shape, second_shape)
    if issubclass(library, nn.EmbeddingBag) and (len(args) > 1 or set(kwargs) - {"input"}):
        offsets = args[1] if len(args) > 1 else kwargs.get("offsets")
        if not isinstance(first, torch.Tensor):
            return None
        return _embedding_bag(layer, tuple(first.shape), offsets)
    if issubclass(library, BROADCASTING_LOSSES):
        elements = broadcast_elements([*args[:2], *(kwargs[k] for k in ("input", "target") if k in kwargs)])
        return None if elements is None else LayerCall(elements, library.__name__, None)
    if issubclass(library, nn.modules.conv._ConvTransposeNd) and (len(args) > 1 or set(kwargs) - {"input"}):
        output_size = args[1] if len(args) > 1 else kwargs.get("output_size")
        if not isinstance(first, torch.Tensor) or output_size is None:
            return None
        return _convolution(layer, tuple(first.shape), output_size)
    if not isinstance(first, torch.Tensor):
        return None
    return _single_input(layer, tuple(first.shape))
