"""The one table of what a program may call or read: functions, tensor methods, attributes.

Everything a program can reach goes through these tables; the evaluator never looks a
user-written name up anywhere else (no `getattr` on user text). Each entry says how its
result's size is predicted (`growth`) so oversized tensors are refused before allocation.
"""

from __future__ import annotations

import builtins
import collections
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import torch
import torch.autograd.functional
import torch.func
import torch.nn.functional as F
import torch.utils.hooks

from autograd_explorer.lang import py_random
from autograd_explorer.lang.devices import (
    check_device,
    is_device_like,
    make_device,
    no_gpu_available,
    to_cuda,
)
from autograd_explorer.lang.functional import ACCUMULATE_GRAD

# How an entry's result size is predicted before it runs (see lang/growth.py):
# "none": never larger than its tensor arguments (element-wise, reductions, views), an empty
# argument aside (growth.empty_input_bound);
# "broadcast": the broadcast of its tensor arguments; "literal": the numbers in its list argument;
# "tolist" and "sum" make Python lists (their slots are predicted); the others read size arguments
# ("rnn" ... "transformer": every parameter of that recurrent or attention module, counted exactly;
# "einsum" ... "nonzero": the result's shape read from the arguments, growth.py says how; "new_*": a
# factory's rule on a tensor method's arguments).
Growth = Literal[
    "none",
    "broadcast",
    "factory",
    "full",
    "eye",
    "arange",
    "linspace",
    "matmul",
    "outer",
    "meshgrid",
    "concat",
    "layer",
    "conv",
    "rnn_cell",
    "gru_cell",
    "lstm_cell",
    "rnn",
    "gru",
    "lstm",
    "attention",
    "encoder_layer",
    "decoder_layer",
    "layer_stack",
    "transformer",
    "square_mask",
    "randint",
    "count",
    "iterable",
    "literal",
    "tolist",
    "sum",
    "one_hot",
    "interpolate",
    "split",
    "chunk",
    "unbind",
    "einsum",
    "attention_scores",
    "lstsq",
    "prelu",
    "cdist",
    "pad",
    "covariance",
    "tensordot",
    "block_diag",
    "pad_sequence",
    "index_select",
    "repeat_interleave",
    "diag",
    "unfold",
    "nonzero",
    "normal",
    "multinomial",
    "repeat",
    "new_factory",
    "new_full",
    "new_literal",
]
# Entries the evaluator carries out itself because they need the program's context.
Special = Literal[
    "backward",
    "hook",
    "grad",
    "functional",
    "func",
    "print",
    "context",
    "decorator",
    "isinstance",
    "hasattr",
    "dataclass",
    "type",
    "super",
    "format",
    "str_format",
    "text",
    "copy",
]

# Names that are modules without an import (the explorer's programs never needed one).
MODULE_ROOTS = frozenset({"torch", "nn", "F"})
# What each module root (or `import ... as` alias target) stands for.
DEFAULT_ALIASES: dict[str, str] = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional"}
# The modules a program may import (and their submodules reachable by attribute).
MODULES = frozenset(
    {
        "torch",
        "torch.nn",
        "torch.nn.functional",
        "torch.nn.init",
        "torch.optim",
        "torch.optim.lr_scheduler",
        "torch.utils",
        "torch.utils.data",
        "torch.linalg",
        "torch.autograd",
        "torch.autograd.function",
        "torch.autograd.functional",
        "torch.func",
        "torch.nn.utils",
        "torch.nn.utils.rnn",
        "torch.cuda",
        "torch.backends",
        "torch.backends.mps",
        "math",
        "random",
        "collections",
        "dataclasses",
        "copy",
    }
)


@dataclass(frozen=True)
class Function:
    """A callable name: `torch.sin`, its other spellings, and what it runs."""

    name: str
    impl: Callable[..., object] | None
    summary: str
    growth: Growth = "none"
    special: Special | None = None
    spellings: tuple[str, ...] = ()
    random: bool = False  # draws from PyTorch's generator (the run forks it, see lang/run.py)
    # The class `isinstance(v, entry)` tests against when impl is a function standing in for
    # PyTorch's class (torch.device is made by make_device; the class is torch.device).
    instance_of: type | None = None

    @property
    def stands_for(self) -> object:
        """What the entry is as a value: PyTorch's class where impl stands in for it, else impl
        (isinstance tests it, type(x) gives it, print shows it)."""
        return self.instance_of or self.impl


@dataclass(frozen=True)
class Method:
    """A tensor method: `x.sum(...)`."""

    name: str
    impl: Callable[..., object] | None
    summary: str
    growth: Growth = "none"
    special: Special | None = None


@dataclass(frozen=True)
class TensorAttribute:
    """A readable tensor attribute: `x.grad`; `settable` ones may be assigned (`x.grad = None`)."""

    name: str
    read: Callable[[torch.Tensor], object]
    summary: str
    settable: bool = False


def _generator(device: object = "cpu") -> torch.Generator:
    """`torch.Generator()`: a generator of the program's own (Karpathy's makemore draws from one,
    `generator=g`). It starts from PyTorch's fixed default seed, so a run again draws the same."""
    check_device(device)
    return torch.Generator(device="cpu")


def _manual_seed(seed: int) -> None:
    # torch.manual_seed returns a Generator object; programs must never hold one.
    torch.manual_seed(seed)


def _as_tensor(data: object, dtype: torch.dtype | None = None, device: object = None) -> torch.Tensor:
    # device may be given by position here: checked as the device= keyword is (lang/core.py)
    check_device(device)
    return torch.as_tensor(data, dtype=dtype, device=device)  # type: ignore[arg-type]


def _einsum(equation: object, *operands: object) -> object:
    """torch.einsum with the equation as text, the form lang/growth.py sizes before the call.

    PyTorch's other form interleaves operands with lists of numbers; no size rule reads it, so it is
    refused with what to write instead.
    """
    if not isinstance(equation, str):
        raise TypeError("einsum(): write the equation first, as text: torch.einsum('bij,bjk->bik', q, k)")
    return torch.einsum(equation, *operands)


def pad_sequence(
    sequences: object, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"
) -> torch.Tensor:
    """torch.nn.utils.rnn.pad_sequence with its sequences in a form lang/growth.py sizes before the
    call: a list or tuple of tensors, or one tensor (its rows). PyTorch takes any iterable and makes
    a tuple of it inside the call, so another (a generator, a map) is refused with what to write."""
    if not isinstance(sequences, list | tuple | torch.Tensor) and isinstance(sequences, Iterable):
        raise TypeError(
            "pad_sequence(): give the sequences as a list or tuple of tensors (or one tensor): "
            "pad_sequence(list(sequences))"
        )
    return torch.nn.utils.rnn.pad_sequence(
        sequences,  # type: ignore[arg-type]  # not iterable: PyTorch's own error
        batch_first,
        padding_value,
        padding_side,
    )


def _has_tensor(args: tuple[object, ...]) -> bool:
    return any(isinstance(arg, torch.Tensor) for arg in args)


def _concatenating_sum(iterable: object, /, start: object = 0) -> object:
    """Python's sum, but adding lists (or tuples) in one linear pass.

    CPython's sum(lists, []) copies the growing result at every step: quadratic inside one call,
    which no wall-clock check between operations can interrupt. The result is the same.
    """
    if type(start) not in (list, tuple) or type(iterable) not in (list, tuple):
        return builtins.sum(iterable, start)  # type: ignore[call-overload]
    assert isinstance(start, list | tuple) and isinstance(iterable, list | tuple)
    kind = type(start)
    if set(map(type, iterable)) - {kind}:  # the element types, collected in C
        for item in iterable:
            if isinstance(item, torch.Size):  # CPython would turn the result into a torch.Size
                raise TypeError("sum() adds lists or plain tuples, not torch.Size")
            if type(item) is not kind:
                # CPython's own message for `[] + (1,)`
                raise TypeError(
                    f'can only concatenate {kind.__name__} (not "{type(item).__name__}") to {kind.__name__}'
                )
    return kind(itertools.chain(start, *iterable))


class GradFn:
    """What `t.grad_fn` reads: a stand-in for PyTorch's graph node, printed as PyTorch prints it.

    Never the node itself: its hooks, metadata and saved tensors (`register_hook`, `_saved_self`)
    would let a program change or read past the graph the page shows. It reads as the node does where
    a tutorial reads it (PyTorch's "Neural Networks" tutorial walks `loss.grad_fn.next_functions`):
    `.name()`, `.next_functions` (a stand-in for each node it sends gradient to, with that node's
    input slot) and an AccumulateGrad's `.variable` (its leaf). It equals its name as text
    (`z.grad_fn == "AddBackward0"`), and another stand-in for the same node.
    """

    __slots__ = ("_node",)

    def __init__(self, node: torch.autograd.graph.Node) -> None:
        self._node = node

    def name(self) -> str:
        return self._node.name()

    @property
    def next_functions(self) -> tuple[tuple[GradFn | None, int], ...]:
        return tuple((None if fn is None else GradFn(fn), slot) for fn, slot in self._node.next_functions)

    @property
    def variable(self) -> torch.Tensor:
        if isinstance(self._node, ACCUMULATE_GRAD):
            return self._node.variable  # type: ignore[no-any-return]
        raise AttributeError(f"'{type(self._node).__name__}' object has no attribute 'variable'")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, GradFn):
            return self._node is other._node
        return isinstance(other, str) and other == self.name()

    def __hash__(self) -> int:
        return hash(self.name())

    def __repr__(self) -> str:
        # the class name, as PyTorch prints a node: AccumulateGrad's name() is torch::autograd::AccumulateGrad
        return f"<{type(self._node).__name__} object at {id(self._node):#x}>"


def _grad_fn_name(tensor: torch.Tensor) -> GradFn | None:
    node = tensor.grad_fn
    return None if node is None else GradFn(node)


def _torch_fn(
    name: str, impl: Callable[..., object], summary: str, growth: Growth = "none", random: bool = False
) -> Function:
    return Function(f"torch.{name}", impl, summary, growth, spellings=(f"torch.{name}", name), random=random)


def _at(
    path: str, impl: Callable[..., object], summary: str, growth: Growth = "none", random: bool = False
) -> Function:
    """An entry spelled only by its full path (`torch.nn.Linear`; `nn.Linear` via the alias)."""
    return Function(path, impl, summary, growth, spellings=(path,), random=random)


def _module_functions(
    module: str, entries: tuple[tuple[Callable[..., object], str], ...]
) -> tuple[Function, ...]:
    """A module's functions or classes (`math.sqrt`, `random.randint`, `torch.optim.SGD`), each named
    by itself: no lookup by name."""
    return tuple(_at(f"{module}.{fn.__name__}", fn, summary) for fn, summary in entries)


def _builtin(name: str, impl: Callable[..., object] | None, summary: str, **kw: object) -> Function:
    return Function(name, impl, summary, spellings=(name,), **kw)  # type: ignore[arg-type]


def _functional(
    name: str, impl: Callable[..., object], summary: str, growth: Growth = "none", random: bool = False
) -> Function:
    paths = ("torch.nn.functional", "nn.functional", "F")
    spellings = tuple(f"{p}.{name}" for p in paths)
    return Function(f"F.{name}", impl, summary, growth, spellings=spellings, random=random)


