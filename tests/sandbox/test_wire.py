"""What crosses the pipe: every domain error survives the trip, anything else becomes a clean 400."""

from __future__ import annotations

import orjson
import pytest

from autograd_explorer.errors import (
    Conflict,
    DataUnavailable,
    ExplorerError,
    InvalidRequest,
    NotFound,
    Overloaded,
    ProgramCall,
    ProgramError,
)
from autograd_explorer.sandbox.wire import (
    encode_request,
    error_from_wire,
    error_to_wire,
    first_invalid_text,
    result_json,
    valid_text,
)

DOMAIN_ERRORS: list[ExplorerError] = [
    ProgramError("syntax", "invalid syntax", 2, 5, 2, 6),
    ProgramError(
        "runtime",
        "boom",
        8,
        8,
        8,
        30,
        calls=(ProgramCall(function="update", line=14), ProgramCall(function="train", line=18)),
    ),
    InvalidRequest("steps is 3", "steps"),
    NotFound("no model 7"),
    Conflict("still training"),
    Overloaded("busy", 4),
    DataUnavailable("no MNIST at /x"),
]


@pytest.mark.parametrize("error", DOMAIN_ERRORS, ids=lambda e: type(e).__name__)
def test_every_domain_error_comes_back_as_itself(error: ExplorerError) -> None:
    wired = orjson.loads(orjson.dumps(error_to_wire(error)))  # it is plain JSON on the way
    back = error_from_wire(wired)
    assert type(back) is type(error)
    assert str(back) == str(error)
    if isinstance(error, ProgramError):
        assert isinstance(back, ProgramError) and back.as_detail() == error.as_detail()
    if isinstance(error, InvalidRequest):
        assert isinstance(back, InvalidRequest) and back.field == error.field
    if isinstance(error, Overloaded):
        assert isinstance(back, Overloaded) and back.retry_after == error.retry_after


@pytest.mark.parametrize("kind", ["ValueError", "KeyError", "RuntimeError", None, "SystemExit"])
def test_any_other_class_is_a_runtime_program_error(kind: str | None) -> None:
    back = error_from_wire({"class": kind, "message": "boom"})
    assert isinstance(back, ProgramError)
    assert back.type == "runtime"
    assert back.message == f"The evaluation failed unexpectedly ({kind}: boom); its worker was replaced."


def test_messages_quoting_bad_text_stay_encodable() -> None:
    fields = error_to_wire(ProgramError("forbidden", "'\ud800' cannot be an input name", 1, 0))
    assert orjson.loads(orjson.dumps(fields))["message"] == "'\\ud800' cannot be an input name"
    fields = error_to_wire(ValueError("bad \udfff"))
    assert fields == {"class": "ValueError", "message": "bad \\udfff"}


def test_a_request_with_a_lone_surrogate_is_an_invalid_request_naming_its_field() -> None:
    payload = {"runs": [{"source": "u"}, {"source": "u\ud800"}]}
    with pytest.raises(InvalidRequest) as info:
        encode_request({"job": "x", "payload": payload}, payload)
    assert info.value.field == "runs"
    assert info.value.message.startswith("runs.1.source holds text that is not valid Unicode")
    assert first_invalid_text({"inputs": {"\ud800": 1}}) == "inputs"
    assert first_invalid_text({"inputs": {"x": [1, 2]}, "source": "ok"}) is None


def test_results_with_bad_text_are_sent_escaped() -> None:
    assert orjson.loads(result_json({"printed": ["\ud800"], "x": float("nan")})) == {
        "printed": ["\\ud800"],
        "x": "nan",
    }
    assert orjson.loads(result_json({"printed": ["a\udc00"]}, prepared=True)) == {"printed": ["a\\udc00"]}
    assert valid_text("plain ✓") == "plain ✓"
