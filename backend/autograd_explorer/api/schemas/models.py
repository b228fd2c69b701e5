"""Schemas of the models lab: jobs, records with curves, predictions, misclassified, boundaries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from autograd_explorer.api.schemas.numbers import Number
from autograd_explorer.api.schemas.series import kept_indices
from autograd_explorer.errors import InvalidRequest
from autograd_explorer.fields import Int
from autograd_explorer.store.records import ModelRecord, Status
from autograd_explorer.trace.payload import TensorValue
from autograd_explorer.train.config import TrainConfig

# The request body of POST /api/models is the core's TrainConfig (limits declared there).
TrainRequest = TrainConfig


class JobAccepted(BaseModel):
    """202 answer: the job's id, where it stands, and the token that cancels or deletes it."""

    id: str
    status: Status
    token: str | None = Field(
        description="shown only here (the server keeps a hash): send it as Authorization: Bearer <token> "
        "to cancel or delete this job; null when the request joined an identical existing job"
    )
    deduplicated: bool = Field(
        False,
        description="true: an identical job (same data, model, optimizer, steps, seed) was already "
        "queued, running or done, and this is its id",
    )


class CurvePointOut(BaseModel):
    """Figures after `step` updates."""

    step: int
    train_loss: Number
    train_accuracy: Number
    test_loss: Number
    test_accuracy: Number


CURVE_METRICS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")


class Curve(BaseModel):
    """A training curve as columns: point k is `step[k]`, `train_loss[k]`, … (null where not finite),
    so `np.asarray(curve.test_loss, dtype=float)` is the series."""

    step: list[int] = Field(description="updates done at each point (0 = before training)")
    train_loss: list[Number]
    train_accuracy: list[Number]
    test_loss: list[Number]
    test_accuracy: list[Number]

    @classmethod
    def of(cls, points: list[dict[str, float]]) -> Curve:
        """The columns of a list of curve points (records as the store keeps them)."""
        columns = {m: [p[m] for p in points] for m in CURVE_METRICS}
        return cls(step=[int(p["step"]) for p in points], **columns)


class ModelOut(BaseModel):
    """A stored model or job."""

    id: str
    name: str
    config: TrainConfig | None = Field(
        description="what was trained: the request's Training with every default filled in "
        "(schema ResolvedTraining, every field present); null for a record whose stored config this "
        "version cannot read (written by another version), which is still listed"
    )
    status: Status
    progress: Number = Field(description="0–1")
    metrics: dict[str, Number] | None = Field(
        None, description="train/test loss and accuracy of the trained model, seconds, parameters"
    )
    error: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    cancel_requested: bool
    worker_pid: int | None = Field(None, description="the worker process that ran it (diagnostics)")
    curve: Curve | None = Field(
        None,
        description="the training curve as columns (every `every`-th point and the last); left out "
        "of lists unless ?curve=true",
    )
    curves: list[CurvePointOut] | None = Field(
        None,
        # the schema's `deprecated` (json_schema_extra: pydantic's own deprecated= warns on every read)
        json_schema_extra={
            "deprecated": True,
            "description": "Deprecated (sent until API 7.0.0): the same points as `curve`, as records.",
        },
    )

    @classmethod
    def of(
        cls, record: ModelRecord, points: list[dict[str, float]] | None = None, every: int = 1
    ) -> ModelOut:
        """The public view of a record (run tokens and pids stay inside), with every `every`-th curve
        point and the last when `points` are given."""
        if points is not None:
            points = [points[k] for k in kept_indices(len(points), every)]
        config = record.training()
        stored = record.config  # the label from what is stored, even when it no longer validates
        label = stored.get("name")
        if not (isinstance(label, str) and label):
            label = f"{stored.get('model')} · {stored.get('dataset')}"
        return cls(
            id=record.id,
            name=label,
            config=config,
            status=record.status,
            progress=record.progress,
            metrics=record.metrics,
            error=record.error,
            created_at=record.created_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
            cancel_requested=record.cancel_requested,
            worker_pid=record.worker_pid,
            curve=None if points is None else Curve.of(points),
            curves=None if points is None else [CurvePointOut.model_validate(p) for p in points],
        )


class TrainingProgress(BaseModel):
    """The data of a training stream's `progress` event: where the job stands and its new curve points."""

    status: Status
    progress: Number = Field(description="0–1")
    points: list[CurvePointOut] = Field(
        description="the curve points after the last event's (usually one or two): append them to `curve`"
    )


