"""Domain errors. The core raises these; the API maps them to HTTP in one place (api/errors.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProgramErrorType = Literal["syntax", "forbidden", "limit", "runtime", "autograd"]


class ExplorerError(Exception):
    """Base class of every error the core raises on purpose."""


@dataclass
class ProgramError(ExplorerError):
    """A user program could not be run: what kind, a message a student understands, and where."""

    type: ProgramErrorType
    message: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def as_detail(self) -> dict[str, object]:
        """The JSON body's `detail` for a 400 answer."""
        return {
            "type": self.type,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


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
