"""The event streams in /openapi.json: text/event-stream on exactly the streaming routes, each
event's data a published component, and what real streams send matches what the schema says."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs installed
from pydantic import BaseModel
from starlette.responses import StreamingResponse

from autograd_explorer.api.app import create_app
from autograd_explorer.api.event_streams import EVENT_STREAMS, ROOM_EVENTS, TRAINING_EVENTS, EventStream
from autograd_explorer.settings import Settings
from tests.jobs.helpers import MOONS
from tests.rooms.conftest import ThreadServer, open_room, room_server  # noqa: F401  (a fixture)

SSE = "text/event-stream"
REF = "#/components/schemas/"


def app_and_schema() -> tuple[FastAPI, dict[str, Any]]:
    app = create_app(Settings(data_dir=Path("/nonexistent"), eval_isolation="inline"))
    return app, app.openapi()


def streaming_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of every route that answers with a streaming response class."""
    found = set()
    for context in iter_route_contexts(app.routes):  # included routers' routes, with their prefixes
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue
        response_class = getattr(route.response_class, "value", route.response_class)  # or its default
        if isinstance(response_class, type) and issubclass(response_class, StreamingResponse):
            found |= {(context.path, method.lower()) for method in route.methods or ()}
    return found


def item_schemas(schema: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    """The declared events of the stream at `path`, by name."""
    content = schema["paths"][path]["get"]["responses"]["200"]["content"][SSE]
    return {
        item["properties"]["event"]["const"]: item
        for item in content["itemSchema"]["oneOf"]
        if "event" in item["properties"]
    }


def test_exactly_the_streaming_routes_declare_text_event_stream() -> None:
    app, schema = app_and_schema()
    streaming = streaming_operations(app)
    declared = {
        (path, method)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if any(SSE in answer.get("content", {}) for answer in op["responses"].values())
    }
    assert declared == streaming
    assert streaming == {("/api/models/{model_id}/events", "get"), ("/api/rooms/{code}/events", "get")}
    for path, _ in streaming:
        answer = schema["paths"][path]["get"]["responses"]["200"]
        assert set(answer["content"]) == {SSE}  # not the application/json FastAPI would assume


@pytest.mark.parametrize(
    ("path", "events"),
    [("/api/models/{model_id}/events", TRAINING_EVENTS), ("/api/rooms/{code}/events", ROOM_EVENTS)],
)
def test_each_event_names_its_data_by_a_published_component(path: str, events: EventStream) -> None:
    _, schema = app_and_schema()
    components = schema["components"]["schemas"]
    declared = item_schemas(schema, path)
    assert list(declared) == [e.name for e in events.events]
    for event in events.events:
        data = declared[event.name]["properties"]["data"]
        assert (data["type"], data["contentMediaType"]) == ("string", "application/json")
        if event.data is None:
            assert data["contentSchema"] == {"type": "object", "maxProperties": 0}
            continue
        ref = data["contentSchema"]["$ref"]
        assert ref.startswith(REF) and ref[len(REF) :] in components
    refs = list(_refs(schema["paths"][path]))
    assert refs and all(r[len(REF) :] in components for r in refs)
    # the training data models are what the other routes publish (the record is GET /api/models/{id}'s)
    model = schema["paths"]["/api/models/{model_id}"]["get"]["responses"]["200"]["content"]
    assert (
        item_schemas(schema, "/api/models/{model_id}/events")["end"]["properties"]["data"]["contentSchema"]
        == (model["application/json"]["schema"])
    )


def test_every_event_stream_is_declared_in_one_place() -> None:
    _, schema = app_and_schema()
    components = schema["components"]["schemas"]
    progress = components["TrainingProgress"]
    assert progress["required"] == ["status", "progress", "points"]
    assert progress["properties"]["points"]["items"] == {"$ref": REF + "CurvePoint"}
    assert {m.__name__ for s in EVENT_STREAMS for m in s.data_models()} == {
        "TrainingProgress",
        "ModelOut",
        "RoomStateIn",
    }


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def parse_sse(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The blocks of an event stream as EventSource reads them (comments skipped), field values as sent."""
    block: dict[str, Any] = {}
    for line in lines:
        if not line:
            if block:
                yield block
            block = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(": ")
            block[field] = int(value) if field == "retry" else value


def check_against_schema(
    schema: dict[str, Any], path: str, events: EventStream, blocks: list[dict[str, Any]]
) -> None:
    """Each block matches exactly one declared item; its data parses as the declared component and model."""
    content = schema["paths"][path]["get"]["responses"]["200"]["content"][SSE]
    # the whole document as the root, so '#/components/schemas/…' resolves
    envelope = Draft202012Validator({**content["itemSchema"], "components": schema["components"]})
    by_name = {e.name: e for e in events.events}
    for block in blocks:
        envelope.validate(block)
        if "event" not in block:
            continue
        data = json.loads(block["data"])
        content_schema = item_schemas(schema, path)[block["event"]]["properties"]["data"]["contentSchema"]
        Draft202012Validator({**content_schema, "components": schema["components"]}).validate(data)
        model: type[BaseModel] | None = by_name[block["event"]].data
        if model is not None:
            model.model_validate(data)


@pytest.mark.slow
def test_a_training_stream_sends_what_its_schema_declares(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", events_poll_seconds=0.05, events_stream_seconds=120)
    with TestClient(create_app(settings)) as client:
        schema = client.get("/openapi.json").json()
        # a seed of its own: no other test's identical job is joined (deduplication)
        model_id = client.post("/api/models", json={**MOONS, "eval_every": 20, "seed": 9172}).json()["id"]
        with client.stream("GET", f"/api/models/{model_id}/events") as response:  # ends with `end`
            assert response.status_code == 200
            assert response.headers["content-type"].startswith(SSE)
            blocks = list(parse_sse(response.iter_lines()))
    names = [b.get("event") for b in blocks]
    assert names[0] is None and names[-1] == "end" and "progress" in names
    check_against_schema(schema, "/api/models/{model_id}/events", TRAINING_EVENTS, blocks)
    points = [p for b in blocks if b.get("event") == "progress" for p in json.loads(b["data"])["points"]]
    assert [p["step"] for p in points] == [*range(0, 200, 20), 200]


def test_a_room_stream_sends_what_its_schema_declares(room_server: ThreadServer) -> None:  # noqa: F811  (the fixture)
    url = room_server.url
    schema = httpx.get(f"{url}/openapi.json", timeout=10).json()
    code, token = open_room(url)
    lecturer = {"Authorization": f"Bearer {token}"}
    shared = {"page": "explorer", "state": {"example": "polynomial", "position": 3}}
    assert (
        httpx.put(f"{url}/api/rooms/{code}/state", json=shared, headers=lecturer, timeout=10).status_code
        == 200
    )
    blocks: list[dict[str, Any]] = []
    # bounded: 10 s per read, and the server ends the stream after rooms_stream_seconds (20 s)
    with httpx.stream("GET", f"{url}/api/rooms/{code}/events", timeout=10) as response:
        assert response.headers["content-type"].startswith(SSE)
        for block in parse_sse(response.iter_lines()):
            blocks.append(block)
            if block.get("event") == "state":  # the current state came first: now end the lecture
                assert (
                    httpx.delete(f"{url}/api/rooms/{code}", headers=lecturer, timeout=10).status_code == 204
                )
    assert [b.get("event") for b in blocks] == [None, "state", "ended"]
    check_against_schema(schema, "/api/rooms/{code}/events", ROOM_EVENTS, blocks)
    assert json.loads(blocks[1]["data"]) == shared and blocks[1]["id"] == "1"