# torch.nn classes with how their parameters' size is predicted (their weights are allocated
# when they are made).
_NN_CLASSES: tuple[tuple[type, str, Growth], ...] = (
    (torch.nn.Module, "base class of models: class Net(nn.Module)", "none"),
    (torch.nn.Linear, "Linear(in_features, out_features, bias=True)", "layer"),
    (torch.nn.Bilinear, "Bilinear(in1, in2, out)", "layer"),
    (torch.nn.Conv1d, "Conv1d(in_channels, out_channels, kernel_size)", "conv"),
    (torch.nn.Conv2d, "Conv2d(in_channels, out_channels, kernel_size)", "conv"),
    (torch.nn.Embedding, "Embedding(num_embeddings, embedding_dim)", "layer"),
    (torch.nn.BatchNorm1d, "BatchNorm1d(num_features)", "layer"),
    (torch.nn.BatchNorm2d, "BatchNorm2d(num_features)", "layer"),
    (torch.nn.LayerNorm, "LayerNorm(normalized_shape)", "layer"),
    (
        torch.nn.RNNCell,
        "RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh'): h' = tanh(W x + U h)",
        "rnn_cell",
    ),
    (
        torch.nn.GRUCell,
        "GRUCell(input_size, hidden_size, bias=True): one GRU step, h' = cell(x, h)",
        "gru_cell",
    ),
    (
        torch.nn.LSTMCell,
        "LSTMCell(input_size, hidden_size, bias=True): one LSTM step, (h', c') = cell(x, (h, c))",
        "lstm_cell",
    ),
    (
        torch.nn.RNN,
        "RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, "
        "dropout=0, bidirectional=False): output, h_n = rnn(x)",
        "rnn",
    ),
    (
        torch.nn.GRU,
        "GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0, "
        "bidirectional=False): output, h_n = gru(x)",
        "gru",
    ),
    (
        torch.nn.LSTM,
        "LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0, "
        "bidirectional=False, proj_size=0): output, (h_n, c_n) = lstm(x)",
        "lstm",
    ),
    (
        torch.nn.MultiheadAttention,
        "MultiheadAttention(embed_dim, num_heads, dropout=0, bias=True, add_bias_kv=False, kdim=None, "
        "vdim=None, batch_first=False): out, weights = attn(query, key, value)",
        "attention",
    ),
    (
        torch.nn.TransformerEncoderLayer,
        "TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu', "
        "batch_first=False, norm_first=False, bias=True): self-attention then a feed-forward block",
        "encoder_layer",
    ),
    (
        torch.nn.TransformerDecoderLayer,
        "TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu', "
        "batch_first=False, norm_first=False, bias=True): self-attention, attention over memory, a "
        "feed-forward block; layer(tgt, memory, tgt_mask=None, ...)",
        "decoder_layer",
    ),
    (
        torch.nn.TransformerEncoder,
        "TransformerEncoder(encoder_layer, num_layers, norm=None): num_layers copies of the layer, one "
        "after another; encoder(src, mask=None, src_key_padding_mask=None)",
        "layer_stack",
    ),
    (
        torch.nn.TransformerDecoder,
        "TransformerDecoder(decoder_layer, num_layers, norm=None): num_layers copies of the layer; "
        "decoder(tgt, memory, tgt_mask=None, ...)",
        "layer_stack",
    ),
    (
        torch.nn.Transformer,
        "Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, "
        "dim_feedforward=2048, ...): an encoder and a decoder; model(src, tgt, src_mask=None, "
        "tgt_mask=None, ...)",
        "transformer",
    ),
    (torch.nn.Sequential, "Sequential(layer, layer, ...)", "none"),
    (torch.nn.ModuleList, "ModuleList([layers])", "none"),
    (torch.nn.ModuleDict, "ModuleDict({'name': layer, ...}): layers by name, md['name']", "none"),
    (torch.nn.ParameterList, "ParameterList([nn.Parameter(...), ...]): parameters in a list", "none"),
    (torch.nn.ParameterDict, "ParameterDict({'name': nn.Parameter(...)}): parameters by name", "none"),
    (torch.nn.Identity, "returns its input", "none"),
    (torch.nn.ReLU, "max(x, 0)", "none"),
    (torch.nn.LeakyReLU, "leaky ReLU", "none"),
    (torch.nn.GELU, "GELU", "none"),
    (torch.nn.ELU, "ELU(alpha=1.0): x if x > 0 else alpha (exp(x) - 1)", "none"),
    (torch.nn.SiLU, "SiLU (swish): x sigmoid(x)", "none"),
    (torch.nn.Softplus, "Softplus(beta=1): log(1 + exp(beta x)) / beta", "none"),
    (torch.nn.Mish, "Mish: x tanh(softplus(x))", "none"),
    (torch.nn.Hardswish, "Hardswish: x relu6(x + 3) / 6 (MobileNetV3)", "none"),
    (torch.nn.PReLU, "PReLU(num_parameters=1, init=0.25): leaky ReLU with a learned slope", "prelu"),
    (torch.nn.Hardsigmoid, "Hardsigmoid: relu6(x + 3) / 6", "none"),
    (torch.nn.Tanh, "tanh", "none"),
    (torch.nn.Sigmoid, "logistic sigmoid", "none"),
    (torch.nn.Softmax, "Softmax(dim)", "none"),
    (torch.nn.LogSoftmax, "LogSoftmax(dim)", "none"),
    (torch.nn.Dropout, "Dropout(p)", "none"),
    (torch.nn.Flatten, "Flatten(start_dim=1)", "none"),
    (
        torch.nn.Unflatten,
        "Unflatten(dim, sizes): one dimension split into several, e.g. (N, 784) → (N, 1, 28, 28)",
        "none",
    ),
    (
        torch.nn.Upsample,
        "Upsample(size=None, scale_factor=None, mode='nearest'): F.interpolate as a layer (nearest, "
        "linear, bilinear); sized before it runs",
        "none",
    ),
    (
        torch.nn.EmbeddingBag,
        "EmbeddingBag(num_embeddings, embedding_dim, mode='mean'): the mean (sum, max) of each bag's rows; "
        "bag(indices, offsets)",
        "layer",
    ),
    (torch.nn.MaxPool2d, "MaxPool2d(kernel_size)", "none"),
    (torch.nn.AvgPool2d, "AvgPool2d(kernel_size)", "none"),
    (torch.nn.AdaptiveAvgPool1d, "AdaptiveAvgPool1d(output_size): means over windows to that size", "none"),
    (torch.nn.AdaptiveAvgPool2d, "AdaptiveAvgPool2d(output_size): means over windows to that size", "none"),
    (torch.nn.AdaptiveMaxPool1d, "AdaptiveMaxPool1d(output_size): maxima over windows to that size", "none"),
    (torch.nn.AdaptiveMaxPool2d, "AdaptiveMaxPool2d(output_size): maxima over windows to that size", "none"),
    (torch.nn.MSELoss, "mean squared error", "none"),
    (torch.nn.L1Loss, "mean absolute error", "none"),
    (torch.nn.HuberLoss, "Huber loss", "none"),
    (torch.nn.SmoothL1Loss, "smooth L1 loss", "none"),
    (torch.nn.BCELoss, "binary cross-entropy on probabilities", "none"),
    (torch.nn.BCEWithLogitsLoss, "binary cross-entropy on logits", "none"),
    (torch.nn.CrossEntropyLoss, "cross-entropy of logits and class indices", "none"),
    (torch.nn.NLLLoss, "negative log-likelihood", "none"),
    (torch.nn.Parameter, "Parameter(tensor): a tensor a Module registers as a parameter", "none"),
)
# Growth rules of classes that make no parameters (every other class initializes its weights randomly).
_NO_PARAMETERS: frozenset[Growth] = frozenset({"none"})
# Classes without parameters that draw random numbers when called (in training mode, the default).
_DRAW_WHEN_CALLED: frozenset[type] = frozenset({torch.nn.Dropout})
_NN_INIT = (
    torch.nn.init.normal_,
    torch.nn.init.uniform_,
    torch.nn.init.zeros_,
    torch.nn.init.ones_,
    torch.nn.init.constant_,
    torch.nn.init.xavier_uniform_,
    torch.nn.init.xavier_normal_,
    torch.nn.init.kaiming_uniform_,
    torch.nn.init.kaiming_normal_,
)


# Operations lectures and tutorials spell both ways, `torch.gather(x, 1, i)` and `x.gather(1, i)`: one
# row here makes both entries (the torch function and the tensor method), with one summary and size rule.
# "none" holds for the others: the result is never larger than the tensor arguments (gather's is its
# index's shape), or it broadcasts them (lerp's weight, masked_select's mask, clamp_min's bound); bmm
# is a matrix product; chunk, split and unbind return views, each counted as an operation
# (growth.view_pieces): a million one-element pieces are a million tensor objects, not elements.
# index_select, repeat_interleave, diag and nonzero can be far larger than their input: each has its
# rule in growth.py (an index's length, the repeats' sum, a vector's n², the non-zero elements counted).
T = torch.Tensor
BOTH_SPELLINGS: tuple[tuple[Callable[..., object], Callable[..., object], str, Growth], ...] = (
    (
        torch.gather,
        T.gather,
        "gather(dim, index): the elements index picks along dim (cross-entropy by hand)",
        "none",
    ),
    (torch.scatter, T.scatter, "scatter(dim, index, src): a copy with src written where index says", "none"),
    (
        torch.scatter_add,
        T.scatter_add,
        "scatter_add(dim, index, src): a copy with src added where index says",
        "none",
    ),
    (torch.flip, T.flip, "flip(dims): the elements in reverse order along dims", "none"),
    (torch.roll, T.roll, "roll(shifts, dims=): elements shifted cyclically", "none"),
    (torch.logsumexp, T.logsumexp, "logsumexp(dim): log(sum(exp(x))) along dim, without overflow", "none"),
    (torch.chunk, T.chunk, "chunk(n, dim=0): n views of (nearly) equal size", "chunk"),
    (torch.split, T.split, "split(size or sizes, dim=0): views of the given sizes", "split"),
    (torch.unbind, T.unbind, "unbind(dim=0): the slices along dim, as a tuple", "unbind"),
    (torch.narrow, T.narrow, "narrow(dim, start, length): a slice, as a view", "none"),
    (torch.movedim, T.movedim, "movedim(source, destination): the dimensions moved", "none"),
    (
        torch.diagonal,
        T.diagonal,
        "diagonal(offset=0, dim1=0, dim2=1): a matrix's diagonal, as a view",
        "none",
    ),
    (torch.bmm, T.bmm, "batched matrix product: (b, n, m) by (b, m, p)", "matmul"),
    (torch.lerp, T.lerp, "lerp(end, weight): start + weight × (end − start)", "broadcast"),
    (torch.amax, T.amax, "amax(dim, keepdim=): the largest elements along dim", "none"),
    (torch.amin, T.amin, "amin(dim, keepdim=): the smallest elements along dim", "none"),
    (torch.clamp_min, T.clamp_min, "clamp_min(min): max(x, min)", "broadcast"),
    (torch.clamp_max, T.clamp_max, "clamp_max(max): min(x, max)", "broadcast"),
    (torch.rsqrt, T.rsqrt, "1 / √x", "none"),
    (torch.reciprocal, T.reciprocal, "1 / x", "none"),
    (
        torch.nan_to_num,
        T.nan_to_num,
        "NaN and infinities replaced by numbers (nan=, posinf=, neginf=)",
        "none",
    ),
    (
        torch.masked_select,
        T.masked_select,
        "masked_select(mask): the elements where mask is True, as a 1-D tensor",
        "broadcast",
    ),
    (torch.cumprod, T.cumprod, "cumulative product along dim", "none"),
    (torch.trace, T.trace, "trace(): the sum of a matrix's diagonal", "none"),
    (torch.tile, T.tile, "tile(dims): the tensor repeated dims[i] times along each dimension", "repeat"),
    (torch.is_floating_point, T.is_floating_point, "is_floating_point(): a float dtype?", "none"),
    (
        torch.index_add,
        T.index_add,
        "index_add(dim, index, source, alpha=1): a copy with source's slices added at index's places",
        "none",
    ),
    (torch.median, T.median, "median element, or median(dim): values and indices", "none"),
    (torch.kthvalue, T.kthvalue, "kthvalue(k, dim=): the k-th smallest values and their indices", "none"),
    (
        torch.index_select,
        T.index_select,
        "index_select(dim, index): the slices index picks along dim (an embedding lookup)",
        "index_select",
    ),
    (
        torch.repeat_interleave,
        T.repeat_interleave,
        "repeat_interleave(repeats, dim=None): each element (or slice along dim) repeated, repeats an int "
        "or a tensor of counts",
        "repeat_interleave",
    ),
    (torch.diag, T.diag, "diag(diagonal=0): a vector's diagonal matrix, or a matrix's diagonal", "diag"),
    (
        torch.nonzero,
        T.nonzero,
        "nonzero(as_tuple=False): the indices of the non-zero elements, a row each (a tensor per "
        "dimension with as_tuple=True)",
        "nonzero",
    ),
    # element-wise maths tutorials reach for beyond the basics above (makemore's loss.log10())
    (torch.log2, T.log2, "base-2 logarithm", "none"),
    (torch.log10, T.log10, "base-10 logarithm (makemore plots loss.log10())", "none"),
    (torch.log1p, T.log1p, "log(1 + x), exact near 0", "none"),
    (torch.expm1, T.expm1, "exp(x) − 1, exact near 0", "none"),
    (torch.exp2, T.exp2, "2 to the power x", "none"),
    (torch.neg, T.neg, "−x", "none"),
    (torch.asin, T.asin, "arcsine", "none"),
    (torch.acos, T.acos, "arccosine", "none"),
    (torch.atan, T.atan, "arctangent", "none"),
    (torch.sinh, T.sinh, "hyperbolic sine", "none"),
    (torch.cosh, T.cosh, "hyperbolic cosine", "none"),
    (torch.floor, T.floor, "the largest whole number at most x", "none"),
    (torch.ceil, T.ceil, "the smallest whole number at least x", "none"),
    (torch.trunc, T.trunc, "x without its fraction", "none"),
    (torch.frac, T.frac, "x's fraction: x − trunc(x)", "none"),
    (torch.erf, T.erf, "the error function", "none"),
    (torch.lgamma, T.lgamma, "log |Γ(x)|", "none"),
    (torch.logit, T.logit, "log(p / (1 − p)) (eps= clamps p first)", "none"),
    (torch.isnan, T.isnan, "where x is NaN", "none"),
    (torch.isinf, T.isinf, "where x is infinite", "none"),
    (torch.atan2, T.atan2, "atan2(other): the angle of (other, x)", "broadcast"),
    (torch.hypot, T.hypot, "hypot(other): √(x² + other²)", "broadcast"),
    (torch.fmax, T.fmax, "fmax(other): element-wise maximum, NaN ignored", "broadcast"),
    (torch.fmin, T.fmin, "fmin(other): element-wise minimum, NaN ignored", "broadcast"),
    (torch.clip, T.clip, "clip(min=, max=): clamp", "broadcast"),
)