class ModelPage(BaseModel):
    """A page of GET /api/models: records oldest first."""

    items: list[ModelOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


# A model's input values: one list, or rows. The bound sits on each list of the union (on the union
# itself JSON Schema ignores it).
InputValues = (
    Annotated[list[float], Field(max_length=10_000)]
    | Annotated[list[Annotated[list[float], Field(max_length=784)]], Field(max_length=10_000)]
)
LEGACY_INPUT = (
    "Deprecated (accepted until API 7.0.0): the bare nested list, the `data` of a tensor whose "
    "shape is read from its nesting. Send {shape, dtype, data}."
)


class InputTensor(BaseModel):
    """A tensor sent to the API: `data` nested one list per dimension of `shape`, as np.ndarray.tolist()."""

    model_config = ConfigDict(allow_inf_nan=False, extra="forbid", strict=True)

    # Int: JSON Schema's integer admits 636.0, so a schema-reading client may send it (schemathesis did)
    shape: list[Annotated[Int, Field(ge=0, le=10_000)]] = Field(
        min_length=1, max_length=2, description="[784] or [28, 28] for an image; [2] or [n, 2] for points"
    )
    dtype: Literal["float32", "float64"] = Field(
        "float32", description="the values' precision; the model reads them as float32, as it was trained"
    )
    data: InputValues

    def values(self) -> list[Any]:
        """`data`, once it has the declared shape; InvalidRequest naming input.data otherwise."""
        rows = self.data
        actual = [len(rows)] + ([len(rows[0])] if rows and isinstance(rows[0], list) else [])
        rectangular = (
            all(isinstance(r, list) and len(r) == actual[-1] for r in rows) if len(actual) == 2 else True
        )
        if not rectangular or actual != self.shape:
            found = "rows of different lengths" if not rectangular else f"shape {actual}"
            raise InvalidRequest(f"input.data has {found}, not the declared shape {self.shape}", "input")
        return rows


class PredictRequest(BaseModel):
    """One MNIST image ([784] or [28, 28], pixels 0–255) or 2-D points ([2] or [n, 2]), as a tensor."""

    # NaN or inf pixels would come back as a NaN probability and saliency: refuse them up front;
    # an unknown key (`inputs`, `normalised`) is a typo, refused as everywhere else.
    model_config = ConfigDict(allow_inf_nan=False, extra="forbid", strict=True)

    input: (
        InputTensor
        | Annotated[InputValues, Field(json_schema_extra={"deprecated": True, "description": LEGACY_INPUT})]
    )
    normalized: bool = Field(False, description="MNIST: the values are already (x/255 − 0.1307)/0.3081")

    def values(self) -> list[Any]:
        """The input's values as nested lists, whichever spelling was sent."""
        return self.input.values() if isinstance(self.input, InputTensor) else self.input


class ImagePrediction(BaseModel):
    """An MNIST model's answer for one image; its saliency maps are [28, 28] float64 tensors."""

    kind: Literal["image"] = "image"
    probability: Number = Field(description="P(odd digit)")
    predicted_class: int
    class_name: Literal["odd", "even"]
    saliency: TensorValue = Field(description="[28, 28]: d probability / d normalized input pixel")
    logit_saliency: TensorValue = Field(description="[28, 28]: d logit / d normalized input pixel")


class PointsPrediction(BaseModel):
    """A 2-D model's answer for each of n points, as tensors (np.asarray(p.data) is the array)."""

    kind: Literal["points"] = "points"
    probabilities: TensorValue = Field(description="[n] float64: P(class 1) per point")
    predicted_classes: TensorValue = Field(description="[n] int64: the class per point")
    saliency: TensorValue = Field(description="[n, 2] float64: d probability / d (x, y)")
    logit_saliency: TensorValue = Field(description="[n, 2] float64: d logit / d (x, y)")


class MisclassifiedItem(BaseModel):
    """A test example every compared model gets wrong."""

    index: int = Field(description="position in the test set")
    label: int = Field(description="1 = odd digit / class 1")
    digit: int | None = None
    probabilities: list[Number] = Field(description="P(class 1) per compared model")
    pixels: list[list[int]] | None = Field(
        None, description="28×28 raw pixels 0–255 (MNIST), rows like saliency's"
    )
    point: list[Number] | None = Field(None, description="the 2-D point")


class MisclassifiedOut(BaseModel):
    """How many test examples the models all get wrong, and the first of them."""

    models: list[str]
    count: int = Field(description="how many test examples they all get wrong")
    test_size: int
    items: list[MisclassifiedItem] = Field(description="at most `limit`, by test index, after `cursor`")
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class BoundaryPoints(BaseModel):
    """Training points drawn over the boundary."""

    x: list[Number]
    y: list[Number]
    label: list[int]


class BoundaryOut(BaseModel):
    """P(class 1) over a grid: probability[i][j] is at (x[j], y[i])."""

    status: Status
    progress: Number
    x: list[Number]
    y: list[Number]
    probability: list[list[Number]]
    points: BoundaryPoints
