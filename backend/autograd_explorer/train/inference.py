"""Using a trained model: predictions with saliency, misclassified examples, decision boundaries."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.train.config import MNIST_TEST, TrainConfig
from autograd_explorer.train.data import load_data
from autograd_explorer.train.mnist import IMAGE_SIDE, check_available, load_split, normalize, parity_tensors
from autograd_explorer.train.models import Classifier

IMAGE_SHAPE_TEXT = "784 pixel values or a 28×28 image"
POINTS_SHAPE_TEXT = "a point [x, y] or a list of points [[x, y], ...]"


def _describe(values: list[Any]) -> str:
    if not values or not isinstance(values[0], list):
        return f"{len(values)} values"
    widths = sorted({len(row) for row in values})
    if len(widths) == 1:
        return f"{len(values)}×{widths[0]}"
    return f"{len(values)} rows of lengths {widths[0]}–{widths[-1]}"


def _as_tensor(values: list[Any]) -> torch.Tensor | None:
    """A float64 tensor of a flat or rectangular nested list, or None if it is ragged."""
    try:
        return torch.tensor(values, dtype=torch.float64)
    except (ValueError, TypeError):
        return None


def model_input(config: TrainConfig, values: list[Any], *, normalized: bool = False) -> torch.Tensor:
    """The (N, d) float32 input a request's `input` stands for; InvalidRequest naming the shape if wrong.

    MNIST models take one image: 784 pixel values (0–255, as in the IDX files) or 28 rows of 28,
    normalized here as in training unless `normalized`. 2-D models take a point or a list of points.
    """
    t = _as_tensor(values)
    if config.is_mnist:
        if t is None or t.numel() != IMAGE_SIDE * IMAGE_SIDE or t.shape not in ((784,), (28, 28)):
            raise InvalidRequest(f"input must be {IMAGE_SHAPE_TEXT}; got {_describe(values)}", "input")
        return t.to(torch.float32).reshape(1, 784) if normalized else normalize(t)
    if t is not None and t.shape == (2,):
        t = t.reshape(1, 2)
    if t is None or t.ndim != 2 or t.shape[1] != 2 or t.shape[0] == 0:
        raise InvalidRequest(f"input must be {POINTS_SHAPE_TEXT}; got {_describe(values)}", "input")
    return t.to(torch.float32)


@dataclass(frozen=True)
class Prediction:
    """Per input row: P(class 1), the class, dP/d input and d logit/d input (float64)."""

    probabilities: torch.Tensor  # (N,)
    classes: torch.Tensor  # (N,) int
    saliency: torch.Tensor  # (N, d): gradient of the probability
    logit_saliency: torch.Tensor  # (N, d): gradient of the score before the sigmoid


def predict(model: Classifier, x: torch.Tensor) -> Prediction:
    """Run a float64 copy of the model and differentiate each output with respect to its input row.

    float64 keeps dP/dx informative far into the sigmoid's flat tails (in float32 P rounds to 1.0 and
    the gradient to 0); the logit's gradient never vanishes. Rows are independent, so the gradient of
    the summed outputs is every row's own gradient.
    """
    model64 = copy.deepcopy(model).double()
    x = x.detach().to(torch.float64).requires_grad_(True)
    z = model64.logit(x).reshape(-1)
    p = torch.sigmoid(z)
    (grad_p,) = torch.autograd.grad(p.sum(), x, retain_graph=True)
    (grad_z,) = torch.autograd.grad(z.sum(), x)
    return Prediction(
        probabilities=p.detach(),
        classes=(p.detach() >= 0.5).to(torch.int64),
        saliency=grad_p,
        logit_saliency=grad_z,
    )


def common_test_config(a: TrainConfig, b: TrainConfig) -> TrainConfig:
    """A config whose test set both models were tested on; InvalidRequest if there is none.

    MNIST models share the first min(test sizes) test images; 2-D models need the same generated data.
    """
    if a.dataset != b.dataset:
        raise InvalidRequest(
            f"the models were trained on different data sets: {a.dataset} and {b.dataset}", "other"
        )
    if a.is_mnist:
        return a.model_copy(update={"test_size": min(a.test_size or MNIST_TEST, b.test_size or MNIST_TEST)})
    data_fields = {"seed", "noise", "train_size", "test_size"}
    if a.model_dump(include=data_fields) != b.model_dump(include=data_fields):
        raise InvalidRequest(
            "the models were tested on different 2-D data (seed, noise or sizes differ)", "other"
        )
    return a


def misclassified(
    models: Sequence[nn.Module], config: TrainConfig, mnist_dir: Path | None, limit: int, after: int = -1
) -> dict[str, Any]:
    """Test examples every model in `models` gets wrong (with their pixels for MNIST): up to `limit` of
    those after test index `after`, and `next_after` (the last index shown when more follow, else None)."""
    if config.is_mnist:  # the test split only: the server never needs the 60k training images
        x, y = parity_tensors(check_available(mnist_dir), "test", config.test_size)
    else:
        data = load_data(config, None)
        x, y = data.x_test, data.y_test
    y = y.reshape(-1)
    with torch.no_grad():
        probabilities = [m(x).reshape(-1) for m in models]
    wrong = torch.ones_like(y, dtype=torch.bool)
    for p in probabilities:
        wrong &= (p >= 0.5).to(y.dtype) != y
    indices = torch.nonzero(wrong).reshape(-1)
    following = indices[indices > after]
    digits = images = None
    if config.is_mnist:
        assert mnist_dir is not None  # load_data has checked it
        split = load_split(mnist_dir, "test")
        digits, images = split.digits, split.images
    items = []
    for i in following[:limit].tolist():
        item: dict[str, Any] = {
            "index": i,
            "label": int(y[i]),
            "probabilities": [float(p[i]) for p in probabilities],
        }
        if images is not None and digits is not None:
            item["digit"] = int(digits[i])
            item["pixels"] = images[i].reshape(28, 28).tolist()  # as saliency: rows of the image
        else:
            item["point"] = x[i].tolist()
        items.append(item)
    next_after = items[-1]["index"] if following.numel() > limit else None
    return {
        "count": int(indices.numel()),
        "test_size": int(y.numel()),
        "items": items,
        "next_after": next_after,
    }


def boundary(
    model: nn.Module, config: TrainConfig, resolution: int, max_points: int = 1000
) -> dict[str, Any]:
    """The model's probability on a resolution×resolution grid over the data, and the data points."""
    data = load_data(config, None)
    points = torch.cat([data.x_train, data.x_test])
    low, high = points.min(dim=0).values, points.max(dim=0).values
    pad = 0.1 * (high - low)
    low, high = low - pad, high + pad
    xs = torch.linspace(float(low[0]), float(high[0]), resolution)
    ys = torch.linspace(float(low[1]), float(high[1]), resolution)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    with torch.no_grad():
        grid = model(torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)).reshape(resolution, resolution)
    shown = data.x_train[:max_points]
    return {
        "x": xs.tolist(),
        "y": ys.tolist(),
        "probability": grid.tolist(),  # rows follow y, columns follow x (Plotly's heatmap z)
        "points": {
            "x": shown[:, 0].tolist(),
            "y": shown[:, 1].tolist(),
            "label": data.y_train[:max_points].reshape(-1).to(torch.int64).tolist(),
        },
    }