FUNCTIONS: tuple[Function, ...] = (
    # each named by the function itself, as math's below: no lookup by name
    *(_torch_fn(fn.__name__, fn, summary, growth) for fn, _, summary, growth in BOTH_SPELLINGS),
    # --- making tensors ---------------------------------------------------------------
    _torch_fn(
        "tensor", torch.tensor, "a tensor from a number or nested list (dtype=, requires_grad=)", "literal"
    ),
    _torch_fn("ones", torch.ones, "a tensor of ones of the given size", "factory"),
    _torch_fn("zeros", torch.zeros, "a tensor of zeros of the given size", "factory"),
    _torch_fn("full", torch.full, "full(size, value): a tensor filled with value", "full"),
    _torch_fn("eye", torch.eye, "the identity matrix eye(n) or eye(n, m)", "eye"),
    _torch_fn("arange", torch.arange, "arange(start, end, step): evenly spaced values", "arange"),
    _torch_fn("linspace", torch.linspace, "linspace(start, end, steps)", "linspace"),
    _torch_fn("rand", torch.rand, "uniform random numbers in [0, 1)", "factory", random=True),
    _torch_fn("randn", torch.randn, "standard normal random numbers", "factory", random=True),
    _torch_fn("randint", torch.randint, "randint(low, high, size): random integers", "randint", random=True),
    _torch_fn(
        "multinomial",
        torch.multinomial,
        "multinomial(probs, num_samples, replacement=False): indices drawn with these weights (per row)",
        "multinomial",
        random=True,
    ),
    _torch_fn(
        "normal",
        torch.normal,
        "normal(mean, std, size): normal random numbers; normal(means, stds): one per element",
        "normal",
        random=True,
    ),
    _torch_fn(
        "randperm", torch.randperm, "randperm(n): a random permutation of 0..n-1", "count", random=True
    ),
    _torch_fn(
        "manual_seed",
        _manual_seed,
        "seed the random number generator (a program that never seeds runs as after manual_seed(0))",
        random=True,
    ),
    _torch_fn("ones_like", torch.ones_like, "ones with the shape of a tensor"),
    _torch_fn("zeros_like", torch.zeros_like, "zeros with the shape of a tensor"),
    _torch_fn("full_like", torch.full_like, "full_like(t, value): t's shape filled with value"),
    _torch_fn("rand_like", torch.rand_like, "uniform random numbers with the shape of a tensor", random=True),
    _torch_fn(
        "randn_like", torch.randn_like, "normal random numbers with the shape of a tensor", random=True
    ),
    _torch_fn(
        "as_tensor",
        _as_tensor,
        "a tensor from a number or nested list; a tensor itself, unchanged",
        "literal",
    ),
    _torch_fn("is_tensor", torch.is_tensor, "is the value a tensor"),
    _torch_fn("numel", torch.numel, "number of elements"),
    # --- element-wise ------------------------------------------------------------------
    _torch_fn("sin", torch.sin, "sine"),
    _torch_fn("cos", torch.cos, "cosine"),
    _torch_fn("tan", torch.tan, "tangent"),
    _torch_fn("exp", torch.exp, "exponential"),
    _torch_fn("log", torch.log, "natural logarithm"),
    _torch_fn("sqrt", torch.sqrt, "square root"),
    _torch_fn("square", torch.square, "square"),
    _torch_fn("tanh", torch.tanh, "hyperbolic tangent"),
    _torch_fn("sigmoid", torch.sigmoid, "logistic sigmoid"),
    _torch_fn("relu", torch.relu, "max(x, 0)"),
    Function(
        "torch.softplus",
        F.softplus,
        "log(1 + exp(x))",
        spellings=(
            "torch.softplus",
            "softplus",
            "torch.nn.functional.softplus",
            "nn.functional.softplus",
            "F.softplus",
        ),
    ),
    _torch_fn("pow", torch.pow, "pow(x, p): x to the power p", "broadcast"),
    _torch_fn("clamp", torch.clamp, "clamp(x, min=, max=)", "broadcast"),
    _torch_fn("where", torch.where, "where(condition, a, b)", "broadcast"),
    # --- reductions ----------------------------------------------------------------------
    _torch_fn("sum", torch.sum, "sum of elements (dim=)"),
    _torch_fn("mean", torch.mean, "mean of elements (dim=)"),
    _torch_fn("prod", torch.prod, "product of elements (dim=)"),
    _torch_fn("norm", torch.norm, "vector/matrix norm (p=, dim=)"),
    _torch_fn("max", torch.max, "largest element, or max(x, dim), or element-wise max(a, b)", "broadcast"),
    _torch_fn("min", torch.min, "smallest element, or min(x, dim), or element-wise min(a, b)", "broadcast"),
    _torch_fn("abs", torch.abs, "absolute value"),
    _torch_fn("softmax", torch.softmax, "softmax(x, dim)"),
    _torch_fn("log_softmax", torch.log_softmax, "log_softmax(x, dim)"),
    # --- linear algebra and shapes ---------------------------------------------------------
    _torch_fn("matmul", torch.matmul, "matrix product (also the @ operator)", "matmul"),
    _torch_fn("mm", torch.mm, "matrix-matrix product", "matmul"),
    _torch_fn("dot", torch.dot, "dot product of two vectors", "matmul"),
    _torch_fn("outer", torch.outer, "outer product of two vectors", "outer"),
    _torch_fn(
        "meshgrid",
        torch.meshgrid,
        "meshgrid(a, b, indexing='ij' or 'xy'): grids of coordinates (a loss surface's points)",
        "meshgrid",
    ),
    _torch_fn(
        "einsum",
        _einsum,
        "einsum(equation, *operands): Einstein summation, e.g. einsum('bij,bjk->bik', q, k); the "
        "operands also as a list",
        "einsum",
    ),
    _torch_fn("stack", torch.stack, "stack(tensors, dim=0)", "concat"),
    _torch_fn("cat", torch.cat, "cat(tensors, dim=0)", "concat"),
    _torch_fn("vstack", torch.vstack, "stack tensors as rows", "concat"),
    _torch_fn("hstack", torch.hstack, "stack tensors side by side", "concat"),
    _torch_fn("flatten", torch.flatten, "flatten(x, start_dim=0)"),
    _torch_fn("unflatten", torch.unflatten, "unflatten(x, dim, sizes): one dimension split into several"),
    _torch_fn("transpose", torch.transpose, "transpose(x, dim0, dim1)"),
    _torch_fn("squeeze", torch.squeeze, "remove dimensions of size 1"),
    _torch_fn("unsqueeze", torch.unsqueeze, "insert a dimension of size 1"),
    _torch_fn("reshape", torch.reshape, "another shape"),
    _torch_fn("argmax", torch.argmax, "index of the largest element (dim=)"),
    _torch_fn("argmin", torch.argmin, "index of the smallest element (dim=)"),
    _torch_fn("sort", torch.sort, "sorted values and their indices (dim=, descending=)"),
    _torch_fn("tril", torch.tril, "the lower triangle, zeros above (diagonal=): attention masks"),
    _torch_fn("triu", torch.triu, "the upper triangle, zeros below (diagonal=)"),
    _torch_fn("argsort", torch.argsort, "the indices that sort it (dim=, descending=)"),
    _torch_fn("topk", torch.topk, "topk(x, k, dim=): the k largest values and their indices"),
    _torch_fn("std", torch.std, "standard deviation (dim=)"),
    _torch_fn("var", torch.var, "variance (dim=)"),
    _torch_fn("cumsum", torch.cumsum, "cumulative sum along dim"),
    _torch_fn("round", torch.round, "round to whole numbers"),
    _torch_fn("sign", torch.sign, "sign of each element"),
    _torch_fn("allclose", torch.allclose, "are two tensors equal within a tolerance"),
    _torch_fn("equal", torch.equal, "equal(a, b): the same shape and the same values (a bool)"),
    _torch_fn(
        "cdist",
        torch.cdist,
        "cdist(x1, x2, p=2): every distance between x1's rows and x2's, sized before it runs",
        "cdist",
    ),
    _torch_fn(
        "cov", torch.cov, "cov(x): the covariance of x's rows (variables) over its columns", "covariance"
    ),
    _torch_fn("corrcoef", torch.corrcoef, "corrcoef(x): the correlations of x's rows", "covariance"),
    _torch_fn(
        "bucketize", torch.bucketize, "bucketize(x, boundaries): the bucket index of each element", "none"
    ),
    _torch_fn(
        "searchsorted",
        torch.searchsorted,
        "searchsorted(sorted_sequence, values): where each value would be inserted to keep it sorted",
        "none",
    ),
    _torch_fn(
        "tensordot",
        torch.tensordot,
        "tensordot(a, b, dims=2): a's last dims dimensions contracted with b's first (or dims=([1, 0], "
        "[0, 1]): those pairs), sized before it runs",
        "tensordot",
    ),
    _torch_fn(
        "block_diag",
        torch.block_diag,
        "block_diag(*tensors): the tensors as blocks on a diagonal, zeros elsewhere, sized before it runs",
        "block_diag",
    ),
    _torch_fn("all", torch.all, "are all elements true (dim=)"),
    _torch_fn("any", torch.any, "is any element true (dim=)"),
    _torch_fn("isclose", torch.isclose, "element-wise closeness", "broadcast"),
    _torch_fn("maximum", torch.maximum, "element-wise maximum", "broadcast"),
    _torch_fn("minimum", torch.minimum, "element-wise minimum", "broadcast"),
    _at("torch.linalg.norm", torch.linalg.norm, "vector or matrix norm (ord=, dim=)"),
    _at("torch.linalg.vector_norm", torch.linalg.vector_norm, "vector norm (ord=, dim=)"),
    _at("torch.linalg.inv", torch.linalg.inv, "matrix inverse"),
    _at("torch.linalg.solve", torch.linalg.solve, "solve(A, b): x with A x = b", "broadcast"),
    _at("torch.linalg.svdvals", torch.linalg.svdvals, "singular values"),
    _at(
        "torch.linalg.lstsq",
        torch.linalg.lstsq,
        "lstsq(A, B): the least-squares solution X of A X ≈ B (.solution; .residuals, .rank, "
        ".singular_values as the driver gives them)",
        "lstsq",
    ),
    _at("torch.linalg.eigvalsh", torch.linalg.eigvalsh, "eigenvalues of a symmetric matrix"),
    _at("torch.linalg.det", torch.linalg.det, "determinant"),
    _at("torch.Tensor", torch.Tensor, "the tensor type (for isinstance)"),
    # --- random: Python's, drawn from the run's own generator (lang/py_random.py) ---------------
    *_module_functions(
        "random",
        (
            (py_random.seed, "seed(a): draw as CPython does after random.seed(a)"),
            (py_random.random, "a float in [0, 1)"),
            (py_random.uniform, "uniform(a, b): a float between a and b"),
            (py_random.randint, "randint(a, b): an integer from a to b, both included"),
            (py_random.randrange, "randrange(start, stop=None, step=1): an integer of range(...)"),
            (py_random.choice, "choice(seq): one item of a list, tuple or range"),
            (py_random.shuffle, "shuffle(list): shuffle a list in place"),
            (py_random.gauss, "gauss(mu=0, sigma=1): a normally distributed float"),
        ),
    ),
    # --- math: functions of one or two floats (lectures write math.sqrt(2), math.exp(-x)) ---------
    # Only those whose time does not grow with their argument: factorial, comb, perm, prod, fsum
    # and the integer functions stay out (math.factorial(10**6) is seconds of one C call).
    *_module_functions(
        "math",
        (
            (math.sqrt, "square root of a number"),
            (math.exp, "e to the power of a number"),
            (math.expm1, "exp(x) − 1, exact near 0"),
            (math.log, "natural logarithm (log(x, base) for another base)"),
            (math.log2, "base-2 logarithm"),
            (math.log10, "base-10 logarithm"),
            (math.log1p, "log(1 + x), exact near 0"),
            (math.pow, "x to the power y, as floats"),
            (math.sin, "sine"),
            (math.cos, "cosine"),
            (math.tan, "tangent"),
            (math.asin, "arcsine"),
            (math.acos, "arccosine"),
            (math.atan, "arctangent"),
            (math.atan2, "atan2(y, x): the angle of (x, y)"),
            (math.sinh, "hyperbolic sine"),
            (math.cosh, "hyperbolic cosine"),
            (math.tanh, "hyperbolic tangent"),
            (math.hypot, "the length of (x, y, ...)"),
            (math.fabs, "absolute value, as a float"),
            (math.floor, "the largest integer at most x"),
            (math.ceil, "the smallest integer at least x"),
            (math.trunc, "x without its fraction"),
            (math.copysign, "copysign(x, y): x with y's sign"),
            (math.fmod, "the remainder of x / y, with x's sign"),
            (math.isfinite, "whether a number is neither infinite nor NaN"),
            (math.isnan, "whether a number is NaN"),
            (math.isinf, "whether a number is infinite"),
            (math.isclose, "isclose(a, b, rel_tol=, abs_tol=)"),
            (math.radians, "degrees to radians"),
            (math.degrees, "radians to degrees"),
            (math.erf, "the error function"),
            (math.erfc, "1 − erf(x)"),
            (math.lgamma, "the logarithm of |Γ(x)|"),
        ),
    ),
    # dataclasses.dataclass alone, as a class's decorator (nanoGPT's GPTConfig): lang/data_classes.py
    Function(
        "dataclasses.dataclass",
        None,
        "@dataclass on a class: an __init__, __repr__ and __eq__ from its annotated fields "
        "(block_size: int = 1024)",
        special="dataclass",
        spellings=("dataclasses.dataclass",),
    ),
    # copy.deepcopy and copy.copy: a model's snapshot (early stopping, a DQN's target network)
    Function(
        "copy.deepcopy",
        None,
        "deepcopy(x): a copy of x and of all it holds (a model, a state_dict), sized first",
        special="copy",
        spellings=("copy.deepcopy",),
    ),
    Function(
        "copy.copy",
        None,
        "copy(x): a shallow copy (a new list or dict holding the same items)",
        special="copy",
        spellings=("copy.copy",),
    ),
    # collections.OrderedDict alone: tutorials name a Sequential's layers with one
    _at(
        "collections.OrderedDict",
        collections.OrderedDict,
        "OrderedDict([(name, value), ...]): a dict in insertion order; nn.Sequential(OrderedDict(...)) "
        "names its layers",
    ),
    # --- torch.nn.functional ----------------------------------------------------------------
    _functional("relu", F.relu, "max(x, 0)"),
    _functional("sigmoid", torch.sigmoid, "logistic sigmoid"),
    _functional("tanh", torch.tanh, "hyperbolic tangent"),
    _functional("softmax", F.softmax, "softmax(x, dim)"),
    _functional(
        "scaled_dot_product_attention",
        F.scaled_dot_product_attention,
        "scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0, is_causal=False): "
        "softmax(q kᵀ / √E) v, its L × S scores sized before it runs",
        "attention_scores",
        random=True,
    ),
    _functional("log_softmax", F.log_softmax, "log_softmax(x, dim)"),
    _functional(
        "one_hot", F.one_hot, "one_hot(indices, num_classes=): a row with one 1 per index", "one_hot"
    ),
    _functional(
        "interpolate",
        F.interpolate,
        "interpolate(x, size=None, scale_factor=None, mode='nearest'): resize (N, C, ...) by nearest, "
        "linear or bilinear sampling; sized before it runs",
        "interpolate",
    ),
    _functional("mse_loss", F.mse_loss, "mean squared error (reduction=)", "broadcast"),
    _functional(
        "cosine_similarity",
        F.cosine_similarity,
        "cosine_similarity(x1, x2, dim=1, eps=1e-8): x1·x2 / (‖x1‖ ‖x2‖) along dim",
        "broadcast",
    ),
    _functional(
        "pairwise_distance",
        F.pairwise_distance,
        "pairwise_distance(x1, x2, p=2.0): ‖x1 − x2‖_p along the last dimension",
        "broadcast",
    ),
    _functional("l1_loss", F.l1_loss, "mean absolute error (reduction=)", "broadcast"),
    _functional("huber_loss", F.huber_loss, "Huber loss (delta=, reduction=)", "broadcast"),
    _functional("binary_cross_entropy", F.binary_cross_entropy, "BCE on probabilities", "broadcast"),
    _functional(
        "binary_cross_entropy_with_logits",
        F.binary_cross_entropy_with_logits,
        "BCE on logits (numerically stable)",
        "broadcast",
    ),
    # "none": logits (N, C) and class indices (N,) do not broadcast (as "broadcast" they were read as
    # (N, N): 2,000 rows of one logit were refused as 4,000,000 elements); its log_softmax is as large
    # as the logits, no larger
    _functional("cross_entropy", F.cross_entropy, "cross-entropy of logits and class indices"),
    # The functional forms of the layers above, as tutorials write them (`F.max_pool2d(F.relu(
    # self.conv1(x)), 2)` in PyTorch's "Neural Networks" tutorial). "none": elementwise, or a window
    # no larger than its input (padding at most half the window: PyTorch refuses more).
    _functional("leaky_relu", F.leaky_relu, "leaky_relu(x, negative_slope=0.01)"),
    _functional("elu", F.elu, "elu(x, alpha=1.0): x if x > 0 else alpha (exp(x) - 1)"),
    _functional("gelu", F.gelu, "GELU (approximate='none' or 'tanh')"),
    _functional("silu", F.silu, "SiLU (swish): x sigmoid(x)"),
    _functional("mish", F.mish, "x tanh(softplus(x))"),
    _functional("relu6", F.relu6, "min(max(x, 0), 6)"),
    _functional("hardtanh", F.hardtanh, "hardtanh(x, min_val=-1, max_val=1): x clamped"),
    _functional("logsigmoid", F.logsigmoid, "log(sigmoid(x))"),
    _functional("softmin", F.softmin, "softmin(x, dim): softmax(-x, dim)"),
    _functional(
        "pad",
        F.pad,
        "pad(x, (left, right, top, bottom, ...), mode='constant', value=0): the last dimensions padded "
        "(a negative amount crops), sized before it runs",
        "pad",
    ),
    _functional("normalize", F.normalize, "normalize(x, p=2, dim=1): x divided by its p-norm along dim"),
    _functional(
        "layer_norm",
        F.layer_norm,
        "layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5): each sample's last dimensions "
        "to mean 0 and variance 1, then scaled and shifted (nanoGPT's LayerNorm with an optional bias)",
    ),
    _functional("max_pool1d", F.max_pool1d, "max_pool1d(x, kernel_size, stride=kernel_size): windows' max"),
    _functional("max_pool2d", F.max_pool2d, "max_pool2d(x, kernel_size, stride=kernel_size): windows' max"),
    _functional("avg_pool1d", F.avg_pool1d, "avg_pool1d(x, kernel_size, stride=kernel_size): windows' mean"),
    _functional("avg_pool2d", F.avg_pool2d, "avg_pool2d(x, kernel_size, stride=kernel_size): windows' mean"),
    _functional("dropout", F.dropout, "dropout(x, p=0.5, training=True): zeros at random", random=True),
    _functional("nll_loss", F.nll_loss, "negative log-likelihood of log-probabilities and class indices"),
    _functional("smooth_l1_loss", F.smooth_l1_loss, "smooth L1 loss (beta=, reduction=)", "broadcast"),
    # --- devices: this server has the cpu alone (lang/devices.py) ---------------------------
    Function(
        "torch.device",
        make_device,
        'device("cpu"); "cuda" and "mps" may be named, but only the cpu is used; isinstance(d, torch.device)',
        spellings=("torch.device", "device"),
        instance_of=torch.device,
    ),
    Function(
        "torch.Generator",
        _generator,
        "Generator(): a random generator of the program's own: g = torch.Generator().manual_seed(n), "
        "then torch.randn(..., generator=g)",
        spellings=("torch.Generator",),
        instance_of=torch.Generator,
    ),
    _at("torch.cuda.is_available", no_gpu_available, "False: this server has no GPU"),
    _at("torch.backends.mps.is_available", no_gpu_available, "False: this server has no GPU"),
    # --- differentiation and grad mode ------------------------------------------------------
    Function(
        "torch.autograd.backward",
        None,
        "backward(tensors, grad_tensors=None, retain_graph=, create_graph=): t.backward() for several "
        "tensors at once, their gradients summed into .grad",
        special="backward",
        spellings=("torch.autograd.backward",),
    ),
    Function(
        "torch.autograd.gradcheck",
        torch.autograd.gradcheck,
        "gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3): True when f's backward (a custom "
        "Function's too) matches finite differences; else PyTorch's error with both Jacobians. Inputs in "
        "float64, as PyTorch asks",
        special="functional",
        spellings=("torch.autograd.gradcheck",),
    ),
    Function(
        "torch.autograd.grad",
        None,
        "grad(outputs, inputs, grad_outputs=, retain_graph=, create_graph=): gradients, .grad untouched",
        special="grad",
        spellings=("torch.autograd.grad",),
    ),
    *(
        Function(
            f"torch.autograd.functional.{fn.__name__}",
            fn,
            summary,
            special="functional",
            spellings=(f"torch.autograd.functional.{fn.__name__}",),
        )
        for fn, summary in (
            (
                torch.autograd.functional.jacobian,
                "jacobian(f, inputs, create_graph=False, strict=False): d f(inputs) / d inputs, "
                "outputs × inputs elements (refused before it runs when too large)",
            ),
            (
                torch.autograd.functional.hessian,
                "hessian(f, inputs, create_graph=False, strict=False): second derivatives of a scalar "
                "f, inputs² elements (refused before it runs when too large)",
            ),
            (torch.autograd.functional.vjp, "vjp(f, inputs, v=None): (f(inputs), v · Jacobian)"),
            (torch.autograd.functional.jvp, "jvp(f, inputs, v=None): (f(inputs), Jacobian · v)"),
            (torch.autograd.functional.vhp, "vhp(f, inputs, v=None): (f(inputs), v · Hessian)"),
            (torch.autograd.functional.hvp, "hvp(f, inputs, v=None): (f(inputs), Hessian · v)"),
        )
    ),
    _at(
        "torch.autograd.Function",
        torch.autograd.Function,
        "base class of custom autograd functions: class Exp(torch.autograd.Function) with "
        "@staticmethod forward(ctx, ...) and backward(ctx, grad_output), called as Exp.apply(x)",
    ),
    # torch.func's spellings, run through torch.autograd.functional (lang/functional.py)
    *(
        Function(
            f"torch.func.{fn.__name__}",
            fn,
            summary,
            special="func",
            spellings=(f"torch.func.{fn.__name__}",),
        )
        for fn, summary in (
            (
                torch.func.grad,
                "grad(f, argnums=0, has_aux=False)(*args): the gradient of f's one-number result with "
                "respect to args[argnums] (a tuple of them for a tuple of argnums); has_aux=True: f "
                "returns (output, aux) and the call (gradient, aux)",
            ),
            (
                torch.func.jacrev,
                "jacrev(f, argnums=0, has_aux=False)(*args): the Jacobian of f's tensor, output × input "
                "elements (refused before the passes run when too large)",
            ),
            (torch.func.jacfwd, "jacfwd(f, argnums=0, has_aux=False)(*args): the same Jacobian as jacrev"),
            (
                torch.func.hessian,
                "hessian(f, argnums=0)(*args): second derivatives of f's one-number result, inputs² "
                "elements (refused before it runs when too large)",
            ),
            (
                torch.func.vjp,
                "vjp(f, *primals, has_aux=False): (f(*primals), vjp_fn), and the aux with has_aux=True; "
                "vjp_fn(v) is v · Jacobian, one tensor per primal",
            ),
        )
    ),
    _at(
        "torch.nn.utils.clip_grad_norm_",
        torch.nn.utils.clip_grad_norm_,
        "clip_grad_norm_(parameters, max_norm, norm_type=2.0): scale the gradients in place so their "
        "total norm is at most max_norm; returns the norm before",
    ),
    _at(
        "torch.nn.utils.clip_grad_value_",
        torch.nn.utils.clip_grad_value_,
        "clip_grad_value_(parameters, clip_value): clamp every gradient element in place",
    ),
    _at(
        "torch.nn.utils.rnn.pad_sequence",
        pad_sequence,
        "pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'): a list of "
        "tensors of different lengths padded to the longest and stacked, sized before it runs",
        "pad_sequence",
    ),
    Function(
        "torch.no_grad",
        torch.no_grad,
        "with torch.no_grad(): build no graph",
        special="context",
        spellings=("torch.no_grad", "no_grad"),
    ),
    Function(
        "torch.enable_grad",
        torch.enable_grad,
        "with torch.enable_grad(): build the graph again",
        special="context",
        spellings=("torch.enable_grad", "enable_grad"),
    ),
    Function(
        "torch.inference_mode",
        torch.inference_mode,
        "with torch.inference_mode(): no graph, and tensors made inside can never join one later "
        "(PyTorch's RuntimeError where one would)",
        special="context",
        spellings=("torch.inference_mode", "inference_mode"),
    ),
    Function(
        "torch.autograd.function.once_differentiable",
        torch.autograd.function.once_differentiable,
        "@once_differentiable under @staticmethod on an autograd Function's backward: it runs without "
        "building a graph, and a second backward through it is PyTorch's error",
        special="decorator",
        spellings=("torch.autograd.function.once_differentiable",),
    ),
    Function(
        "torch.set_grad_enabled",
        torch.set_grad_enabled,
        "with torch.set_grad_enabled(flag): build the graph only when flag is True "
        "(set_grad_enabled(phase == 'train'))",
        special="context",
        spellings=("torch.set_grad_enabled", "set_grad_enabled"),
    ),
    Function(
        "torch.autograd.set_detect_anomaly",
        torch.autograd.set_detect_anomaly,
        "with torch.autograd.set_detect_anomaly(True): a backward that makes NaN raises PyTorch's error "
        "naming the node, and its warning names the program's line that made it; called alone, on (or "
        "off) for the rest of the program; check_nan=False only marks the lines",
        special="context",
        spellings=("torch.autograd.set_detect_anomaly",),
    ),
    Function(
        "torch.autograd.detect_anomaly",
        torch.autograd.detect_anomaly,
        "with torch.autograd.detect_anomaly(): as set_detect_anomaly(True) in a with block",
        special="context",
        spellings=("torch.autograd.detect_anomaly",),
    ),
    _torch_fn("is_anomaly_enabled", torch.is_anomaly_enabled, "is anomaly detection on here"),
    _torch_fn(
        "is_grad_enabled", torch.is_grad_enabled, "is the graph being recorded here (False under no_grad)"
    ),
    _torch_fn(
        "is_inference_mode_enabled", torch.is_inference_mode_enabled, "is this inside torch.inference_mode()"
    ),
    # --- torch.nn: layers and losses are PyTorch's own classes ----------------------------
    *(
        _at(
            f"torch.nn.{cls.__name__}",
            cls,
            summary,
            growth,
            random=growth not in _NO_PARAMETERS or cls in _DRAW_WHEN_CALLED,
        )
        for cls, summary, growth in _NN_CLASSES
    ),
    _at(
        "torch.nn.Transformer.generate_square_subsequent_mask",
        torch.nn.Transformer.generate_square_subsequent_mask,
        "nn.Transformer.generate_square_subsequent_mask(sz): the sz × sz causal mask, -inf above the "
        "diagonal and 0 elsewhere",
        "square_mask",
    ),
    *(
        _at(f"torch.nn.init.{fn.__name__}", fn, f"nn.init.{fn.__name__}(tensor, ...): in place", random=True)
        for fn in _NN_INIT
    ),
    # --- torch.optim and torch.utils.data -------------------------------------------------
    *_module_functions(
        "torch.optim",
        (
            (torch.optim.SGD, "SGD(params, lr, momentum=0, weight_decay=0)"),
            (torch.optim.Adam, "Adam(params, lr=0.001, betas=(0.9, 0.999))"),
            (torch.optim.AdamW, "AdamW(params, lr=0.001, weight_decay=0.01)"),
            (torch.optim.RMSprop, "RMSprop(params, lr=0.01)"),
            (torch.optim.Adagrad, "Adagrad(params, lr=0.01)"),
            (
                torch.optim.LBFGS,
                "LBFGS(params, lr=1, max_iter=20, history_size=100, line_search_fn=None): "
                "opt.step(closure) evaluates closure() (zero_grad, loss, backward, return loss) as "
                "often as its iterations need",
            ),
        ),
    ),
    *_module_functions(
        "torch.optim.lr_scheduler",
        (
            (torch.optim.lr_scheduler.StepLR, "StepLR(optimizer, step_size, gamma=0.1)"),
            (torch.optim.lr_scheduler.ExponentialLR, "ExponentialLR(optimizer, gamma)"),
            (torch.optim.lr_scheduler.MultiStepLR, "MultiStepLR(optimizer, milestones, gamma=0.1)"),
            (
                torch.optim.lr_scheduler.CosineAnnealingLR,
                "CosineAnnealingLR(optimizer, T_max, eta_min=0): lr follows half a cosine to eta_min",
            ),
            (
                torch.optim.lr_scheduler.CosineAnnealingWarmRestarts,
                "CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0)",
            ),
            (
                torch.optim.lr_scheduler.LambdaLR,
                "LambdaLR(optimizer, lr_lambda): lr = initial lr × lr_lambda(epoch)",
            ),
            (
                torch.optim.lr_scheduler.MultiplicativeLR,
                "MultiplicativeLR(optimizer, lr_lambda): lr ×= lr_lambda(epoch) at each step",
            ),
            (
                torch.optim.lr_scheduler.LinearLR,
                "LinearLR(optimizer, start_factor=1/3, end_factor=1, total_iters=5): a linear warm-up",
            ),
            (
                torch.optim.lr_scheduler.ConstantLR,
                "ConstantLR(optimizer, factor=1/3, total_iters=5)",
            ),
            (torch.optim.lr_scheduler.PolynomialLR, "PolynomialLR(optimizer, total_iters=5, power=1)"),
            (
                torch.optim.lr_scheduler.OneCycleLR,
                "OneCycleLR(optimizer, max_lr, total_steps): up to max_lr, then down (step per batch)",
            ),
            (
                torch.optim.lr_scheduler.CyclicLR,
                "CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, mode='triangular')",
            ),
            (
                torch.optim.lr_scheduler.SequentialLR,
                "SequentialLR(optimizer, schedulers, milestones): one schedule after another",
            ),
            (
                torch.optim.lr_scheduler.ReduceLROnPlateau,
                "ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10): "
                "sched.step(val_loss) lowers lr when the loss stops improving",
            ),
        ),
    ),
    _at(
        "torch.utils.data.TensorDataset",
        torch.utils.data.TensorDataset,
        "TensorDataset(X, y): pairs (X[i], y[i])",
    ),
    _at("torch.utils.data.Dataset", torch.utils.data.Dataset, "base class of datasets"),
    _at(
        "torch.utils.data.random_split",
        torch.utils.data.random_split,
        "random_split(dataset, [n_train, n_test] or fractions): disjoint random subsets (seeded)",
        random=True,
    ),
    _at(
        "torch.utils.data.DataLoader",
        torch.utils.data.DataLoader,
        "DataLoader(dataset, batch_size=1, shuffle=False): batches (shuffled by the seeded generator)",
        random=True,
    ),
    # --- Python built-ins ------------------------------------------------------------------
    _builtin("range", builtins.range, "range(stop) / range(start, stop, step)", growth="count"),
    _builtin(
        "print",
        None,
        "print(values, sep=' ', end='\\n', flush=False): the text comes back with the run",
        special="print",
    ),
    _builtin("len", builtins.len, "length of the first dimension / of a list"),
    _builtin("float", builtins.float, "a Python float (one-element tensors too)"),
    _builtin("int", builtins.int, "a Python int (one-element tensors too)"),
    _builtin("bool", builtins.bool, "truth value"),
    _builtin("str", builtins.str, "text of a value (a tensor as PyTorch prints it)", special="text"),
    _builtin("repr", builtins.repr, "the value as Python writes it (text in quotes)", special="text"),
    _builtin("round", builtins.round, "round(number, ndigits)"),
    # Python's own, as CPython runs them (on a tensor they use its operators: sum(t) adds its rows).
    _builtin("abs", builtins.abs, "absolute value (of a number or a tensor)"),
    _builtin("divmod", builtins.divmod, "divmod(a, b): (a // b, a % b) of two numbers"),
    _builtin("max", builtins.max, "the largest item or argument", growth="iterable"),
    _builtin("min", builtins.min, "the smallest item or argument", growth="iterable"),
    _builtin("sum", _concatenating_sum, "sum of the items (of lists too, with start=[])", growth="sum"),
    _builtin("list", builtins.list, "a list of the items", growth="iterable"),
    _builtin("tuple", builtins.tuple, "a tuple of the items", growth="iterable"),
    _builtin("dict", builtins.dict, "a dictionary", growth="iterable"),
    _builtin("set", builtins.set, "a set of the items", growth="iterable"),
    _builtin("sorted", builtins.sorted, "the items sorted (key=, reverse=)", growth="iterable"),
    _builtin("reversed", builtins.reversed, "the items in reverse order"),
    _builtin("enumerate", builtins.enumerate, "(index, item) pairs"),
    _builtin("zip", builtins.zip, "items of several sequences side by side"),
    _builtin("map", builtins.map, "map(function, items)"),
    _builtin("filter", builtins.filter, "filter(function, items)"),
    _builtin("any", builtins.any, "is any item true", growth="iterable"),
    _builtin("all", builtins.all, "are all items true", growth="iterable"),
    _builtin("iter", builtins.iter, "an iterator over the items"),
    _builtin("next", builtins.next, "the next item of an iterator"),
    _builtin("isinstance", None, "isinstance(value, class or tuple of classes)", special="isinstance"),
    _builtin(
        "hasattr",
        None,
        "hasattr(value, 'name'): can the program read value.name here (nanoGPT's "
        "hasattr(F, 'scaled_dot_product_attention'))",
        special="hasattr",
    ),
    _builtin(
        "type",
        None,
        "type(x): the class of x, as print shows it (<class 'torch.Tensor'>); compare it with == or is",
        special="type",
    ),
    _builtin("format", None, "format(value, spec): as in an f-string", special="format"),
    _builtin("super", None, "super().__init__() inside a class's method", special="super"),
    *(
        _builtin(exc.__name__, exc, f"the exception {exc.__name__} (raise it, catch it)")
        for exc in (
            Exception,
            ArithmeticError,
            LookupError,
            ValueError,
            RuntimeError,
            TypeError,
            KeyError,
            IndexError,
            ZeroDivisionError,
            AssertionError,
            NameError,
            AttributeError,
            NotImplementedError,
            StopIteration,
            UnboundLocalError,
            RecursionError,
            OverflowError,
        )
    ),
)

