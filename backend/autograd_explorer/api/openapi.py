"""The published contract (/openapi.json): the statuses every operation shares, limits from Settings.

FastAPI writes each route's own schema; this adds what no single route knows: the answers the
middleware and the framework give (413, 422, 503 …) in the one error body, and the limits the
server enforces from its Settings, so the schema accepts exactly what the server does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from autograd_explorer.api.event_streams import EVENT_STREAMS
from autograd_explorer.api.middleware import EXEMPT_FROM_CAP
from autograd_explorer.api.schema_names import REF, rename_schemas
from autograd_explorer.api.schemas.errors import Error
from autograd_explorer.api.schemas.optimize import (
    PolynomialBody,
    SurfaceBody,
    SweepBody,
    TrajectoriesBody,
    TrajectoryBody,
)
from autograd_explorer.api.schemas.trace import TorchvizRequest, TraceRequest
from autograd_explorer.settings import Settings
from autograd_explorer.train.config import TrainConfig

# The contract's version (info.version); docs/api.md's changelog says what each one changed.
API_VERSION = "6.13.0"

# (schema, property path, JSON-schema keyword, setting): the published bound is the smaller of the
# schema's own hard ceiling and the setting, which the server checks before it runs anything.
SCHEMA_LIMITS: tuple[tuple[type[BaseModel], str, str, str], ...] = (
    (TraceRequest, "source", "maxLength", "max_source_chars"),
    (TorchvizRequest, "source", "maxLength", "max_source_chars"),
    (TrajectoryBody, "source", "maxLength", "max_source_chars"),
    (SurfaceBody, "source", "maxLength", "max_source_chars"),
    (TrajectoryBody, "steps", "maximum", "max_trajectory_steps"),
    (TrajectoriesBody, "runs", "maxItems", "max_trajectory_runs"),
    (SurfaceBody, "nx", "maximum", "max_surface_grid"),
    (SurfaceBody, "ny", "maximum", "max_surface_grid"),
    (PolynomialBody, "steps", "maximum", "max_regression_iterations"),
    (PolynomialBody, "iterations", "maximum", "max_regression_iterations"),
    (SweepBody, "steps.items", "maximum", "max_regression_iterations"),
    (SweepBody, "iterations.items", "maximum", "max_regression_iterations"),
    (TrainConfig, "steps", "maximum", "max_training_steps"),
)
# (path, query parameter, keyword, setting) for the limits of query parameters.
PARAMETER_LIMITS: tuple[tuple[str, str, str, str], ...] = (
    ("/api/models/{model_id}/boundary", "grid", "maximum", "max_boundary_resolution"),
    ("/api/models/{model_id}/boundary", "resolution", "maximum", "max_boundary_resolution"),
    ("/api/models/{model_id}/misclassified", "limit", "maximum", "max_misclassified"),
    ("/api/models", "limit", "maximum", "max_models_page"),
)

REF_TEMPLATE = REF + "{model}"
ERROR_REF = {"$ref": REF_TEMPLATE.format(model="Error")}
# What the framework and the middleware answer, and when (api/middleware.py, api/errors.py).
SHARED_ANSWERS: tuple[tuple[int, str, Callable[[str, dict[str, Any]], bool]], ...] = (
    (
        400,
        "invalid: the body is not valid Unicode, or JSON nested too deeply",
        lambda _p, op: "requestBody" in op,
    ),
    (413, "too_large: the body is over max_body_bytes", lambda _p, op: "requestBody" in op),
    (
        422,
        "validation: the body or a parameter does not match this schema; detail.errors lists every field",
        lambda _p, op: "requestBody" in op or bool(op.get("parameters")),
    ),
    (
        503,
        "overloaded: the server is at max_concurrent_requests; retry after Retry-After seconds",
        lambda path, _op: path.startswith("/api/") and path not in EXEMPT_FROM_CAP,
    ),
)


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Publish the contract of `app` as served with `settings` (a changed setting changes the schema)."""
    generate = app.openapi
    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not built:
            built.update(publish(generate(), settings))
        return built

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customize


def publish(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """FastAPI's schema with the shared answers, the one error body and the settings' limits."""
    schema["info"]["version"] = API_VERSION
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error = Error.model_json_schema(ref_template=REF_TEMPLATE)
    components.update(error.pop("$defs"))
    components["Error"] = error
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for stream in EVENT_STREAMS:
        for model in stream.data_models():
            _add_answer_model(components, model)
    _json_schema_bounds(components)
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            _add_shared_answers(path, operation)
    for model, where, keyword, setting in SCHEMA_LIMITS:
        for name in (model.__name__, f"{model.__name__}-Input"):
            if name in components:
                _limit(_at(components[name]["properties"], where), keyword, getattr(settings, setting))
    for path, parameter, keyword, setting in PARAMETER_LIMITS:
        for operation in schema["paths"][path].values():
            for p in operation.get("parameters", []):
                if p["name"] == parameter:
                    _limit(p["schema"], keyword, getattr(settings, setting))
    rename_schemas(schema)  # last: the limits above find components by their Python names
    return schema


def _add_answer_model(components: dict[str, Any], model: type[BaseModel]) -> None:
    """`model` as a component, as the server writes it, unless a route published it already (an
    event's data that no response_model names), with the models it refers to that are not there."""
    if model.__name__ in components:
        return  # FastAPI's own, with its input/output split (TrainConfig-Output) that pydantic's lacks
    published = model.model_json_schema(ref_template=REF_TEMPLATE, mode="serialization")
    for name, definition in published.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components[model.__name__] = published


# pydantic writes a bound on a validated-before int (fields.Int) inside an optional or a list as
# its own keyword (`ge`), which JSON Schema ignores: a client would not see the bound at all.
BOUND_KEYWORDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _json_schema_bounds(node: object) -> None:
    if isinstance(node, dict):
        if node.get("type") in ("integer", "number"):
            for pydantic_name, keyword in BOUND_KEYWORDS.items():
                if pydantic_name in node:
                    node[keyword] = node.pop(pydantic_name)
        for value in node.values():
            _json_schema_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _json_schema_bounds(value)


def _add_shared_answers(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status, about, applies in SHARED_ANSWERS:
        if not applies(path, operation):
            continue
        key = str(status)
        answer = responses.get(key)
        if answer is None or status == 422:  # FastAPI's own 422 describes a body we never send
            responses[key] = {"description": about, "content": {"application/json": {"schema": ERROR_REF}}}
        elif about.split(":")[0] not in answer["description"]:
            answer["description"] = f"{answer['description']}; {about}"


def _at(properties: dict[str, Any], where: str) -> dict[str, Any]:
    name, _, rest = where.partition(".")
    node: dict[str, Any] = properties[name]
    for key in rest.split(".") if rest else []:
        node = _branch(node)[key]
    return node


def _branch(node: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an optional property (pydantic writes anyOf [T, null])."""
    for option in node.get("anyOf", []):
        if option.get("type") != "null":
            return _branch(option)
    return node


def _limit(node: dict[str, Any], keyword: str, value: int) -> None:
    target = _branch(node)
    current = target.get(keyword)
    target[keyword] = value if current is None else min(current, value)
