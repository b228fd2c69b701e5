"""What crosses the pipe between server and worker: JSON bytes only (never pickles).

A worker that a hostile program somehow took over can then send nothing but data.
"""

from __future__ import annotations

from typing import Any

import orjson

from autograd_explorer.errors import (
    Conflict,
    DataUnavailable,
    ExplorerError,
    InvalidRequest,
    NotFound,
    Overloaded,
    ProgramError,
)
from autograd_explorer.jsonsafe import dumps, sanitize


def encode(message: dict[str, Any]) -> bytes:
    """Plain data (arrays, tensors, non-finite floats allowed) → JSON bytes."""
    return dumps(sanitize(message))


def decode(raw: bytes) -> dict[str, Any]:
    """JSON bytes → a message dict."""
    message = orjson.loads(raw)
    if not isinstance(message, dict):
        raise ValueError("a worker message must be a JSON object")
    return message


OK = b"ok:"
ERROR = b"error:"


def result_json(result: Any, prepared: bool = False) -> bytes:
    """A job's result as JSON; `prepared` results are JSON-safe already and skip the `sanitize` walk."""
    return dumps(result) if prepared else encode(result)


def reply_ok(result: Any, prepared: bool = False) -> bytes:
    """A job's result as the worker sends it: a tag, then the JSON the server can pass through as is."""
    return OK + result_json(result, prepared)


def reply_error(fields: dict[str, Any], retire: bool = False) -> bytes:
    """A failed job; `retire` asks the server to replace this worker."""
    return ERROR + encode({"error": fields, "retire": retire})


def split_reply(raw: bytes) -> tuple[bytes | None, dict[str, Any]]:
    """(result JSON, {}) for a success, (None, {"error": …, "retire": …}) for a failure."""
    if raw.startswith(OK):
        return raw[len(OK) :], {}
    if raw.startswith(ERROR):
        return None, decode(raw[len(ERROR) :])
    raise ValueError("unknown worker reply")


def error_to_wire(exc: ExplorerError) -> dict[str, Any]:
    """A domain error as data; `error_from_wire` rebuilds it on the server's side."""
    if isinstance(exc, ProgramError):
        return {"class": "ProgramError", **exc.as_detail()}
    fields: dict[str, Any] = {"class": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, InvalidRequest):
        fields["field"] = exc.field
    if isinstance(exc, Overloaded):
        fields["retry_after"] = exc.retry_after
    return fields


def error_from_wire(fields: dict[str, Any]) -> Exception:
    """The exception a worker reported; unknown classes become a RuntimeError (a logged 500)."""
    kind = fields.get("class")
    message = str(fields.get("message", ""))
    if kind == "ProgramError":
        return ProgramError(
            fields["type"],
            message,
            fields.get("line"),
            fields.get("column"),
            fields.get("end_line"),
            fields.get("end_column"),
        )
    if kind == "InvalidRequest":
        return InvalidRequest(message, fields.get("field"))
    if kind == "Overloaded":
        return Overloaded(message, int(fields.get("retry_after", 1)))
    simple: dict[str, type[ExplorerError]] = {
        "NotFound": NotFound,
        "Conflict": Conflict,
        "DataUnavailable": DataUnavailable,
    }
    if kind in simple:
        return simple[kind](message)
    return RuntimeError(f"evaluation worker failed: {kind}: {message}")