# Grad modes given their mode as one argument (`with torch.set_grad_enabled(is_train):`).
FLAGGED_GRAD_MODES = frozenset({"torch.set_grad_enabled", "torch.autograd.set_detect_anomaly"})
# Anomaly detection's switches: `with` items that may be given check_nan= too, never decorators
# (PyTorch's are plain context managers). set_detect_anomaly(flag) is also a function, as in PyTorch:
# called alone it switches the mode for the rest of the run (lang/evaluator.py switches it off after).
ANOMALY_MODES = frozenset({"torch.autograd.set_detect_anomaly", "torch.autograd.detect_anomaly"})
MODES_CALLED_ALONE = frozenset({"torch.autograd.set_detect_anomaly"})

# Spellings are unique; the bare Python spellings (abs, max, min, sum) come last and win.
SPELLINGS: dict[str, Function] = {spelling: fn for fn in FUNCTIONS for spelling in fn.spellings}
# A class of the table by the spelling that names it first (`type(x)` is `torch.Tensor`, as written)
CLASS_SPELLINGS: dict[type, str] = {}
for fn in FUNCTIONS:
    if isinstance(fn.stands_for, type) and fn.spellings:
        CLASS_SPELLINGS.setdefault(fn.stands_for, fn.spellings[0])
del fn

