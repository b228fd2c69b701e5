"""Domain errors. The core raises these; the API maps them to HTTP in one place (api/errors.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NotRequired

from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

ProgramErrorType = Literal["syntax", "forbidden", "limit", "runtime", "autograd"]


class ExplorerError(Exception):
    """Base class of every error the core raises on purpose."""


class ProgramCall(TypedDict):
    """A call of one of the program's own functions, as JSON: its name and the line that called it
    (the `calls` of a 400's detail and of a trace's `stopped`), and, from the notebook library only,
    the file that line is in when it is not the recorded block's (`file_label`)."""

    function: str
    line: int
    file: NotRequired[str]


@dataclass
class ProgramError(ExplorerError):
    """A user program could not be run: what kind, a message a student understands, and where.

    `calls`: raised inside the program's functions, the calls it passed through, innermost first (the
    line is the one in the innermost function). The message stays Python's own: the page and the CLI
    say the calls in words of their own ("at line 22, in train_model() called on line 32").
    """

    type: ProgramErrorType
    message: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    calls: tuple[ProgramCall, ...] = ()
    # the notebook library only: the file `line` is in when not the recorded block's ("Cell In[3]")
    file: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def as_detail(self) -> dict[str, object]:
        """The JSON body's `detail` for a 400 answer (`calls` only when there are some)."""
        detail: dict[str, object] = {
            "type": self.type,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }
        if self.calls:
            detail["calls"] = list(self.calls)
        return detail

    def where(self) -> str:
        """ " (line 22, column 12, in train_model() called on line 32)" for a terminal; '' without a line."""
        if not self.line:
            return ""
        column = f", column {self.column}" if self.column is not None else ""
        calls = f", {calls_text(self.calls)}" if self.calls else ""
        return f" ({line_text(self.line, self.file)}{column}{calls})"


def line_text(line: int, file: str | None = None) -> str:
    """ "line 4", or "line 4 of Cell In[3]" for a line outside the recorded block's file."""
    return f"line {line} of {file}" if file else f"line {line}"


def place_text(line: int | None, file: str | None = None, calls: Sequence[ProgramCall] = ()) -> str | None:
    """ "line 2, in step() called on line 7": where a program stopped, in a sentence's words; None
    without a line (an error PyTorch raised where the program has no span), so no "line None"."""
    if not line:
        return None
    return f"{line_text(line, file)}, {calls_text(calls)}" if calls else line_text(line, file)


def calls_text(calls: Sequence[ProgramCall]) -> str:
    """ "in update() called on line 14; in train() called on line 18": innermost first."""
    return "; ".join(
        f"in {call['function']}() called on {line_text(call['line'], call.get('file'))}" for call in calls
    )


class InvalidRequest(ExplorerError):
    """The request is well-formed JSON but asks for something impossible (400)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ExplorerError):
    """A named resource (model, job, example) does not exist (404)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(ExplorerError):
    """The action needs a token and the request sent none (401), e.g. cancelling a job without one."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Forbidden(ExplorerError):
    """The token sent does not allow the action (403), e.g. cancelling somebody else's job."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Conflict(ExplorerError):
    """The resource is in a state that forbids the action (409), e.g. predicting with an unfinished model."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Overloaded(ExplorerError):
    """The server is at capacity; try again after `retry_after` seconds (503)."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class DataUnavailable(ExplorerError):
    """A data set the request needs is not where the settings say (503 with the path named)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooLarge(ExplorerError):
    """Something sent is larger than a setting allows (413), e.g. a room's shared state."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.message = message
        self.limit = limit
