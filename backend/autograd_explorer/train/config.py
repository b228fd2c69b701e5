"""What a training run is: data set, model, optimizer, steps, seed (validated, JSON-storable)."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from autograd_explorer.fields import Int
from autograd_explorer.optimizer import TRAINING_LR, TRAINING_NAMES, TRAJECTORY_ONLY, Optimizer

DatasetName = Literal["mnist_parity", "moons", "circles", "xor", "blobs"]
ModelName = Literal["logistic", "simple_nn", "binary_classifier"]
ActivationName = Literal["relu", "tanh", "sigmoid"]

# The lecture's defaults (CONTENT.md §6) and a small 2-D default.
DEFAULT_HIDDEN: dict[str, int] = {"simple_nn": 32, "binary_classifier": 8}
DEFAULT_ACTIVATION: dict[str, ActivationName] = {"simple_nn": "relu", "binary_classifier": "tanh"}
DEFAULT_2D_TRAIN, DEFAULT_2D_TEST = 400, 200
MNIST_TRAIN, MNIST_TEST = 60_000, 10_000
# The core's ceiling (the CLI trains up to it). The server accepts at most Settings.max_training_steps
# (5,000 by default, never more than this) and publishes that smaller bound in its schema.
MAX_STEPS = 1_000_000


class TrainConfig(BaseModel):
    """One training job. Sizes left out take the data set's defaults (see `resolved`)."""

    # Answers (a model's `config`) carry every field, resolved: their schema says each is present,
    # so a generated client reads `config.steps` as an int, not int | Unset (FastAPI then publishes
    # this one class twice, the request's form and the answer's: api/schema_names.py names both).
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_serialization_defaults_required=True)

    dataset: DatasetName = "mnist_parity"
    model: ModelName = "simple_nn"
    hidden: Int | None = Field(None, ge=1, le=1024, description="hidden units (simple_nn 32, binary 8)")
    activation: ActivationName | None = Field(
        None, description="hidden activation (simple_nn relu, binary tanh)"
    )
    optimizer: Optimizer = Field(default_factory=Optimizer)
    steps: Int = Field(
        1000, ge=1, le=MAX_STEPS, description="parameter updates (the server: at most max_training_steps)"
    )
    train_size: Int | None = Field(
        None, ge=2, le=MNIST_TRAIN, description="MNIST: first N images; 2-D: points"
    )
    test_size: Int | None = Field(None, ge=1, le=MNIST_TEST, description="MNIST: first N test images")
    noise: float = Field(0.1, ge=0, le=2, description="2-D sets: Gaussian jitter")
    seed: Int = Field(0, ge=0, le=2**31 - 1)
    eval_every: Int | None = Field(
        None, ge=1, description="a curve point every k steps (default: about 50 points)"
    )
    name: str | None = Field(None, max_length=80, description="label shown in the comparison table")

    @field_validator("optimizer")
    @classmethod
    def _trains_with_first_order(cls, optimizer: Optimizer) -> Optimizer:
        if optimizer.name in TRAJECTORY_ONLY:
            raise ValueError(
                f"{optimizer.name} is for trajectories (the optimization lab): a network's Hessian is "
                f"parameters² numbers; training takes {', '.join(TRAINING_NAMES)}"
            )
        return optimizer

    @property
    def is_mnist(self) -> bool:
        """MNIST odd/even rather than a 2-D set."""
        return self.dataset == "mnist_parity"

    def resolved(self) -> TrainConfig:
        """The same config with every default filled in (what is stored and reproduced)."""
        hidden = None if self.model == "logistic" else (self.hidden or DEFAULT_HIDDEN[self.model])
        activation = None if self.model == "logistic" else (self.activation or DEFAULT_ACTIVATION[self.model])
        if self.is_mnist:
            train_size = self.train_size or MNIST_TRAIN
            test_size = self.test_size or MNIST_TEST
        else:
            train_size = self.train_size or DEFAULT_2D_TRAIN
            test_size = self.test_size or DEFAULT_2D_TEST
        batch = self.optimizer.batch_size
        if self.optimizer.name == "sgd" and batch is None:
            batch = 64
        if self.optimizer.name == "gd":
            batch = None
        optimizer = self.optimizer.with_lr(TRAINING_LR).model_copy(update={"batch_size": batch})
        eval_every = self.eval_every or max(1, self.steps // 50)  # about 50 points per curve
        return self.model_copy(
            update={
                "hidden": hidden,
                "activation": activation,
                "train_size": train_size,
                "test_size": test_size,
                "optimizer": optimizer,
                "eval_every": eval_every,
            }
        )


# What does not change the trained model: a request differing only here joins the same job.
NOT_IN_DIGEST = {"name"}


def training_digest(resolved: TrainConfig) -> str:
    """SHA-256 of the canonical JSON of a resolved config (sorted keys, no spaces, label left out).

    Two requests with the same digest train bit-for-bit the same model (same data, model,
    optimizer, steps, seed): one job serves both.
    """
    canonical = json.dumps(
        resolved.model_dump(mode="json", exclude=NOT_IN_DIGEST),
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