CONSTANTS: dict[str, object] = {
    "torch.float32": torch.float32,
    "torch.float": torch.float32,
    "torch.float64": torch.float64,
    "torch.double": torch.float64,
    "torch.int64": torch.int64,
    "torch.long": torch.int64,
    "torch.bool": torch.bool,
    "torch.pi": torch.pi,
    "torch.e": torch.e,
    "math.pi": math.pi,
    "math.e": math.e,
    "math.tau": math.tau,
    "math.inf": math.inf,
    "math.nan": math.nan,
}

# `x.dtype` reads as text ('torch.float32'); a dtype= argument may be given back as that text.
DTYPE_NAMES: dict[str, torch.dtype] = {
    str(dtype): dtype for dtype in CONSTANTS.values() if isinstance(dtype, torch.dtype)
}
LOSSES = frozenset(
    f"F.{name}"
    for name in (
        "mse_loss",
        "l1_loss",
        "huber_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "cross_entropy",
    )
)


def _tensor_to(tensor: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
    """`x.to(...)`: a device must be the cpu; a dtype read as text (`x.to(y.dtype)`) is the dtype."""
    converted = [DTYPE_NAMES.get(a, a) if isinstance(a, str) else a for a in args]
    if converted and is_device_like(converted[0]):
        check_device(converted[0])
    check_device(kwargs.get("device"))
    return tensor.to(*converted, **kwargs)  # type: ignore[call-overload,no-any-return]


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("sum", T.sum, "sum of elements (dim=, keepdim=)"),
        Method("mean", T.mean, "mean of elements (dim=, keepdim=)"),
        Method("prod", T.prod, "product of elements"),
        Method("norm", T.norm, "norm (p=, dim=)"),
        Method("max", T.max, "largest element, or max(dim)"),
        Method("sort", T.sort, "sorted values and their indices (dim=, descending=)"),
        Method("tril", T.tril, "the lower triangle, zeros above (diagonal=)"),
        Method("triu", T.triu, "the upper triangle, zeros below (diagonal=)"),
        Method("argsort", T.argsort, "the indices that sort it (dim=, descending=)"),
        Method("topk", T.topk, "topk(k, dim=): the k largest values and their indices"),
        Method("masked_fill", T.masked_fill, "masked_fill(mask, value): value where mask is True"),
        Method("masked_fill_", T.masked_fill_, "in-place masked_fill"),
        Method("min", T.min, "smallest element, or min(dim)"),
        Method("pow", T.pow, "x.pow(p)", "broadcast"),
        Method("sqrt", T.sqrt, "square root"),
        Method("square", T.square, "square"),
        Method("exp", T.exp, "exponential"),
        Method("log", T.log, "natural logarithm"),
        Method("abs", T.abs, "absolute value"),
        Method("sin", T.sin, "sine"),
        Method("cos", T.cos, "cosine"),
        Method("tan", T.tan, "tangent"),
        Method("maximum", T.maximum, "maximum(other): element-wise maximum", "broadcast"),
        Method("minimum", T.minimum, "minimum(other): element-wise minimum", "broadcast"),
        Method(
            "repeat",
            T.repeat,
            "repeat(*sizes): the tensor tiled sizes[i] times along each dimension",
            "repeat",
        ),
        Method("relu", T.relu, "max(x, 0)"),
        Method("tanh", T.tanh, "hyperbolic tangent"),
        Method("sigmoid", T.sigmoid, "logistic sigmoid"),
        Method("view", T.view, "the same data with another shape"),
        Method("reshape", T.reshape, "another shape (copies if needed)"),
        Method("t", T.t, "transpose of a matrix"),
        Method("unsqueeze", T.unsqueeze, "insert a dimension of size 1"),
        Method("squeeze", T.squeeze, "remove dimensions of size 1"),
        Method("float", T.float, "convert to float32"),
        Method("double", T.double, "convert to float64"),
        Method("type", T.type, "the tensor type as text ('torch.FloatTensor'), or type(dtype): converted"),
        Method("detach", T.detach, "the same values, cut from the graph"),
        Method(
            "detach_",
            T.detach_,
            "in-place detach: this tensor cut from its graph, a leaf again (truncated backpropagation "
            "through time: h.detach_() between chunks)",
        ),
        Method("clone", T.clone, "a copy that stays in the graph"),
        Method("retain_grad", T.retain_grad, "keep .grad of this intermediate after backward"),
        Method("requires_grad_", T.requires_grad_, "start (or stop) recording operations on a leaf"),
        Method("add_", T.add_, "in-place add"),
        Method("sub_", T.sub_, "in-place subtract"),
        Method("mul_", T.mul_, "in-place multiply"),
        Method("div_", T.div_, "in-place divide"),
        Method("zero_", T.zero_, "in-place fill with zeros (e.g. x.grad.zero_())"),
        Method("backward", None, "backward(gradient=, retain_graph=, create_graph=)", special="backward"),
        Method(
            "register_hook",
            None,
            "register_hook(hook): hook(grad) runs when this tensor's gradient is computed; "
            "what it returns (a tensor) replaces the gradient; .remove() on the handle undoes it",
            special="hook",
        ),
        Method("item", T.item, "the Python number of a one-element tensor"),
        Method("size", T.size, "the shape, or size(dim)"),
        Method("dim", T.dim, "number of dimensions"),
        Method("numel", T.numel, "number of elements"),
        Method("nelement", T.nelement, "number of elements (numel)"),
        Method("tolist", T.tolist, "nested Python lists", "tolist"),
        Method("argmax", T.argmax, "index of the largest element (dim=)"),
        Method("argmin", T.argmin, "index of the smallest element (dim=)"),
        Method("std", T.std, "standard deviation (dim=)"),
        Method("var", T.var, "variance (dim=)"),
        Method("flatten", T.flatten, "flatten(start_dim=0)"),
        Method("unflatten", T.unflatten, "unflatten(dim, sizes): one dimension split into several (a view)"),
        Method("transpose", T.transpose, "transpose(dim0, dim1)"),
        Method("permute", T.permute, "reorder the dimensions"),
        Method("long", T.long, "convert to int64"),
        Method("int", T.int, "convert to int32"),
        Method("bool", T.bool, "convert to bool"),
        Method("round", T.round, "round to whole numbers"),
        Method("clamp", T.clamp, "clamp(min=, max=)"),
        Method("matmul", T.matmul, "matrix product", "matmul"),
        Method("mm", T.mm, "matrix-matrix product", "matmul"),
        Method("dot", T.dot, "dot product", "matmul"),
        Method("softmax", T.softmax, "softmax(dim)"),
        Method("log_softmax", T.log_softmax, "log_softmax(dim)"),
        Method("eq", T.eq, "element-wise ==", "broadcast"),
        Method("cumsum", T.cumsum, "cumulative sum along dim"),
        Method("fill_", T.fill_, "in-place fill with a value"),
        Method("copy_", T.copy_, "in-place copy of another tensor's values"),
        Method("normal_", T.normal_, "in-place normal random values"),
        Method("uniform_", T.uniform_, "in-place uniform random values"),
        Method("clamp_", T.clamp_, "in-place clamp"),
        Method("any", T.any, "is any element true"),
        Method("all", T.all, "are all elements true"),
        Method("equal", T.equal, "same shape and values"),
        Method("allclose", T.allclose, "equal within a tolerance"),
        Method("expand", T.expand, "a broadcast view (no copy)"),
        Method(
            "to",
            _tensor_to,
            "to(dtype) / to(device) / to(other): a converted copy (the same tensor if "
            "nothing changes); only the cpu device exists here",
        ),
        Method("cpu", T.cpu, "the tensor itself: every tensor is on the cpu here"),
        Method("cuda", to_cuda, "refused: this server has no GPU"),
        Method("contiguous", T.contiguous, "a contiguous copy if needed"),
        Method("expand_as", T.expand_as, "expand_as(other): a broadcast view of other's shape"),
        Method("view_as", T.view_as, "view_as(other): the same data with other's shape"),
        Method("reshape_as", T.reshape_as, "reshape_as(other): other's shape (copies if needed)"),
        Method("type_as", T.type_as, "type_as(other): converted to other's dtype"),
        Method("where", T.where, "x.where(condition, y): x where condition is True, else y", "broadcast"),
        Method("sign", T.sign, "sign of each element"),
        Method(
            "unfold",
            T.unfold,
            "unfold(dimension, size, step): every window of size along dimension, as a view",
            "unfold",
        ),
        Method(
            "new_zeros",
            T.new_zeros,
            "new_zeros(size): zeros with this tensor's dtype and device",
            "new_factory",
        ),
        Method(
            "new_ones", T.new_ones, "new_ones(size): ones with this tensor's dtype and device", "new_factory"
        ),
        Method(
            "new_full",
            T.new_full,
            "new_full(size, value): value everywhere, with this tensor's dtype",
            "new_full",
        ),
        Method(
            "new_tensor",
            T.new_tensor,
            "new_tensor(data): a tensor from a list, with this tensor's dtype",
            "new_literal",
        ),
        *(Method(method.__name__, method, summary, growth) for _, method, summary, growth in BOTH_SPELLINGS),
    )
}


