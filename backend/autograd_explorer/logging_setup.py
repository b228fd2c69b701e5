"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to."""

from __future__ import annotations

import contextvars
import logging
import sys
import time
import traceback
from typing import Any, Literal

import orjson

# Set by the request middleware; FastAPI copies context into the threads that run `def` routes,
# so a log line written deep inside a route still names its request.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

APP_LOGGER = "autograd_explorer"
# Attributes every LogRecord has; anything else was passed with `extra=` and belongs in the line.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message, request id, extras, error."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            line["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                line[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line["error"] = {
                "type": type(exc).__name__,
                "message": str(exc),
                "traceback": "".join(traceback.format_exception(exc)),
            }
        return orjson.dumps(line, default=str).decode()


class _RequestIdFilter(logging.Filter):
    """Adds `request_id` to text-format records so `%(request_id)s` works."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


UVICORN_LOGGERS = ("uvicorn",)  # uvicorn.error propagates to it
UVICORN_ACCESS = "uvicorn.access"  # silenced: the middleware writes each request's line, with its id


def configure_logging(log_format: Literal["json", "text"] = "json", level: str = "INFO") -> None:
    """Give the app's loggers one stderr handler in the chosen format (idempotent)."""
    logger = logging.getLogger(APP_LOGGER)
    logger.setLevel(level.upper())
    for handler in [h for h in logger.handlers if getattr(h, "_autograd_explorer", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._autograd_explorer = True  # type: ignore[attr-defined]  # marks ours for idempotence
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.addFilter(_RequestIdFilter())
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
    logger.addHandler(handler)
    # uvicorn's own lines (started, startup complete, shutting down, finished) in the same format:
    # its loggers get our handler instead of the plain-text one its dictConfig gave them.
    for name in UVICORN_LOGGERS:
        server_logger = logging.getLogger(name)
        for old in list(server_logger.handlers):
            server_logger.removeHandler(old)
        server_logger.addHandler(handler)
        server_logger.propagate = False
    # One line per request, not two (uvicorn's access line repeated ours without the request id).
    access = logging.getLogger(UVICORN_ACCESS)
    for old in list(access.handlers):
        access.removeHandler(old)
    access.propagate = False
