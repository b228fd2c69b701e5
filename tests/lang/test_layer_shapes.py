"""A library layer's call is sized before it runs: the prediction (lang/layer_shapes.py) against
PyTorch's real outputs, and programs whose layers would make too large a tensor refused at the
call, their forward never entered. Oracles: PyTorch's shapes, CPython's values."""

from __future__ import annotations

import math
import resource

import pytest
import torch
from torch import nn

from autograd_explorer.lang.layer_shapes import predict_layer_call

from .helpers import counted_calls, counted_forwards, cpython, fails, layer_call_elements, run

HEADER = "import torch\nimport torch.nn as nn\n"

# (layer, input shape): every layer type the language allows (and the conv and pool classes
# sharing their rules), batched and unbatched, with strides, paddings, dilations and groups.
SHAPE_CASES: list[tuple[nn.Module, tuple[int, ...]]] = [
    (nn.Linear(3, 5), (3,)),
    (nn.Linear(3, 5), (2, 3)),
    (nn.Linear(3, 5, bias=False), (4, 2, 3)),
    (nn.Embedding(10, 4), (7,)),
    (nn.Embedding(10, 4, padding_idx=0), (2, 3)),
    (nn.Embedding(10, 4), ()),
    (nn.Conv1d(2, 4, 3), (1, 2, 9)),
    (nn.Conv1d(2, 4, 3), (2, 9)),
    (nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2), (3, 2, 10)),
    (nn.Conv1d(4, 6, 3, groups=2), (1, 4, 7)),
    (nn.Conv1d(2, 4, 4, padding="same", dilation=3), (1, 2, 11)),
    (nn.Conv1d(2, 4, 5, padding="valid"), (1, 2, 8)),
    (nn.Conv1d(2, 4, 3, padding=2, padding_mode="reflect"), (1, 2, 6)),
    (nn.Conv2d(1, 3, 3), (2, 1, 8, 8)),
    (nn.Conv2d(1, 3, (3, 2), stride=(2, 1), padding=(1, 0)), (1, 7, 5)),
    (nn.Conv2d(6, 4, 3, groups=2, dilation=(2, 1)), (1, 6, 9, 9)),
    (nn.Conv2d(6, 6, 3, groups=6, stride=3), (1, 6, 10, 11)),
    (nn.Conv2d(2, 4, (4, 3), padding="same"), (1, 2, 7, 6)),
    (nn.Conv2d(2, 4, 3, padding=1, padding_mode="circular"), (1, 2, 5, 5)),
    (nn.Conv2d(2, 4, 3, padding=(2, 1), padding_mode="replicate"), (2, 5, 5)),
    (nn.Conv2d(2, 4, 3, padding="same", padding_mode="reflect"), (1, 2, 5, 6)),
    (nn.Conv3d(2, 3, 2, stride=(1, 2, 2), padding=1), (1, 2, 4, 5, 6)),
    (nn.ConvTranspose1d(2, 3, 3, stride=2), (1, 2, 5)),
    (nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2), (1, 4, 4, 5)),
    (nn.ConvTranspose2d(2, 3, (2, 3), dilation=2), (2, 3, 3)),
    (nn.ConvTranspose3d(2, 2, 2, stride=2), (1, 2, 2, 3, 2)),
    (nn.MaxPool2d(2), (1, 3, 8, 8)),
    (nn.MaxPool2d(3, stride=2, padding=1), (2, 9, 7)),
    (nn.MaxPool2d(3, stride=2, ceil_mode=True), (1, 1, 8, 8)),
    (nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True), (1, 1, 5, 5)),
    (nn.MaxPool2d((3, 2), dilation=2), (1, 1, 9, 9)),
    (nn.MaxPool1d(3, stride=1, padding=1), (2, 4, 6)),
    (nn.MaxPool3d(2, ceil_mode=True), (1, 1, 5, 4, 3)),
    (nn.AvgPool2d(2), (1, 3, 7, 7)),
    (nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 1, 6, 6)),
    (nn.AvgPool1d(4, stride=3), (2, 2, 11)),
    (nn.AvgPool3d((1, 2, 2)), (1, 1, 3, 4, 5)),
    (nn.Flatten(), (2, 3, 4)),
    (nn.Flatten(0, -1), (2, 3, 4)),
    (nn.Flatten(1, 2), (2, 3, 4, 5)),
    (nn.Flatten(-3, -2), (2, 3, 4, 5)),
    (nn.Flatten(0), ()),
    (nn.Unflatten(1, (2, 3)), (4, 6)),
    (nn.Unflatten(-1, (2, -1, 2)), (3, 12)),
    (nn.Unflatten(0, (1, 5)), (5,)),
    (nn.Upsample(scale_factor=2), (1, 3, 4, 5)),
    (nn.Upsample(scale_factor=1.5, mode="linear"), (2, 3, 7)),
    (nn.Upsample(scale_factor=(2, 0.5), mode="bilinear"), (1, 2, 3, 6)),
    (nn.Upsample(size=(5, 3), mode="bilinear", align_corners=True), (1, 2, 4, 4)),
    (nn.Upsample(size=9, mode="nearest"), (2, 1, 4)),
    (nn.Upsample(scale_factor=0.3), (1, 1, 10, 7)),
    (nn.EmbeddingBag(10, 4), (3, 5)),
    (nn.EmbeddingBag(10, 4, mode="max"), (2, 6)),
    (nn.Identity(), (3, 4)),
    (nn.ReLU(), (2, 5)),
    (nn.LeakyReLU(0.1), (2, 5)),
    (nn.GELU(), (2, 5)),
    (nn.ELU(), (5,)),
    (nn.SiLU(), (5,)),
    (nn.Softplus(), (5,)),
    (nn.Mish(), (5,)),
    (nn.Tanh(), (5,)),
    (nn.Sigmoid(), (5,)),
    (nn.Softmax(dim=1), (2, 5)),
    (nn.LogSoftmax(dim=0), (2, 5)),
    (nn.Dropout(0.5), (4, 3)),
    (nn.BatchNorm1d(3), (4, 3)),
    (nn.BatchNorm1d(3), (4, 3, 5)),
    (nn.BatchNorm2d(2), (3, 2, 4, 4)),
    (nn.LayerNorm(4), (2, 3, 4)),
    (nn.LayerNorm([3, 4]), (2, 3, 4)),
    (nn.RNNCell(3, 5), (7, 3)),
    (nn.GRUCell(3, 5), (3,)),
    (nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), (5, 2, 8)),
    (nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, enable_nested_tensor=False), (5, 2, 8)),
    (
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 4, batch_first=True), 1, nn.LayerNorm(8)),
        (3, 6, 8),
    ),
    (nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), (3, 4)),
    (
        nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3)
        ),
        (2, 1, 8, 8),
    ),
    (nn.Sequential(nn.Embedding(10, 3), nn.Flatten(), nn.Linear(12, 2)), (5, 4)),
    (nn.Sequential(nn.Sequential(nn.Linear(2, 6), nn.Tanh()), nn.Linear(6, 1)), (4, 2)),
    (nn.Sequential(*nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])), (2, 3)),
    (nn.Sequential(), (2, 3)),
    (
        nn.Sequential(nn.Linear(6, 8), nn.Unflatten(1, (2, 2, 2)), nn.Upsample(scale_factor=3), nn.Flatten()),
        (3, 6),
    ),
]