@dataclass(frozen=True)
class Member:
    """A method or attribute of a non-tensor value a program may hold (a list, a Module, an optimizer)."""

    owner: type
    name: str
    summary: str
    kind: Literal["method", "attribute"] = "method"
    growth: Growth = "none"


def _members(owner: type, kind: Literal["method", "attribute"], **entries: str) -> tuple[Member, ...]:
    return tuple(Member(owner, name, summary, kind) for name, summary in entries.items())


_Module = torch.nn.Module
_CONTEXT = torch.autograd.function.BackwardCFunction
# Read with the real attribute of the owner's type: only names listed here (for that type or a
# base class of it) are ever looked up, and never with user text alone.
MEMBERS: tuple[Member, ...] = (
    *_members(
        list,
        "method",
        append="add an item at the end",
        extend="add the items of another sequence",
        pop="remove and return an item (the last by default)",
        insert="insert(i, item)",
        remove="remove the first item equal to a value",
        index="position of the first item equal to a value",
        count="how many items equal a value",
        sort="sort in place (key=, reverse=)",
        reverse="reverse in place",
        copy="a shallow copy",
        clear="remove every item",
    ),
    *_members(tuple, "method", index="position of a value", count="how many items equal a value"),
    *_members(
        dict,
        "method",
        items="(key, value) pairs",
        keys="the keys",
        values="the values",
        get="get(key, default=None)",
        pop="remove and return a key's value",
        update="add the pairs of another dictionary",
        setdefault="get, or set a default",
        copy="a shallow copy",
        clear="remove every pair",
    ),
    *_members(set, "method", add="add an item", discard="remove an item if present", update="add items"),
    *_members(
        str,
        "method",
        join="join texts with this one between them",
        format="'{}'.format(values): fields are positions or names, as in an f-string",
        upper="upper case",
        lower="lower case",
        strip="without surrounding spaces",
        split="split into words",
        replace="replace(old, new)",
        startswith="does it start with a text",
        endswith="does it end with a text",
        lstrip="without leading spaces",
        rstrip="without trailing spaces",
        title="each word capitalized",
        capitalize="the first letter upper case",
        swapcase="upper and lower case swapped",
        count="how many times a text occurs",
        find="position of a text, -1 when absent",
        index="position of a text (ValueError when absent)",
        isdigit="only digits?",
        isalpha="only letters?",
        splitlines="split into lines",
        zfill="zfill(width): padded with zeros on the left (the width is sized first)",
        center="center(width, fill=' '): centred in a width (sized first)",
        ljust="ljust(width, fill=' '): left-aligned in a width (sized first)",
        rjust="rjust(width, fill=' '): right-aligned in a width (sized first)",
    ),
    *_members(
        _Module,
        "method",
        parameters="the module's parameters (PyTorch's own iterator)",
        named_parameters="(name, parameter) pairs",
        buffers="the module's buffers",
        named_buffers="(name, buffer) pairs",
        register_buffer="register_buffer(name, tensor, persistent=True): a tensor the module keeps "
        "(in its state_dict, moved and converted with it) that no optimizer updates; read as self.name",
        register_parameter="register_parameter(name, nn.Parameter(...)): a parameter by a name given "
        "as text; read as self.name",
        register_module="register_module(name, module): add_module's other name",
        children="the direct submodules",
        named_children="(name, submodule) pairs",
        modules="every module inside, itself first",
        named_modules="(name, module) pairs",
        zero_grad="set every parameter's .grad to None",
        train="training mode (Dropout and BatchNorm behave accordingly)",
        eval="evaluation mode",
        state_dict="the parameters and buffers by name (for reading)",
        load_state_dict="load_state_dict(d): copy another model's values in, by name (shapes must match)",
        forward="the module's computation (call the module itself to run hooks too)",
        requires_grad_="switch gradient recording of every parameter",
        apply="apply(fn): call fn on every submodule",
        add_module="add_module(name, module)",
        double="convert parameters to float64",
        float="convert parameters to float32",
        to="to(device) / to(dtype): the module itself, moved or converted (only the cpu device exists here)",
        cpu="the module itself: it is on the cpu already",
        cuda="refused: this server has no GPU",
        register_forward_pre_hook="register_forward_pre_hook(hook): hook(module, args) runs before each "
        "call's forward; a tuple it returns replaces the arguments",
        register_forward_hook="register_forward_hook(hook): hook(module, args, output) runs after each "
        "call's forward; what it returns (not None) replaces the output",
        register_full_backward_pre_hook="register_full_backward_pre_hook(hook): hook(module, grad_output) "
        "runs in the backward pass when the gradients of the module's outputs are known",
        register_full_backward_hook="register_full_backward_hook(hook): hook(module, grad_input, "
        "grad_output) runs in the backward pass once the gradients of the module's inputs are known; "
        "a tuple it returns replaces grad_input",
    ),
    *_members(torch.device, "attribute", type="the device's kind, e.g. 'cpu'", index="its index, or None"),
    *_members(
        _Module,
        "attribute",
        training="is the module in training mode",
        weight="the layer's weight parameter",
        bias="the layer's bias parameter",
        in_features="Linear's input size",
        out_features="Linear's output size",
        running_mean="BatchNorm's running mean",
        running_var="BatchNorm's running variance",
    ),
    *_members(
        torch.nn.RNNCellBase,
        "attribute",
        weight_ih="input-to-hidden weights (the gates' blocks stacked)",
        weight_hh="hidden-to-hidden weights",
        bias_ih="input-to-hidden bias",
        bias_hh="hidden-to-hidden bias",
        input_size="the input size",
        hidden_size="the hidden size",
    ),
    *_members(
        torch.nn.RNNBase,
        "attribute",
        # The first layer's own names; every layer's are in named_parameters().
        weight_ih_l0="layer 0's input-to-hidden weights (the gates' blocks stacked)",
        weight_hh_l0="layer 0's hidden-to-hidden weights",
        bias_ih_l0="layer 0's input-to-hidden bias",
        bias_hh_l0="layer 0's hidden-to-hidden bias",
        input_size="the input size",
        hidden_size="the hidden size",
        num_layers="the number of stacked layers",
        bidirectional="does it also run backwards in time",
        batch_first="is the batch the first dimension of input and output",
    ),
    *_members(
        torch.nn.MultiheadAttention,
        "attribute",
        in_proj_weight="the query, key and value projections stacked",
        in_proj_bias="their biases",
        out_proj="the output projection (a Linear)",
        embed_dim="the embedding size",
        num_heads="the number of heads",
        head_dim="embed_dim // num_heads",
        batch_first="is the batch the first dimension",
    ),
    *_members(
        torch.nn.TransformerEncoderLayer,
        "attribute",
        self_attn="the self-attention (a MultiheadAttention)",
        linear1="the feed-forward block's first Linear",
        linear2="the feed-forward block's second Linear",
        norm1="the LayerNorm after (or before, norm_first) attention",
        norm2="the LayerNorm of the feed-forward block",
    ),
    *_members(
        torch.nn.TransformerDecoderLayer,
        "attribute",
        self_attn="the self-attention over tgt (a MultiheadAttention)",
        multihead_attn="the attention of tgt over memory (a MultiheadAttention)",
        linear1="the feed-forward block's first Linear",
        linear2="the feed-forward block's second Linear",
        norm1="the LayerNorm of the self-attention block",
        norm2="the LayerNorm of the attention over memory",
        norm3="the LayerNorm of the feed-forward block",
    ),
    *_members(
        torch.nn.TransformerEncoder,
        "attribute",
        layers="the copies of the layer (a ModuleList)",
        num_layers="how many layers",
        norm="the LayerNorm after the last layer, or None",
    ),
    *_members(
        torch.nn.TransformerDecoder,
        "attribute",
        layers="the copies of the layer (a ModuleList)",
        num_layers="how many layers",
        norm="the LayerNorm after the last layer, or None",
    ),
    *_members(
        torch.nn.Transformer,
        "attribute",
        encoder="the encoder (a TransformerEncoder)",
        decoder="the decoder (a TransformerDecoder)",
        d_model="the embedding size",
        nhead="the number of heads",
        batch_first="is the batch the first dimension",
    ),
    Member(
        torch.nn.Transformer,
        "generate_square_subsequent_mask",
        "model.generate_square_subsequent_mask(sz): the sz × sz causal mask (the static method's "
        "other spelling; sized before it is made: Calls.check_member_call)",
    ),
    *_members(torch.nn.Sequential, "method", append="add a layer at the end"),
    *_members(
        torch.nn.ModuleList,
        "method",
        append="add a module at the end",
        extend="add the modules of a list",
        insert="insert(i, module)",
    ),
    *_members(
        torch.nn.ModuleDict,
        "method",
        keys="the names",
        values="the modules",
        items="(name, module) pairs",
        update="update({name: module}): add or replace modules",
        pop="pop(name): remove a module and return it",
        clear="remove every module",
    ),
    *_members(
        torch.nn.ParameterList,
        "method",
        append="add a parameter at the end",
        extend="add the parameters of a list",
    ),
    *_members(
        torch.nn.ParameterDict,
        "method",
        keys="the names",
        values="the parameters",
        items="(name, parameter) pairs",
        update="update({name: parameter}): add or replace parameters",
        pop="pop(name): remove a parameter and return it",
        get="get(name, default=None)",
        clear="remove every parameter",
    ),
    *_members(
        torch.optim.Optimizer,
        "method",
        zero_grad="clear the gradients",
        step="one update (step(closure): closure() recomputes the loss first; LBFGS calls it often)",
        add_param_group="add_param_group({'params': [...], 'lr': ...}): more parameters, own options",
    ),
    *_members(
        torch.optim.Optimizer,
        "attribute",
        param_groups="the parameter groups and their lr",
        state="parameter -> what the optimizer keeps for it (Adam's exp_avg and exp_avg_sq, SGD's "
        "momentum_buffer, its step)",
        defaults="the hyperparameters it was made with",
    ),
    *_members(
        torch.optim.lr_scheduler.LRScheduler,
        "method",
        step="advance the schedule by one epoch (ReduceLROnPlateau: step(metric))",
        get_last_lr="the learning rates just set",
    ),
    *_members(
        torch.optim.lr_scheduler.LRScheduler,
        "attribute",
        last_epoch="the steps taken so far",
        optimizer="the optimizer it schedules",
    ),
    *_members(torch.utils.data.TensorDataset, "attribute", tensors="the tensors it pairs"),
    *_members(torch.utils.data.DataLoader, "attribute", dataset="the dataset", batch_size="the batch size"),
    *_members(BaseException, "attribute", args="the exception's arguments"),
    *_members(torch.Size, "method", numel="number of elements", index="position", count="count"),
    *_members(
        torch.Generator,
        "method",
        manual_seed="manual_seed(n): seed it; returns the generator",
        initial_seed="the seed it started from",
    ),
    *_members(GradFn, "method", name="the node's name, e.g. 'AddBackward0'"),
    *_members(torch.utils.hooks.RemovableHandle, "method", remove="remove the hook: it runs no more"),
    *_members(
        GradFn,
        "attribute",
        next_functions="the nodes it sends gradient to, each with its input slot: ((node, 0), (None, 0))",
        variable="an AccumulateGrad's leaf tensor (the one whose .grad it fills)",
    ),
    # The `ctx` of a program's torch.autograd.Function: its node (ExpBackward), a BackwardCFunction.
    *_members(
        _CONTEXT,
        "method",
        save_for_backward="save_for_backward(*tensors): keep tensors for backward (ctx.saved_tensors)",
        mark_dirty="mark_dirty(*tensors): forward changed these inputs in place",
        mark_non_differentiable="mark_non_differentiable(*tensors): these outputs have no gradient",
        set_materialize_grads="set_materialize_grads(False): unused outputs get None, not zeros",
    ),
    *_members(
        _CONTEXT,
        "attribute",
        saved_tensors="the tensors given to save_for_backward, as a tuple",
        needs_input_grad="a bool per forward input: does it need a gradient",
    ),
    *(
        member
        for result in (
            torch.return_types.max,
            torch.return_types.min,
            torch.return_types.sort,
            torch.return_types.topk,
            torch.return_types.median,
            torch.return_types.kthvalue,
        )
        for member in _members(result, "attribute", values="the values", indices="their positions")
    ),
    *_members(
        torch.return_types.linalg_lstsq,  # type: ignore[attr-defined]  # made at run time
        "attribute",
        solution="the least-squares solution",
        residuals="the squared residuals (empty unless m > n and A has full rank, with the gelsd driver)",
        rank="A's rank (empty with the default gelsy driver on the cpu: it is computed)",
        singular_values="A's singular values (gelsd and gelss drivers)",
    ),
)
MEMBER_TABLE: dict[tuple[type, str], Member] = {(m.owner, m.name): m for m in MEMBERS}
MEMBER_NAMES = frozenset(m.name for m in MEMBERS)


