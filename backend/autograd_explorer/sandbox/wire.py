"""What crosses the pipe between server and worker: JSON bytes only (never pickles).

A worker that a hostile program somehow took over can then send nothing but data.
"""

from __future__ import annotations

import logging
from typing import Any, get_args

import orjson

from autograd_explorer.errors import (
    Conflict,
    DataUnavailable,
    ExplorerError,
    InvalidRequest,
    NotFound,
    Overloaded,
    ProgramCall,
    ProgramError,
    ProgramErrorType,
)
from autograd_explorer.jsonsafe import dumps, sanitize

log = logging.getLogger("autograd_explorer.sandbox")


def encode(message: dict[str, Any]) -> bytes:
    """Plain data (arrays, tensors, non-finite floats allowed) → JSON bytes."""
    return dumps(sanitize(message))


def valid_text(text: str) -> str:
    """`text` with lone surrogates (which UTF-8, hence JSON, cannot carry) written as `\\udXXX`."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def scrub_text(value: Any) -> Any:
    """Plain data with every string (and key) made valid UTF-8; called only when encoding failed."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, dict):
        return {scrub_text(k): scrub_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_text(v) for v in value]
    return value


def first_invalid_text(value: Any, path: str = "") -> str | None:
    """Where in plain data the first string UTF-8 cannot carry sits ("inputs", "runs.0.source"…)."""
    if isinstance(value, str):
        return path if valid_text(value) != value else None
    items: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list | tuple):
        items = list(enumerate(value))
    for key, item in items:
        if isinstance(key, str) and valid_text(key) != key:
            return path or "request"  # a name of an entry: point at its container
        where = f"{path}.{key}" if path else str(key)
        found = first_invalid_text(item, where)
        if found is not None:
            return found
    return None


def encode_request(message: dict[str, Any], payload: Any) -> bytes:
    """A job request as JSON bytes; text JSON cannot carry is the request's fault (400), not ours."""
    try:
        return encode(message)
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate such as "\\ud800" in some string
        where = first_invalid_text(payload)
        if where is None:
            raise
        raise InvalidRequest(
            f"{where} holds text that is not valid Unicode (a lone surrogate such as \\ud800)",
            where.partition(".")[0],
        ) from None


def decode(raw: bytes) -> dict[str, Any]:
    """JSON bytes → a message dict."""
    message = orjson.loads(raw)
    if not isinstance(message, dict):
        raise ValueError("a worker message must be a JSON object")
    return message


OK = b"ok:"
ERROR = b"error:"


def result_json(result: Any, prepared: bool = False) -> bytes:
    """A job's result as JSON; `prepared` results are JSON-safe already and skip the `sanitize` walk.

    A program can build text JSON cannot carry (`print("\\ud800")`): it is sent escaped.
    """
    try:
        return dumps(result) if prepared else encode(result)
    except TypeError:  # orjson.JSONEncodeError; anything but bad text fails again below
        return dumps(sanitize(scrub_text(result)))


def reply_ok(result: bytes) -> bytes:
    """A job's JSON result as the worker sends it: a tag, then JSON the server can pass through as is."""
    return OK + result


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


def error_to_wire(exc: BaseException) -> dict[str, Any]:
    """An error as data; `error_from_wire` rebuilds it on the server's side.

    Messages may quote the user's text (an input name, a string literal): they are made valid
    UTF-8 here, or the reply itself could not be encoded.
    """
    if isinstance(exc, ProgramError):
        return scrub_text({"class": "ProgramError", **exc.as_detail()})  # type: ignore[no-any-return]
    fields: dict[str, Any] = {"class": type(exc).__name__, "message": valid_text(str(exc))}
    if isinstance(exc, InvalidRequest):
        fields["field"] = exc.field if exc.field is None else valid_text(exc.field)
    if isinstance(exc, Overloaded):
        fields["retry_after"] = exc.retry_after
    return fields


def error_from_wire(fields: dict[str, Any]) -> ExplorerError:
    """The exception a worker reported; an unexpected class is logged and answered as a "runtime" 400.

    A job raises domain errors on purpose; anything else is a bug of ours that the user's input
    reached. The worker that raised it is replaced (it asks to retire), and the user reads what
    failed instead of a bare 500.
    """
    kind = fields.get("class")
    message = str(fields.get("message", ""))
    if kind == "ProgramError":
        program_type: ProgramErrorType = "runtime"
        if fields.get("type") in get_args(ProgramErrorType):
            program_type = fields["type"]
        return ProgramError(
            program_type,
            message,
            fields.get("line"),
            fields.get("column"),
            fields.get("end_line"),
            fields.get("end_column"),
            tuple(
                ProgramCall(function=str(call["function"]), line=int(call["line"]))
                for call in fields.get("calls", ())
            ),
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
    log.error("evaluation worker failed unexpectedly: %s: %s", kind, message)
    return ProgramError(
        "runtime", f"The evaluation failed unexpectedly ({kind}: {message}); its worker was replaced."
    )
