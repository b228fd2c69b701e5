"""The one optimizer description every endpoint takes: trajectories and training jobs alike.

Pure pydantic (no torch): the core's update rules read it (optimize/optimizers.py, train/loop.py).
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from autograd_explorer.fields import Int

OptimizerName = Literal["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton", "lbfgs"]
OPTIMIZER_NAMES: tuple[str, ...] = get_args(OptimizerName)
# The second-order methods: each step reads the function itself (Newton its Hessian, L-BFGS's line
# search more values), which a trajectory's few parameters afford and a network's training does not.
TRAJECTORY_ONLY: tuple[str, ...] = ("newton", "lbfgs")
TRAINING_NAMES: tuple[str, ...] = tuple(n for n in OPTIMIZER_NAMES if n not in TRAJECTORY_ONLY)
# Where each use starts when the request leaves lr out: a trajectory on a test function, and the
# lecture's training loop (CONTENT.md §6); Newton's and L-BFGS's full step is 1.
TRAJECTORY_LR, TRAINING_LR, SECOND_ORDER_LR = 1e-3, 1e-2, 1.0
MAX_BATCH = 60_000  # MNIST's training set


class Optimizer(BaseModel):
    """Which update rule: gd is the lecture's manual step (full batch), the others torch.optim's."""

    # As TrainConfig's: in an answer every field is present (a trained model's `config.optimizer`).
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_serialization_defaults_required=True)

    name: OptimizerName = Field(
        "gd",
        description="newton (x − lr · H⁻¹ ∇f, the Hessian from autograd) and lbfgs (torch.optim.LBFGS, "
        "one iteration per step, strong Wolfe line search): trajectories only",
    )
    lr: float | None = Field(
        None,
        gt=0,
        le=1e3,
        allow_inf_nan=False,
        description=f"default: {TRAJECTORY_LR} for a trajectory ({SECOND_ORDER_LR} for newton and lbfgs), "
        f"{TRAINING_LR} for training",
    )
    momentum: float = Field(0.9, ge=0, lt=1, description="momentum and nesterov")
    beta1: float = Field(0.9, ge=0, lt=1, description="adam")
    beta2: float = Field(0.999, ge=0, lt=1, description="adam")
    alpha: float = Field(0.99, ge=0, lt=1, description="rmsprop's smoothing constant")
    eps: float | None = Field(None, gt=0, le=1, description="torch's default when omitted")
    batch_size: Int | None = Field(
        None,
        ge=1,
        le=MAX_BATCH,
        description="training only: the minibatch (sgd: 64 when omitted; gd: always the full batch)",
    )

    def with_lr(self, default: float) -> Optimizer:
        """This optimizer with `default` as its learning rate when none was given (a second-order
        method's full step, 1, for Newton and L-BFGS)."""
        if self.lr is not None:
            return self
        return self.model_copy(update={"lr": SECOND_ORDER_LR if self.name in TRAJECTORY_ONLY else default})
