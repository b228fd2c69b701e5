"""Request and response bodies of the optimization lab (trajectories, surfaces, regression)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from autograd_explorer.api.schemas.numbers import Number
from autograd_explorer.api.schemas.series import EVERY_DESCRIPTION, MAX_EVERY, kept_indices
from autograd_explorer.fields import Int
from autograd_explorer.optimize.least_squares import GradientArrows
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.presets import PresetName
from autograd_explorer.optimize.regression import PolynomialFit, SweepRow
from autograd_explorer.optimize.trajectory import GradientMode, Reason, Trajectory
from autograd_explorer.optimizer import Optimizer

Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]
Positive = Annotated[float, Field(allow_inf_nan=False, gt=0, le=1e3)]
ParamName = Annotated[str, Field(min_length=1, max_length=64)]
Dtype = Literal["float32", "float64"]


class Figure(BaseModel):
    """A Plotly figure as plotly.js reads it: `Plotly.newPlot(element, figure.data, figure.layout)`.

    Its traces and layout are Plotly's own schema (https://plotly.com/javascript/reference/);
    a value that is not finite is null (a gap, as plotly.js draws it).
    """

    model_config = ConfigDict(extra="allow")

    data: list[dict[str, Any]] = Field(description="the traces")
    layout: dict[str, Any]


# --- requests ------------------------------------------------------------------------------


class StrictBody(BaseModel):
    """Unknown fields are refused: a typo (`step` for `steps`) must not pass silently. Strict types:
    the schema says boolean and integer, so `"figure": 0` or `"seed": false` is refused, not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)

    # Old spelling -> the one vocabulary's name (`steps`, `lr`, `grid` on every endpoint): the old one
    # is still accepted for a release and published as a deprecated property (docs/api.md).
    RENAMED: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _old_spellings(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not cls.RENAMED.keys() & data.keys():
            return data
        data = dict(data)
        for old, new in cls.RENAMED.items():
            if old in data:
                if new in data:
                    raise ValueError(f"give {new} only: {old} is its old, deprecated spelling")
                data[new] = data.pop(old)
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        properties = target.get("properties", {})
        both = []
        for old, new in cls.RENAMED.items():
            if new in properties:
                about = f"deprecated spelling of {new}; accepted until API 7.0.0"
                properties[old] = {**properties[new], "deprecated": True, "description": about, "title": old}
                properties[old].pop("default", None)
                both.append({"required": [old, new]})
        if both:  # an old spelling and its new name together are refused
            target["not"] = {"anyOf": both}
        return schema


def _exactly_one_function(schema: dict[str, Any]) -> None:
    # The validator below says it to the server, this says it to the schema: a preset or a source,
    # the other left out or null (a client that sends every field sends the other as null).
    # The oneOf sits inside an allOf on purpose. At the top of the schema, openapi-python-client
    # 0.29 makes the body a union of the two branches as partial models (TrajectoryRunType0 with
    # only `preset` …, every other field lost) or drops the operation; inside allOf it generates
    # exactly the client it generates without the constraint, and JSON Schema still says "exactly
    # one" (tried: docs/api.md, What the schema promises).
    given = {"type": "string"}  # the property is a string or null: a string means given
    missing = {"not": given}
    schema["allOf"] = [
        {
            "oneOf": [
                {"required": ["preset"], "properties": {"preset": given, "source": missing}},
                {"required": ["source"], "properties": {"source": given, "preset": missing}},
            ]
        }
    ]


class FunctionBody(StrictBody):
    """Exactly one of a preset's name or the user's own function (explorer language)."""

    model_config = ConfigDict(json_schema_extra=_exactly_one_function)

    preset: PresetName | None = None
    source: str | None = Field(
        None, min_length=1, max_length=20_000, examples=["(u**2 + v - 11)**2 + (u + v**2 - 7)**2"]
    )
    condition_number: float = Field(10.0, ge=1, le=1e6, description="quadratic's κ")

    @model_validator(mode="after")
    def _one_function(self) -> FunctionBody:
        if (self.preset is None) == (self.source is None):
            raise ValueError("give exactly one of preset (a built-in function) or source (your own)")
        return self


class TrajectoryBody(FunctionBody):
    """One gradient-descent run."""

    start: dict[ParamName, Finite] | None = Field(None, max_length=32, description="default: the preset's")
    optimizer: Optimizer = Field(default_factory=Optimizer)
    steps: Int = Field(300, ge=1, description="at most the setting max_trajectory_steps")
    every: Int = Field(1, ge=1, le=MAX_EVERY, description=EVERY_DESCRIPTION)
    loss_tol: float | None = Field(None, ge=0, allow_inf_nan=False)
    clear_grad: bool = True
    gradient: GradientMode = "autograd"
    dtype: Dtype = "float32"
    figure: bool = False


class TrajectoriesBody(StrictBody):
    """Several runs side by side (starts, learning rates, optimizers)."""

    runs: list[TrajectoryBody] = Field(min_length=1, max_length=100)
    figure: bool = False


class SurfaceBody(FunctionBody):
    """The function on an nx × ny grid over box = [x_min, x_max, y_min, y_max]."""

    # a JSON array arrives as a list: the tuple itself is lax, its numbers stay strict
    box: tuple[Finite, Finite, Finite, Finite] | None = Field(None, strict=False)
    nx: Int = Field(100, ge=2, description="at most the setting max_surface_grid")
    ny: Int = Field(100, ge=2, description="at most the setting max_surface_grid")
    fixed: dict[ParamName, Finite] | None = Field(
        None, max_length=32, description="values of further parameters"
    )
    fixed_default: Finite | None = Field(
        None, description="value of further parameters missing from fixed (a page drawing a new function)"
    )
    dtype: Dtype = "float32"
    figure: bool = False


class DataBody(StrictBody):
    """§8's generator: torch.manual_seed(seed), num points."""

    seed: Int = Field(0, ge=0, le=2**31 - 1)
    num: Int = Field(100, ge=3, le=100_000)


class PolynomialBody(StrictBody):
    """One polynomial fit."""

    RENAMED: ClassVar[dict[str, str]] = {"iterations": "steps"}

    method: Literal["autograd", "manual", "closed_form"] = "autograd"
    lr: Positive = 1e-2
    steps: Int = Field(4000, ge=1, description="at most the setting max_regression_iterations")
    degree: Int = Field(2, ge=1, le=8)
    data: DataBody = Field(default_factory=DataBody)
    init_seed: Int | None = Field(None, ge=0, le=2**31 - 1, description="default: 0 by hand, 1 by autograd")
    dtype: Dtype = "float32"
    max_loss_points: Int = Field(500, ge=2, le=20_000, description="losses are subsampled beyond this")
    figure: bool = False


class SweepBody(StrictBody):
    """The exercise table: every learning rate at every number of steps."""

    RENAMED: ClassVar[dict[str, str]] = {"iterations": "steps"}

    method: Literal["autograd", "manual"] = "autograd"
    lrs: list[Positive] = Field(default_factory=lambda: [1.0, 1e-1, 1e-2, 1e-3], min_length=1, max_length=12)
    steps: list[Annotated[Int, Field(ge=1)]] = Field(
        default_factory=lambda: [100, 2000, 4000, 6000, 8000], min_length=1, max_length=12
    )
    degree: Int = Field(2, ge=1, le=8)
    data: DataBody = Field(default_factory=DataBody)
    init_seed: Int | None = Field(None, ge=0, le=2**31 - 1)
    dtype: Dtype = "float32"
    figure: bool = False


class LeastSquaresBody(StrictBody):
    """§4 and §5 on the lecture's 2-D problem."""

    RENAMED: ClassVar[dict[str, str]] = {"iterations": "steps", "step_size": "lr"}

    steps: Int = Field(100, ge=1, le=10_000)
    lr: Positive | None = Field(None, description="default: the lecture's α = 1.8·n/σ_max(X)²")
    grid: Int = Field(5, ge=2, le=15, description="arrows on a grid × grid set of points")
    dtype: Dtype = "float32"
    figure: bool = False


# --- responses -----------------------------------------------------------------------------


def DEPRECATED_COPY(name: str) -> dict[str, Any]:  # reads as a constant in Field()
    """The schema note of an answer's old field, sent alongside its new name for a release."""
    return {"deprecated": True, "description": f"the same as {name} (its old name)"}


class FunctionInfo(BaseModel):
    """What was minimized."""

    name: str
    parameters: list[str]
    formula: str
    box: list[float]
    minima: list[dict[str, float]]
    manual_gradient: bool

    @classmethod
    def of(cls, objective: Objective) -> FunctionInfo:
        """Describe `objective`."""
        return cls(
            name=objective.name,
            parameters=list(objective.parameters),
            formula=objective.formula,
            box=list(objective.box),
            minima=[dict(m) for m in objective.minima],
            manual_gradient=objective.manual_gradient is not None,
        )


class FinalPoint(BaseModel):
    """After the last update, or where the run stopped."""

    params: dict[str, Number]
    loss: Number


class NearestMinimum(BaseModel):
    """The known minimum the run ended closest to (for presets that list theirs)."""

    index: int
    params: dict[str, float]
    distance: Number


class TrajectoryResult(BaseModel):
    """One recorded run as columns: `step[k]`, `loss[k]`, `params[name][k]`, `grad[name][k]` are step k's
    point, loss and gradient before its update (every `every`-th step, the last one always)."""

    function: FunctionInfo
    label: str
    step: list[int] = Field(description="the recorded steps, 1-based")
    loss: list[Number]
    params: dict[str, list[Number]] = Field(description="per parameter: its value at each recorded step")
    grad: dict[str, list[Number]] = Field(description="per parameter: its gradient at each recorded step")
    stopped_at: int
    reason: Reason = Field(
        description="max_steps, tolerance (the loss changed less than loss_tol), diverged (the loss is no "
        "longer finite) or singular (newton: the Hessian has no inverse at the last point)"
    )
    evaluations: int = Field(
        description="loss-and-gradient evaluations: one per step, and lbfgs's line search's own (what a "
        "fair comparison of methods counts)"
    )
    hessians: int = Field(description="newton: Hessians computed, one per update (n backward passes each)")
    final: FinalPoint
    nearest_minimum: NearestMinimum | None = None
    figure: Figure | None = None

    @classmethod
    def of(
        cls,
        run: Trajectory,
        objective: Objective,
        nearest: tuple[int, float] | None,
        figure: dict[str, Any] | None = None,
        every: int = 1,
    ) -> TrajectoryResult:
        """The response for a core Trajectory, keeping every `every`-th step and the last."""
        kept = kept_indices(run.steps, every)
        minimum = None
        if nearest is not None:
            minimum = NearestMinimum(
                index=nearest[0], params=dict(objective.minima[nearest[0]]), distance=nearest[1]
            )
        return cls(
            function=FunctionInfo.of(objective),
            label=run.label,
            step=[k + 1 for k in kept],
            loss=[run.losses[k] for k in kept],
            params={n: [run.params[n][k] for k in kept] for n in run.parameters},
            grad={n: [run.grads[n][k] for k in kept] for n in run.parameters},
            stopped_at=run.stopped_at,
            reason=run.reason,
            evaluations=run.evaluations,
            hessians=run.hessians,
            final=FinalPoint(params=run.final_params, loss=run.final_loss),
            nearest_minimum=minimum,
            figure=None if figure is None else Figure.model_validate(figure),
        )


class TrajectoriesResult(BaseModel):
    """Several runs, in the order asked."""

    runs: list[TrajectoryResult]
    figure: Figure | None = None


class SurfaceResult(BaseModel):
    """z[i][j] = f(x[j], y[i]) (rows follow y, as Plotly's heatmap and contour expect)."""

    function: FunctionInfo
    x_name: str
    y_name: str
    x: list[Number]
    y: list[Number]
    z: list[list[Number]]
    z_min: Number
    z_max: Number
    figure: Figure | None = None


class Curve(BaseModel):
    """Points of a plotted curve."""

    x: list[Number]
    y: list[Number]


class PolynomialResult(BaseModel):
    """One fit: coefficients [a, b, c, …] with y ≈ a + b·x + c·x² + …"""

    method: str
    lr: float | None
    steps: int
    iterations: int = Field(json_schema_extra=DEPRECATED_COPY("steps"))
    degree: int
    coefficients: list[Number]
    loss: Number = Field(description="MSE of the final coefficients")
    last_step_loss: Number | None = Field(description="the loss at the last iteration, before its update")
    losses: list[Number]
    loss_steps: list[int]
    diverged: bool
    curve: Curve
    data: Curve
    figure: Figure | None = None


class SweepRowResult(BaseModel):
    """One row of the exercise table."""

    lr: float
    steps: int
    iterations: int = Field(json_schema_extra=DEPRECATED_COPY("steps"))
    coefficients: list[Number]
    loss: Number
    last_step_loss: Number
    diverged: bool

    @classmethod
    def of(cls, row: SweepRow) -> SweepRowResult:
        """The response row for a core SweepRow."""
        return cls(
            lr=row.lr,
            steps=row.iterations,
            iterations=row.iterations,
            coefficients=row.coefficients,
            loss=row.loss,
            last_step_loss=row.last_step_loss,
            diverged=row.diverged,
        )


class ClosedFormResult(BaseModel):
    """The normal equations' solution in float64, and lstsq's for comparison."""

    coefficients: list[Number]
    loss: Number
    lstsq_coefficients: list[Number]

    @classmethod
    def of(cls, fit: PolynomialFit, lstsq: list[float]) -> ClosedFormResult:
        """The response for the closed-form fit."""
        return cls(coefficients=fit.coefficients, loss=fit.loss, lstsq_coefficients=lstsq)


class SweepResult(BaseModel):
    """The exercise table with the closed form beside it."""

    method: str
    rows: list[SweepRowResult]
    closed_form: ClosedFormResult
    figure: Figure | None = None


class ArrowsResult(BaseModel):
    """§4: the gradient Xᵀ(Xw − y) at sample points, by hand and by autograd (arrows point along −g)."""

    points: list[list[Number]]
    manual: list[list[Number]]
    autograd: list[list[Number]]
    max_difference: Number

    @classmethod
    def of(cls, arrows: GradientArrows) -> ArrowsResult:
        """The response for the core's arrows."""
        return cls(
            points=[list(p) for p in arrows.points],
            manual=[list(g) for g in arrows.manual],
            autograd=[list(g) for g in arrows.autograd],
            max_difference=arrows.max_difference,
        )


class LeastSquaresResult(BaseModel):
    """§5's two runs side by side, how far apart they ever were, and §4's arrows."""

    lr: Number = Field(description="the step size both runs used")
    step_size: Number = Field(json_schema_extra=DEPRECATED_COPY("lr"))
    sigma_max: Number
    manual: TrajectoryResult
    autograd: TrajectoryResult
    max_difference: Number
    arrows: ArrowsResult
    figure: Figure | None = None


class PresetInfo(FunctionInfo):
    """A built-in function and where the lab starts it by default."""

    start: dict[str, float]