def _input(layer: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    first = (
        next(iter(layer.modules())) if not isinstance(layer, nn.Sequential) or not len(layer) else layer[0]
    )
    if isinstance(first, nn.Embedding | nn.EmbeddingBag):
        return torch.randint(0, 10, shape)
    return torch.randn(shape)


def _tensors_made(layer: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """The layer's output, and the elements of every tensor each of its children gave."""
    made: list[int] = []
    hooks = [
        child.register_forward_hook(
            lambda _m, _i, out: made.append(out.numel() if isinstance(out, torch.Tensor) else 0)
        )
        for child in layer.modules()
    ]
    try:
        with torch.no_grad():
            output = layer.eval()(x)
    finally:
        for hook in hooks:
            hook.remove()
    return output, made


@pytest.mark.parametrize(("layer", "shape"), SHAPE_CASES)
def test_a_layers_output_shape_is_predicted_as_pytorch_makes_it(
    layer: nn.Module, shape: tuple[int, ...]
) -> None:
    x = _input(layer, shape)
    output, made = _tensors_made(layer, x)
    call = predict_layer_call(layer, (x,), {})
    if isinstance(layer, nn.Sequential) and not len(layer):
        assert call is None  # returns its input: nothing made
        return
    assert call is not None
    if not isinstance(
        layer, nn.RNNCellBase | nn.TransformerEncoderLayer | nn.TransformerEncoder
    ):  # insides larger
        assert call.elements == max(made) >= output.numel()
    assert call.output == tuple(output.shape)


def test_a_pool_with_indices_predicts_its_values_and_hands_nothing_on() -> None:
    layer = nn.MaxPool2d(2, return_indices=True)
    values, indices = layer(torch.randn(1, 2, 6, 5))
    call = predict_layer_call(layer, (torch.zeros(1, 2, 6, 5),), {})
    assert call is not None and call.elements == values.numel() == indices.numel() and call.output is None


def test_two_inputs_and_keywords() -> None:
    bilinear = nn.Bilinear(3, 4, 5)
    a, b = torch.zeros(2, 6, 3), torch.zeros(2, 6, 4)
    assert layer_call_elements(bilinear, (a, b), {}) == bilinear(a, b).numel() == 60
    assert layer_call_elements(bilinear, (), {"input1": a, "input2": b}) == 60
    assert layer_call_elements(nn.Linear(3, 5), (), {"input": a}) == nn.Linear(3, 5)(input=a).numel()
    loss = nn.MSELoss(reduction="none")
    with pytest.warns(UserWarning):  # broadcasting target and input: PyTorch warns and does it
        expected = loss(torch.zeros(4, 1), torch.zeros(1, 6)).numel()
    assert layer_call_elements(loss, (torch.zeros(4, 1), torch.zeros(1, 6)), {}) == expected == 24


@pytest.mark.parametrize(
    ("layer", "args"),
    [
        (nn.Linear(3, 5), (torch.zeros(2, 4),)),  # in_features 3: PyTorch's own error
        (nn.Linear(3, 5), (torch.zeros(()),)),
        (nn.Conv2d(2, 4, 3), (torch.zeros(1, 3, 8, 8),)),
        (nn.Conv2d(2, 4, 3), (torch.zeros(1, 2, 2, 8),)),  # the kernel does not fit
        (nn.Conv2d(2, 4, 3), (torch.zeros(8, 8),)),
        (nn.MaxPool2d(3), (torch.zeros(1, 1, 2, 2),)),
        (nn.Flatten(2), (torch.zeros(3, 4),)),
        (nn.Bilinear(3, 4, 5), (torch.zeros(2, 3), torch.zeros(3, 4))),
        (nn.CrossEntropyLoss(), (torch.zeros(2000, 1), torch.zeros(2000, dtype=torch.long))),
        (nn.Linear(3, 5), ([1.0, 2.0, 3.0],)),
    ],
)
def test_an_input_pytorch_refuses_or_cannot_grow_is_not_predicted(
    layer: nn.Module, args: tuple[object, ...]
) -> None:
    assert predict_layer_call(layer, args, {}) is None


def test_a_child_no_rule_knows_ends_a_sequentials_prediction() -> None:
    class Doubling(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([x, x], 1)

    net = nn.Sequential(nn.Linear(2, 30), Doubling(), nn.Linear(60, 1000))
    call = predict_layer_call(net, (torch.zeros(5, 2),), {})
    assert call is not None and (call.elements, call.output) == (5 * 30, None)
    assert predict_layer_call(nn.Sequential(Doubling(), nn.Linear(4, 1000)), (torch.zeros(5, 2),), {}) is None


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# (the layer made, its input, the call, the class whose forward must not run, the maker named):
# each call would make 10⁹ elements (4 GB) from an input of at most 10⁶.
HUGE_CALLS = [
    ("nn.Linear(1, 1000)", "torch.zeros(1000000, 1)", "layer(x)", nn.Linear, "Linear"),
    ("nn.Conv2d(1, 1000, 3, padding=1)", "torch.zeros(1, 1, 1000, 1000)", "layer(x)", nn.Conv2d, "Conv2d"),
    (
        "nn.Conv1d(1, 1000, 1, padding=500, padding_mode='zeros')",
        "torch.zeros(1, 1, 999000)",
        "layer(x)",
        nn.Conv1d,
        "Conv1d",
    ),
    (
        "nn.Embedding(10, 1000)",
        "torch.zeros(1000000, dtype=torch.long)",
        "layer(x)",
        nn.Embedding,
        "Embedding",
    ),
    ("nn.Bilinear(1, 1, 1000)", "torch.zeros(1000000, 1)", "layer(x, x)", nn.Bilinear, "Bilinear"),
    (
        "nn.Sequential(nn.Linear(1, 1000), nn.ReLU(), nn.Linear(1000, 1))",
        "torch.zeros(1000000, 1)",
        "layer(x)",
        nn.Linear,
        "Sequential's layer 0 (Linear)",
    ),
    (
        "nn.Sequential(nn.Flatten(0), nn.Sequential(nn.Identity(), nn.Embedding(10, 1000)))",
        "torch.zeros(1000, 1000, dtype=torch.long)",
        "layer(x)",
        nn.Embedding,
        "Sequential's layer 1 (Sequential's layer 1 (Embedding))",
    ),
    ("nn.MSELoss()", "torch.zeros(100000, 1)", "layer(x, x.T)", nn.MSELoss, "MSELoss"),
    ("nn.Upsample(scale_factor=10**4)", "torch.zeros(1, 1, 10, 10)", "layer(x)", nn.Upsample, "Upsample"),
    (
        "nn.Upsample(size=(100000, 10000), mode='bilinear')",
        "torch.zeros(1, 1, 2, 2)",
        "layer(x)",
        nn.Upsample,
        "Upsample",
    ),
    (
        "nn.EmbeddingBag(10, 1000)",
        "torch.zeros(1000000, dtype=torch.long)",
        "layer(x, x)",
        nn.EmbeddingBag,
        "EmbeddingBag",
    ),
    (
        "nn.Sequential(nn.Unflatten(1, (1, 10, 10)), nn.Upsample(scale_factor=10**4))",
        "torch.zeros(1, 100)",
        "layer(x)",
        nn.Upsample,
        "Sequential's layer 1 (Upsample)",
    ),
]


@pytest.mark.parametrize(("made", "given", "call", "cls", "maker"), HUGE_CALLS)
def test_a_library_layers_huge_call_is_refused_before_its_forward_runs(
    monkeypatch: pytest.MonkeyPatch, made: str, given: str, call: str, cls: type[nn.Module], maker: str
) -> None:
    calls = counted_forwards(monkeypatch, cls)
    before = peak_rss_mb()
    source = f"{HEADER}layer = {made}\nx = {given}\nout = {call}\n"
    error = fails(source, "limit")
    assert (error.line, error.column, error.end_line, error.end_column) == (5, 6, 5, 6 + len(call))
    elements = 10**10 if cls is nn.MSELoss or (cls is nn.Upsample and "bilinear" not in made) else 10**9
    assert error.message == (
        f"tensor too large: {elements} elements made by {maker}, the limit is 1000000 per tensor "
        "(max_tensor_elements)"
    )
    assert calls == [0]
    assert peak_rss_mb() - before < 200


MODEL = f"""{HEADER}class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.hidden = nn.Linear(1, width)
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))

"""


def test_a_models_forward_is_refused_at_the_layer_call_inside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = [0]
    forward = nn.Linear.forward

    def counting(self: nn.Module, x: torch.Tensor) -> torch.Tensor:
        calls[0] += 1
        return forward(self, x)  # type: ignore[arg-type]

    monkeypatch.setattr(nn.Linear, "forward", counting)
    error = fails(f"{MODEL}net = Net(1000)\ny = net(torch.zeros(1000000, 1))\n", "limit")
    assert (error.line, error.column, error.end_column) == (10, 35, 49)  # self.hidden(x)
    assert "10000000000" not in error.message and "1000000000 elements made by Linear" in error.message
    assert calls == [0]


def test_a_programs_subclass_of_a_layer_without_methods_of_its_own_is_predicted_too() -> None:
    source = f"""{HEADER}class Wide(nn.Sequential):
    def __init__(self):
        super().__init__(nn.Linear(1, 1000), nn.Tanh())

class Mine(nn.Linear):
    def forward(self, x):
        return super().forward(x[:10])

x = torch.zeros(1000000, 1)
small = Mine(1, 1000)(x)
out = Wide()(x)
"""
    error = fails(source, "limit")
    assert (error.line, error.column) == (13, 6)
    assert "made by Wide's layer 0 (Linear)" in error.message


def test_the_largest_tensor_inside_a_sequential_counts_toward_the_total() -> None:
    """The hidden layer's 1000 × 500 decides, not the (1000, 1) output: without the prediction a
    total of 400,000 above what the program made before (at most 6,002) would let it run."""
    source = (
        f"{HEADER}net = nn.Sequential(nn.Linear(2, 500), nn.Linear(500, 1))\ny = net(torch.zeros(1000, 2))\n"
    )
    made_before = 2 * (2 * 500 + 500 + 500 + 1) + 1000 * 2  # parameters (counted with the Sequential too)
    run(source, max_total_elements=made_before + 1000 * 500)
    error = fails(source, "limit", max_total_elements=made_before + 400_000)
    assert error.line == 4 and "max_total_elements" in error.message


def test_layers_within_the_limits_run_as_in_cpython() -> None:
    source = f"""{HEADER}torch.manual_seed(0)
conv = nn.Sequential(
    nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
    nn.Conv2d(4, 2, 2, padding="same", padding_mode="reflect"), nn.AvgPool2d(2), nn.Flatten(),
    nn.Dropout(0.0),
)
head = nn.Linear(2 * 2 * 2, 3)
words = nn.Sequential(nn.Embedding(20, 4), nn.Flatten(0), nn.Linear(24, 2), nn.Sigmoid())
pair = nn.Bilinear(3, 2, 1)
images = torch.randn(5, 1, 15, 15)
features = head(conv(images))
tokens = torch.arange(6) % 20
mixed = pair(features, words(tokens).expand(5, 2))
loss = nn.MSELoss()(mixed, torch.ones(5, 1))
loss.backward()
grad = head.weight.grad
{MODEL.removeprefix(HEADER)}net = Net(7)
y = net(torch.linspace(-1, 1, 11).reshape(11, 1))
"""
    got = run(source).namespace
    expected: dict[str, object] = {}
    exec(source, expected)  # noqa: S102 (trusted test code: the oracle)
    for name in ("features", "mixed", "loss", "grad", "y"):
        value, oracle = got[name], expected[name]
        assert isinstance(value, torch.Tensor) and isinstance(oracle, torch.Tensor)
        assert torch.equal(value, oracle), name
    assert math.prod(got["features"].shape) == 15  # type: ignore[union-attr]


def test_a_padding_mode_other_than_zeros_counts_the_padded_input_it_makes_first() -> None:
    layer = nn.Conv1d(4, 1, 3, padding=2, padding_mode="circular")
    x = torch.randn(1, 4, 6)
    padded = nn.functional.pad(x, layer._reversed_padding_repeated_twice, mode="circular")
    assert tuple(padded.shape) == (1, 4, 10)
    call = predict_layer_call(layer, (x,), {})
    assert call is not None and call.elements == padded.numel() and call.output == tuple(layer(x).shape)


@pytest.mark.parametrize("size", [[11], [12], (11,), [1, 1, 12], "torch.Size"])
def test_a_transposed_convolution_given_its_output_size_is_predicted_as_pytorch_makes_it(
    size: object,
) -> None:
    layer = nn.ConvTranspose1d(1, 1, 3, stride=2, output_padding=1)
    x = torch.zeros(1, 1, 5)
    size = torch.Size([1, 1, 11]) if size == "torch.Size" else size
    expected = layer(x, output_size=size).shape
    assert layer_call_elements(layer, (x,), {"output_size": size}) == expected.numel()
    assert layer_call_elements(layer, (x, size), {}) == expected.numel()
    call = predict_layer_call(layer, (x,), {"output_size": size})
    assert call is not None and call.output == tuple(expected)


@pytest.mark.parametrize("size", [[10], [13], [11, 12], [11.0]])
def test_an_output_size_pytorch_refuses_is_not_predicted(size: list[object]) -> None:
    layer = nn.ConvTranspose1d(1, 1, 3, stride=2)
    x = torch.zeros(1, 1, 5)
    with pytest.raises((ValueError, TypeError, RuntimeError)):
        layer(x, output_size=size)
    assert layer_call_elements(layer, (x,), {"output_size": size}) is None


def test_a_huge_transposed_convolution_output_size_is_predicted_before_it_runs() -> None:
    """A stride of 10⁴ lets output_size reach 10⁶ per side: 10¹² elements, known before the call."""
    layer = nn.ConvTranspose2d(1, 1, 1, stride=10**4)
    x = torch.zeros(1, 1, 100, 100)
    size = [990_000 + 9_999, 990_005]
    assert layer_call_elements(layer, (x,), {"output_size": size}) == 999_999 * 990_005


def test_interpolate_is_sized_before_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted_calls(monkeypatch, "torch.nn.functional.interpolate")
    call = "F.interpolate(x, scale_factor=10**4)"
    source = f"{HEADER}import torch.nn.functional as F\nx = torch.zeros(1, 1, 10, 10)\ny = {call}\n"
    error = fails(source, "limit")
    assert (error.line, error.column, error.end_line, error.end_column) == (5, 4, 5, 4 + len(call))
    assert error.message == (
        "tensor too large: 10000000000 elements, the limit is 1000000 per tensor (max_tensor_elements)"
    )
    assert calls == [0]
    run(source.replace("10**4", "2"))
    assert calls == [1]


UPSAMPLING = f"""{HEADER}import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(2, 12, dtype=torch.float64, requires_grad=True)
img = nn.Unflatten(1, (3, 2, 2))(x)
up = nn.Upsample(scale_factor=2, mode="nearest")(img)
smooth = nn.Upsample(size=(5, 3), mode="bilinear", align_corners=False)(img)
line = F.interpolate(x.unsqueeze(1), scale_factor=1.5, mode="linear")
near = F.interpolate(img, size=4)
model = nn.Sequential(nn.Linear(12, 8), nn.Unflatten(1, (2, -1)), nn.Upsample(scale_factor=2), nn.Flatten())
model.double()
out = model(x)
bag = nn.EmbeddingBag(10, 3, mode="sum").double()
bags = bag(torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 4]))
rows = nn.EmbeddingBag(10, 3, mode="max").double()(torch.tensor([[1, 2], [3, 4]]))
loss = up.sum() + smooth.pow(2).sum() + line.sum() + near.mean() + out.sum() + bags.sum() + rows.sum()
loss.backward()
print(img.shape, up.shape, smooth.shape, line.shape, near.shape, out.shape, bags.shape, rows.shape)
"""


def test_unflatten_upsample_interpolate_and_embedding_bag_run_as_in_cpython() -> None:
    got = run(UPSAMPLING)
    expected, printed = cpython(UPSAMPLING)
    assert got.printed == printed
    for name in ("img", "up", "smooth", "line", "near", "out", "bags", "rows", "loss"):
        value, oracle = got.namespace[name], expected[name]
        assert isinstance(value, torch.Tensor) and isinstance(oracle, torch.Tensor)
        assert torch.equal(value, oracle), name
    x, oracle_x = got.namespace["x"], expected["x"]
    assert isinstance(x, torch.Tensor) and isinstance(oracle_x, torch.Tensor)
    assert x.grad is not None and oracle_x.grad is not None and torch.equal(x.grad, oracle_x.grad)
    bag, oracle_bag = got.namespace["bag"], expected["bag"]
    assert torch.equal(bag.weight.grad, oracle_bag.weight.grad)  # type: ignore[attr-defined]


def _attention_weights(attention: nn.MultiheadAttention, query: torch.Tensor, key: torch.Tensor) -> int:
    """The elements of an attention's weights, one L × S matrix per head and batch item, as PyTorch
    returns them when asked (a decoder layer asks for none: the same scores, not returned)."""
    with torch.no_grad():
        _, weights = attention(query, key, key, need_weights=True, average_attn_weights=False)
    assert weights is not None
    return weights.numel()


DECODER_CASES: list[tuple[nn.Module, tuple[int, ...], tuple[int, ...]]] = [
    (nn.TransformerDecoderLayer(8, 2, 16), (4, 3, 8), (7, 3, 8)),  # the feed-forward's 4·3·16
    (nn.TransformerDecoderLayer(8, 2, 16), (4, 8), (30, 8)),  # unbatched; L × S scores 2·4·30
    (nn.TransformerDecoderLayer(8, 4, 8, batch_first=True), (2, 20, 8), (2, 3, 8)),  # L × L: 2·4·20·20
    (nn.TransformerDecoderLayer(8, 2, 16, norm_first=True, bias=False), (9, 1, 8), (2, 1, 8)),
]


@pytest.mark.parametrize(("layer", "target", "memory"), DECODER_CASES)
def test_a_decoder_layers_call_is_its_largest_scores_or_its_hidden_layer(
    layer: nn.Module, target: tuple[int, ...], memory: tuple[int, ...]
) -> None:
    """The oracle: PyTorch's own attention weights of each attention, and linear1's output, measured
    by running the layer's parts on its inputs; the output's shape from the layer itself."""
    assert isinstance(layer, nn.TransformerDecoderLayer)
    tgt, mem = torch.randn(target), torch.randn(memory)
    hidden: list[int] = []
    hook = layer.linear1.register_forward_hook(lambda _m, _i, out: hidden.append(out.numel()))
    with torch.no_grad():
        output = layer.train()(tgt, mem)
    hook.remove()
    made = [
        _attention_weights(layer.self_attn, tgt, tgt),
        _attention_weights(layer.multihead_attn, tgt, mem),
        *hidden,
        output.numel(),
    ]
    call = predict_layer_call(layer, (tgt, mem), {})
    assert call is not None and call.elements == max(made) and call.output == tuple(output.shape)
    assert predict_layer_call(layer, (), {"memory": mem, "tgt": tgt}) == call


def test_a_stacks_call_is_its_largest_layers_and_a_transformers_its_encoders_or_decoders() -> None:
    layer = nn.TransformerDecoderLayer(8, 2, 16)
    decoder = nn.TransformerDecoder(layer, 3, norm=nn.LayerNorm(8))
    tgt, memory = torch.randn(4, 2, 8), torch.randn(50, 2, 8)
    call = predict_layer_call(decoder, (tgt, memory), {"tgt_mask": None})
    assert call == predict_layer_call(layer, (tgt, memory), {})._replace(  # type: ignore[union-attr]
        maker=f"TransformerDecoder's layer 0, {predict_layer_call(layer, (tgt, memory), {}).maker}"  # type: ignore[union-attr]
    )
    assert (
        call is not None
        and call.elements == _attention_weights(layer.multihead_attn, tgt, memory) == 2 * 2 * 4 * 50
    )
    assert call.output == tuple(decoder(tgt, memory).shape)
    model = nn.Transformer(8, 2, 1, 1, 16)
    src, tgt = torch.randn(30, 2, 8), torch.randn(5, 2, 8)  # src attends to itself: 2·2·30·30
    call = predict_layer_call(model, (src, tgt), {})
    assert call is not None and call.elements == _attention_weights(
        model.encoder.layers[0].self_attn, src, src
    )
    assert call.maker == "Transformer's encoder: TransformerEncoder's layer 0, TransformerEncoderLayer"
    assert call.output == tuple(model(src, tgt).shape)


def test_a_decoder_input_pytorch_refuses_or_a_custom_part_is_not_predicted() -> None:
    layer = nn.TransformerDecoderLayer(8, 2, 16)
    tgt = torch.zeros(4, 3, 8)
    assert predict_layer_call(layer, (tgt, torch.zeros(7, 3, 8)), {}) is not None
    for memory in (torch.zeros(7, 2, 8), torch.zeros(7, 3, 6), torch.zeros(7, 8)):  # batch, features, dims
        assert predict_layer_call(layer, (tgt, memory), {}) is None
    assert predict_layer_call(layer, (tgt,), {}) is None  # no memory: PyTorch's TypeError
    src = torch.zeros(6, 3, 8)
    assert predict_layer_call(nn.Transformer(8, 2, 1, 1, 16), (src, tgt), {}) is not None
    custom = nn.Transformer(8, 2, 1, 1, 16, custom_encoder=nn.Identity())  # the program's code may run
    assert predict_layer_call(custom, (src, tgt), {}) is None


def test_a_decoder_program_within_the_limits_equals_cpython() -> None:
    source = f"""{HEADER}torch.manual_seed(0)
model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
    dropout=0.0, batch_first=True)
src = torch.randn(2, 300, 8)
tgt = torch.randn(2, 40, 8)
out = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(40))
print(out.shape, out.sum())
"""
    assert run(source).printed == cpython(source)[1]
    error = fails(source, "limit", max_tensor_elements=2 * 2 * 300 * 300 - 1)  # the encoder's scores
    assert error.line == 8 and "made by Transformer's encoder" in error.message
