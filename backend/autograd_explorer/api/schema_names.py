"""The names /openapi.json gives its schemas: what a thing is, never its role (Request, Body, Out …).

A generated client turns each component into a class (`Trajectory`, `TrajectoryRun`), so these
names are the API's vocabulary; the Python classes keep names that say their role in this code
(TrajectoryBody beside TrajectoryResult, the core's TrainConfig). Keyed by class, not by string:
renaming a class in Python cannot silently drop it from this table.
"""

from __future__ import annotations

from typing import Any

from autograd_explorer.api.schemas.models import (
    BoundaryOut,
    Curve,
    CurvePointOut,
    MisclassifiedOut,
    ModelOut,
    PredictRequest,
)
from autograd_explorer.api.schemas.optimize import (
    ArrowsResult,
    ClosedFormResult,
    DataBody,
    LeastSquaresBody,
    LeastSquaresResult,
    PolynomialBody,
    PolynomialResult,
    SurfaceBody,
    SurfaceResult,
    SweepBody,
    SweepResult,
    SweepRowResult,
    TrajectoriesBody,
    TrajectoriesResult,
    TrajectoryBody,
    TrajectoryResult,
)
from autograd_explorer.api.schemas.optimize import Curve as PlotCurve
from autograd_explorer.api.schemas.rooms import RoomStateIn, RoomStateOut
from autograd_explorer.api.schemas.trace import (
    DetailsRequest,
    ExampleOut,
    TorchvizRequest,
    TorchvizResponse,
    TraceRequest,
    TraceResponse,
)
from autograd_explorer.optimizer import Optimizer
from autograd_explorer.train.config import TrainConfig

PUBLISHED_NAMES: dict[type, str] = {
    # what a request asks for
    TraceRequest: "TraceProgram",
    DetailsRequest: "StepWindow",
    TorchvizRequest: "Program",
    TrajectoryBody: "TrajectoryRun",
    TrajectoriesBody: "TrajectoryRuns",
    SurfaceBody: "SurfaceGrid",
    DataBody: "Dataset",
    PolynomialBody: "PolynomialProblem",
    SweepBody: "SweepPlan",
    LeastSquaresBody: "LeastSquaresProblem",
    TrainConfig: "Training",
    Optimizer: "Optimizer",  # its own name, here for its request form (`Optimizer-Input`)
    PredictRequest: "Sample",
    RoomStateIn: "RoomState",
    # what an answer is
    TraceResponse: "Trace",
    TorchvizResponse: "TorchvizGraph",
    ExampleOut: "Example",
    TrajectoryResult: "Trajectory",
    TrajectoriesResult: "Trajectories",
    SurfaceResult: "Surface",
    PolynomialResult: "PolynomialFit",
    SweepResult: "Sweep",
    SweepRowResult: "SweepRow",
    ClosedFormResult: "ClosedForm",
    ArrowsResult: "Arrows",
    LeastSquaresResult: "LeastSquaresFit",
    ModelOut: "Model",
    Curve: "Curve",  # a training curve's columns
    PlotCurve: "PlotCurve",  # a fitted curve's points (two classes named Curve: FastAPI would publish
    # both under their module paths, autograd_explorer__api__schemas__models__Curve)
    CurvePointOut: "CurvePoint",
    MisclassifiedOut: "Misclassified",
    BoundaryOut: "Boundary",
    RoomStateOut: "Room",
}
# Classes published in two forms (their answers carry every field: the schema says each is
# required), as FastAPI splits them into `X-Input` and `X-Output`: the answer's form is named here,
# the request's form takes the name above.
ANSWER_NAMES: dict[type, str] = {
    TrainConfig: "ResolvedTraining",
    Optimizer: "ResolvedOptimizer",
}
REF = "#/components/schemas/"


def published_name(model: type) -> str:
    """The component name of `model` in /openapi.json."""
    return PUBLISHED_NAMES.get(model, model.__name__)


def rename_schemas(schema: dict[str, Any]) -> None:
    """Give every component its published name, and point every $ref at the new name."""
    components: dict[str, Any] = schema["components"]["schemas"]
    renamed = {
        python: ANSWER_NAMES.get(model, published) if python.endswith("-Output") else published
        for model, published in PUBLISHED_NAMES.items()
        for python in _python_names(model)
        if python in components
    }
    taken = set(components) - set(renamed)
    if len(set(renamed.values())) < len(renamed) or taken & set(renamed.values()):
        raise RuntimeError(f"two schemas would share a published name: {renamed}")
    for python, published in renamed.items():
        components[published] = components.pop(python)
        components[published]["title"] = published
    refs = {REF + python: REF + published for python, published in renamed.items()}
    _rewrite_refs(schema, refs)


def _python_names(model: type) -> tuple[str, ...]:
    """The names FastAPI may give `model`: its class name, or its module path when two classes
    share that name, each with the -Input/-Output forms of a class published both ways."""
    long = f"{model.__module__.replace('.', '__')}__{model.__name__}"
    return tuple(f"{base}{form}" for base in (model.__name__, long) for form in ("", "-Input", "-Output"))


def _rewrite_refs(node: object, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in refs:
            node["$ref"] = refs[ref]
        for value in node.values():
            _rewrite_refs(value, refs)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, refs)
