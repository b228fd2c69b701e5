"""/openapi.json as a contract: one error body on every status, limits from Settings, right Allow."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.api.openapi import API_VERSION
from autograd_explorer.errors import InvalidRequest
from autograd_explorer.jobs.events import LAST_EVENT_ID_PATTERN, resume_after
from autograd_explorer.settings import Settings
from autograd_explorer.train.config import MAX_STEPS
from tests.api.test_event_streams import app_and_schema, streaming_operations

ERROR_REF = "#/components/schemas/Error"


def openapi(**settings: Any) -> dict[str, Any]:
    app = create_app(Settings(data_dir=Path("/nonexistent"), eval_isolation="inline", **settings))
    schema: dict[str, Any] = app.openapi()
    return schema


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return openapi()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]


def test_every_error_status_of_every_operation_has_the_one_error_body(schema: dict[str, Any]) -> None:
    checked = 0
    for path, method, op in operations(schema):
        for status, answer in op["responses"].items():
            if status.startswith(("2", "3")):
                continue
            body = answer.get("content", {}).get("application/json", {}).get("schema")
            assert body == {"$ref": ERROR_REF}, f"{method.upper()} {path} {status}: {answer}"
            checked += 1
    assert checked > 60
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert detail["required"] == ["type", "message"]
    assert {"line", "column", "errors", "field"} <= set(detail["properties"])


def test_operations_declare_what_they_can_answer(schema: dict[str, Any]) -> None:
    statuses = {(m, p): set(op["responses"]) for p, m, op in operations(schema)}
    assert statuses[("post", "/api/trace")] >= {"200", "400", "413", "422", "503"}
    assert statuses[("get", "/api/models/{model_id}")] >= {"200", "404", "422", "503"}
    assert statuses[("post", "/api/models/{model_id}/cancel")] >= {"200", "403", "404", "409"}
    assert statuses[("post", "/api/models/{model_id}/predict")] >= {"200", "400", "404", "409", "422"}
    assert statuses[("get", "/api/models/{model_id}/misclassified")] >= {"400", "404", "409", "503"}
    assert statuses[("post", "/api/models")] >= {"202", "400", "422", "503"}
    # liveness is never capped, so it never answers 503
    assert statuses[("get", "/api/health")] == {"200"}


def test_operation_ids_are_the_route_names(schema: dict[str, Any]) -> None:
    ids = {op["operationId"] for _, _, op in operations(schema)}
    assert {"trace", "train_model", "get_model", "list_models", "predict"} <= ids
    assert schema["info"]["version"] == API_VERSION


def test_every_event_stream_declares_last_event_id_alike() -> None:
    # EventSource resends Last-Event-ID to whichever stream it reconnects to: each one publishes it
    app, schema = app_and_schema()
    declared = {}
    for path, method in sorted(streaming_operations(app)):  # found by response class, not by path
        op = schema["paths"][path][method]
        header = ("header", "Last-Event-ID")
        headers = [p for p in op.get("parameters", []) if (p["in"], p["name"]) == header]
        assert len(headers) == 1, f"{method.upper()} {path} does not declare Last-Event-ID"
        declared[path] = headers[0]
    assert set(declared) == {"/api/models/{model_id}/events", "/api/rooms/{code}/events"}
    training, room = declared.values()
    assert training == room
    assert training["required"] is False and training["schema"]["pattern"] == LAST_EVENT_ID_PATTERN


@pytest.mark.parametrize(
    ("value", "matches", "accepted"),
    [
        ("", True, True), ("-1", True, True), ("0", True, True), ("9223372036854775807", True, True),
        ("-0", False, False), ("-2", False, False), ("+3", False, False), ("3_0", False, False),
        ("٣", False, False), (" 1", False, False), ("1.0", False, False), ("abc", False, False),
        ("12345678901234567890", False, False),
        ("9223372036854775808", True, False),  # what a pattern cannot say: above 2^63 - 1
    ],
)  # fmt: skip
def test_the_published_last_event_id_pattern_is_what_the_streams_accept(
    value: str, matches: bool, accepted: bool
) -> None:
    assert (re.search(LAST_EVENT_ID_PATTERN, value) is not None) == matches
    if accepted:
        assert resume_after(value) == (int(value) if value else -1)
    else:
        with pytest.raises(InvalidRequest):
            resume_after(value)


def test_limits_in_the_schema_follow_the_settings() -> None:
    small = openapi(
        max_trajectory_steps=50,
        max_training_steps=70,
        max_boundary_resolution=30,
        max_misclassified=9,
        max_source_chars=300,
        max_surface_grid=40,
    )
    components = small["components"]["schemas"]
    assert components["TrajectoryRun"]["properties"]["steps"]["maximum"] == 50
    assert components["Training"]["properties"]["steps"]["maximum"] == 70
    assert components["SurfaceGrid"]["properties"]["nx"]["maximum"] == 40
    assert components["TraceProgram"]["properties"]["source"]["maxLength"] == 300
    params = {
        p["name"]: p["schema"]
        for path in ("/api/models/{model_id}/boundary", "/api/models/{model_id}/misclassified")
        for p in small["paths"][path]["get"]["parameters"]
    }
    for optional in ("resolution", "grid"):  # int | None: the bound sits on the integer branch
        assert params[optional]["anyOf"][0]["maximum"] == 30
    assert params["limit"]["maximum"] == 9
    default = openapi()["components"]["schemas"]
    assert default["TrajectoryRun"]["properties"]["steps"]["maximum"] == 20_000
    assert default["Training"]["properties"]["steps"]["maximum"] == 5_000
    # A stored model's config keeps the core's ceiling: the CLI trains past the server's limit, and a
    # setting lowered later does not make earlier models' answers break the schema.
    assert small["components"]["schemas"]["ResolvedTraining"]["properties"]["steps"]["maximum"] == MAX_STEPS


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/trace", "POST"),
        ("PUT", "/api/trajectory", "POST"),
        ("POST", "/api/presets", "GET"),
        ("POST", "/api/models/abc", "DELETE, GET"),
        ("GET", "/api/models/abc/cancel", "POST"),
        ("DELETE", "/api/health", "GET, HEAD"),
    ],
)
def test_405_names_every_method_the_path_answers(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    r = client.request(method, path)
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    assert r.json() == {
        "detail": {
            "type": "method_not_allowed",
            "message": f"{path} does not answer {method}; it answers {allow}.",
        }
    }


def test_unknown_api_path_is_the_apis_404(client: TestClient) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.json()["detail"]["type"] == "not_found"


def test_422_has_the_one_shape_with_every_field(client: TestClient) -> None:
    r = client.post("/api/trajectory", json={"preset": "himmelblau", "steps": 0, "lr": 1})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["type"] == "validation"
    assert detail["message"].startswith("body.steps: Input should be greater than or equal to 1")
    assert [e["loc"] for e in detail["errors"]] == [["body", "steps"], ["body", "lr"]]
    assert "input" not in detail["errors"][0]  # the request is never echoed


def test_old_spellings_are_published_as_deprecated(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for name, old, new in [
        ("PolynomialProblem", "iterations", "steps"),
        ("SweepPlan", "iterations", "steps"),
        ("LeastSquaresProblem", "iterations", "steps"),
        ("LeastSquaresProblem", "step_size", "lr"),
    ]:
        properties = components[name]["properties"]
        assert properties[old]["deprecated"] is True and "deprecated" not in properties[new], (name, old)
        assert {"required": [old, new]} in components[name]["not"]["anyOf"]  # never both
    assert components["PolynomialProblem"]["properties"]["iterations"]["maximum"] == 20_000
    assert components["PolynomialFit"]["properties"]["iterations"]["deprecated"] is True
    legacy_input = components["Sample"]["properties"]["input"]["anyOf"]
    assert (
        legacy_input[0] == {"$ref": "#/components/schemas/InputTensor"}
        and "deprecated" not in legacy_input[0]
    )
    assert legacy_input[1]["deprecated"] is True  # the bare nested list, for one more major version
    assert components["InputTensor"]["required"] == ["shape", "data"]
    boundary = {p["name"]: p for p in schema["paths"]["/api/models/{model_id}/boundary"]["get"]["parameters"]}
    assert boundary["resolution"]["deprecated"] is True and "deprecated" not in boundary["grid"]


def test_exactly_one_of_preset_or_source_is_in_the_schema(schema: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    body = schema["components"]["schemas"]["TrajectoryRun"]
    assert "not" not in body and len(body["allOf"][0]["oneOf"]) == 2  # said as "one of", by preset or source
    exactly_one = {"allOf": body["allOf"], "properties": body["properties"]}

    def valid(instance: dict[str, Any]) -> bool:
        return bool(jsonschema.Draft202012Validator(exactly_one).is_valid(instance))

    assert valid({"preset": "himmelblau"}) and valid({"preset": "beale", "source": None})
    assert valid({"source": "u**2 + v**2"}) and valid({"source": "u", "preset": None})
    assert not valid({}) and not valid({"preset": None, "source": None})
    assert not valid({"preset": "beale", "source": "u"})


def test_bounds_of_optional_and_listed_integers_are_json_schema_keywords(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    hidden = components["Training"]["properties"]["hidden"]["anyOf"][0]
    assert (hidden["minimum"], hidden["maximum"]) == (1, 1024) and "ge" not in hidden
    assert components["SweepPlan"]["properties"]["steps"]["items"]["minimum"] == 1


def test_request_bodies_refuse_unknown_keys_and_coerced_types(client: TestClient) -> None:
    typo = client.post("/api/trajectory", json={"preset": "himmelblau", "step": 3})
    assert typo.status_code == 422 and typo.json()["detail"]["errors"][0]["loc"] == ["body", "step"]
    for body in ({"preset": "himmelblau", "figure": 0}, {"preset": "himmelblau", "steps": True}):
        assert client.post("/api/trajectory", json=body).status_code == 422, body
    whole = client.post("/api/trajectory", json={"preset": "himmelblau", "steps": 3.0, "every": 1})
    assert whole.status_code == 200 and whole.json()["step"] == [1, 2, 3]  # JSON Schema's integer
    assert client.post("/api/trajectory", json={"preset": "himmelblau", "steps": 3.5}).status_code == 422


def test_no_answer_is_an_untyped_object(schema: dict[str, Any]) -> None:
    def body(path: str, method: str = "get", status: str = "200") -> dict[str, Any]:
        answer: dict[str, Any] = schema["paths"][path][method]["responses"][status]
        return answer["content"]["application/json"]["schema"]  # type: ignore[no-any-return]

    assert body("/api/language") == {"$ref": "#/components/schemas/Language"}
    assert body("/api/models") == {"$ref": "#/components/schemas/ModelPage"}
    components = schema["components"]["schemas"]
    assert set(components["Language"]["required"]) >= {"functions", "methods", "statements"}
    figure = components["Trajectory"]["properties"]["figure"]["anyOf"][0]
    assert figure == {"$ref": "#/components/schemas/Figure"}
    assert components["Figure"]["required"] == ["data", "layout"]
    optimizer = {"$ref": "#/components/schemas/Optimizer"}
    assert components["TrajectoryRun"]["properties"]["optimizer"] == optimizer
    assert components["Training"]["properties"]["optimizer"] == optimizer
    assert not {"OptimizerBody", "OptimizerConfig"} & set(components)
    # A model's config is what was trained, typed: the request's schema with every field present.
    config = components["Model"]["properties"]["config"]["anyOf"]
    assert config == [{"$ref": "#/components/schemas/ResolvedTraining"}, {"type": "null"}]
    resolved = components["ResolvedTraining"]
    fields = set(components["Training"]["properties"])
    assert set(resolved["required"]) == set(resolved["properties"]) == fields
    assert resolved["properties"]["optimizer"] == {"$ref": "#/components/schemas/ResolvedOptimizer"}
    assert set(components["ResolvedOptimizer"]["required"]) == set(components["Optimizer"]["properties"])
    assert "required" not in components["Training"] and "required" not in components["Optimizer"]


def test_language_answer_matches_its_schema(client: TestClient) -> None:
    answer = client.get("/api/language").json()
    assert {"name", "spellings", "summary"} <= set(answer["functions"][0])
    assert "x.backward()" in [m["name"] for m in answer["methods"]]


def test_the_pages_optimizer_menu_offers_exactly_the_schemas_optimizers(schema: dict[str, Any]) -> None:
    script = Path(__file__).parents[2] / "frontend" / "js" / "shared" / "optimizers.js"
    offered = re.findall(r"\{ name: '(\w+)', label:", script.read_text())
    assert offered == schema["components"]["schemas"]["Optimizer"]["properties"]["name"]["enum"]
    assert len(offered) == 9


def test_schema_names_say_what_a_thing_is_not_its_role(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    roles = re.compile(r"(Request|Body|Config|Response|Result|Out|In|-Input|-Output)$")
    assert [name for name in components if roles.search(name)] == []
    # Two Python classes share a name (Curve): FastAPI would publish both under module paths.
    assert [name for name in components if "__" in name or "." in name] == []
    assert components["Trajectory"]["title"] == "Trajectory"

    def body(path: str, method: str = "post", status: str | None = None) -> str:
        op = schema["paths"][path][method]
        node = op["responses"][status]["content"] if status else op["requestBody"]["content"]
        ref: str = node["application/json"]["schema"]["$ref"]
        return ref.removeprefix("#/components/schemas/")

    assert (body("/api/trajectory"), body("/api/trajectory", status="200")) == ("TrajectoryRun", "Trajectory")
    assert (body("/api/trace"), body("/api/torchviz")) == ("TraceProgram", "Program")
    assert (body("/api/models"), body("/api/models/{model_id}", "get", "200")) == ("Training", "Model")
    assert body("/api/least-squares", status="200") == "LeastSquaresFit"
    curve = components["Model"]["properties"]["curve"]
    assert json.dumps(curve).count("#/components/schemas/Curve") == 1, curve
    assert "PlotCurve" in json.dumps(components["PolynomialFit"])
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schema)))
    assert refs <= set(components)  # every reference was renamed with its schema


def test_tensor_data_is_typed_and_every_traced_value_matches_it(
    schema: dict[str, Any], client: TestClient
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    tensor = schema["components"]["schemas"]["TensorValue"]
    # Numbers or null, nested: a generated client reads float | None, never a string or a boolean.
    leaves = [o for o in tensor["properties"]["data"]["anyOf"] if o.get("type") != "array"]
    assert leaves == [{"type": "number"}, {"type": "null"}]
    assert "string" not in json.dumps(tensor["properties"]["data"])
    program = (
        "x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)\n"
        "d = torch.ones(1, 1, 1, 1, 1, 1, 1, 1, 1, 2) * x.sum()\n"  # 10 dimensions
        "y = (torch.log(x - 1) * 0 + d.sum()).sum()\n"  # log(0) = -inf
    )
    trace = client.post("/api/trace", json={"source": program})
    assert trace.status_code == 200, trace.text
    values = [v for n in trace.json()["nodes"] for v in (n["value"], n["grad"]) if v is not None]
    # The root holds the components, so TensorValue's $refs (NonFinite, TensorSummary) resolve.
    validator = jsonschema.Draft202012Validator({**tensor, "components": schema["components"]})
    for value in values:
        assert validator.is_valid(value), value
    assert any({"value": "-inf"}.items() <= e.items() for v in values for e in v["nonfinite"])
    assert any(len(v["shape"]) == 10 for v in values)
    assert not validator.is_valid({**values[0], "data": [[True, False]]})  # booleans are sent 0/1
    assert not validator.is_valid({**values[0], "data": [{"x": 1}]})  # objects are not tensor data
    assert not validator.is_valid({**values[0], "data": ["-inf"]})  # no strings: null + nonfinite
    assert not validator.is_valid({**values[0], "nonfinite": [{"index": [0], "value": "NaN"}]})