def find_member(owner: object, name: str) -> Member | None:
    """The table's entry for `owner.name`, looked up along the owner's classes (None: not allowed)."""
    for cls in type(owner).__mro__:
        member = MEMBER_TABLE.get((cls, name))
        if member is not None:
            return member
    return None


def _set_grad(tensor: torch.Tensor, value: object) -> None:
    if value is not None and not isinstance(value, torch.Tensor):
        raise TypeError("x.grad can only be assigned None or a tensor")
    tensor.grad = value


def _set_data(tensor: torch.Tensor, value: object) -> None:
    if not isinstance(value, torch.Tensor):
        raise TypeError("x.data can only be assigned a tensor")
    tensor.data = value


def _set_requires_grad(tensor: torch.Tensor, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError("x.requires_grad can only be assigned True or False")
    tensor.requires_grad = value


ATTRIBUTES: dict[str, TensorAttribute] = {
    a.name: a
    for a in (
        TensorAttribute("grad", lambda t: t.grad, "the gradient accumulated by backward (None before)", True),
        TensorAttribute("data", lambda t: t.data, "the values without the graph", True),
        TensorAttribute(
            "requires_grad", lambda t: t.requires_grad, "does autograd record operations on it", True
        ),
        TensorAttribute(
            "grad_fn",
            _grad_fn_name,
            "the node that made it, printed as PyTorch prints it (<PowBackward0 object at 0x…>), equal to "
            "its name ('PowBackward0'), .name() gives the name; None for leaves",
        ),
        TensorAttribute("is_leaf", lambda t: t.is_leaf, "made by the user, not by an operation"),
        TensorAttribute("shape", lambda t: t.shape, "the size of each dimension"),
        TensorAttribute("ndim", lambda t: t.ndim, "number of dimensions"),
        TensorAttribute("dtype", lambda t: str(t.dtype), "element type, as text (e.g. 'torch.float32')"),
        TensorAttribute("T", lambda t: t.T, "transpose"),
        TensorAttribute("mT", lambda t: t.mT, "transpose of the last two dimensions (a batch's matrices)"),
        TensorAttribute("device", lambda t: t.device, "where it is stored: always device(type='cpu') here"),
        TensorAttribute("is_cuda", lambda t: t.is_cuda, "whether it is on a GPU: always False here"),
    )
}

# Assigning these attributes goes through explicit setters, never setattr.
SETTERS: dict[str, Callable[[torch.Tensor, object], None]] = {
    "grad": _set_grad,
    "data": _set_data,
    "requires_grad": _set_requires_grad,
}

# In-place meaning of augmented assignment on a tensor (`y += 1` is `y.add_(1)`), as in PyTorch.
IN_PLACE: dict[str, Callable[..., torch.Tensor]] = {
    "Add": T.add_,
    "Sub": T.sub_,
    "Mult": T.mul_,
    "Div": T.div_,
    "Pow": T.pow_,
    "FloorDiv": T.floor_divide_,
    "Mod": T.remainder_,
    "BitXor": T.bitwise_xor_,
    "BitAnd": T.bitwise_and_,
    "BitOr": T.bitwise_or_,
}

STATEMENTS: tuple[str, ...] = (
    "import torch / import torch.nn as nn / import torch.nn.functional as F / from torch import nn, optim "
    "/ from torch.utils.data import DataLoader, TensorDataset (torch's modules only)",
    "name = expression (also a, b = ..., x[i] = ..., obj.attribute = ..., name: type = ...)",
    "name += expression (-=, *=, /=, **=, //=, %=, ^=, &=, |=): in place on tensors (as PyTorch), lists "
    "(+=, *=), sets (-=, ^=, &=, |=) and dicts (|=) (as Python)",
    "x.grad = None (also x.data = ..., x.requires_grad = ...)",
    "expression (e.g. y.backward(), print(x.grad))",
    "def f(a, b=1, *args, key=2, **kwargs): ... (docstrings; annotations ignored; return; closures; "
    "recursion up to max_call_depth)",
    "lambda a, b=1: expression",
    "class Name(nn.Module | an exception | Dataset | torch.autograd.Function | a class of the program): "
    "methods (@staticmethod, @classmethod), attributes, docstring; super().__init__(); "
    "__init__ __call__ __len__ __getitem__ __repr__ __str__ may be defined",
    "class Exp(torch.autograd.Function): @staticmethod forward(ctx, x) and backward(ctx, grad_output) "
    "(or forward(x) and setup_context(ctx, inputs, output); @once_differentiable under a backward's "
    "@staticmethod), called as Exp.apply(x)",
    "if / elif / else, and a if condition else b",
    "for target in iterable: ... else: ... (ranges, lists, tensors, DataLoaders, model.parameters(), ...)",
    "while condition: ... else: ...; break; continue (every turn of every loop shares one budget)",
    "try: ... except (A, B) as e: ... else: ... finally: ... (a limit is never caught)",
    "raise E / raise E('message') / raise / raise E from e; assert condition, 'message'",
    "del name, del container[key]",
    "with torch.no_grad(): ... / with torch.enable_grad(): ... / with torch.inference_mode(): ... / "
    "with torch.set_grad_enabled(flag): ... / with torch.autograd.detect_anomaly(): ... / "
    "with torch.autograd.set_detect_anomaly(flag): ...",
    "@torch.no_grad() (or @torch.enable_grad(), @torch.inference_mode(), without the parentheses too) "
    "on a def: every call of the function runs in that mode",
    "[x for x in xs if c], {k: v for ...}, {x for ...}, (x for ...)",
    "f-strings with format specs (f'{loss:.4f}', f'{k:4d}', f'{x!r}')",
    "pass",
)
OPERATORS: tuple[str, ...] = (
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "@",
    "<<",
    ">>",
    "^",
    "&",
    "|",
    "unary -",
    "unary +",
    "~",
    "not",
    "and",
    "or",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "is",
    "is not",
    "in",
    "not in",
    "x[i, j:k, None, ...]",
)


def _type_name(owner: type) -> str:
    """`list`, `torch.nn.modules.module.Module`: a member's owner as Python names it."""
    module = "" if owner.__module__ == "builtins" else f"{owner.__module__}."
    return f"{module}{owner.__qualname__}"


def describe_allowlist() -> dict[str, object]:
    """The language's vocabulary as JSON-ready data (for GET /api/language and the docs)."""
    return {
        "functions": [
            {"name": fn.name, "spellings": list(fn.spellings), "summary": fn.summary} for fn in FUNCTIONS
        ],
        "methods": [{"name": f"x.{m.name}()", "summary": m.summary} for m in METHODS.values()],
        "attributes": [
            {"name": f"x.{a.name}", "summary": a.summary, "settable": a.settable} for a in ATTRIBUTES.values()
        ],
        "members": [
            {
                "owner": _type_name(m.owner),
                "name": f"{m.name}()" if m.kind == "method" else m.name,
                "summary": m.summary,
            }
            for m in MEMBERS
        ],
        "modules": sorted(MODULES),
        "constants": sorted(CONSTANTS),
        "statements": list(STATEMENTS),
        "operators": list(OPERATORS),
    }
