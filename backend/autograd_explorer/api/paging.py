"""Cursor paging of GET /api/models: `limit` records after `cursor`, and the next page's cursor.

The cursor names the last record a page held (its creation time and id), not a position: a job
created or deleted between two requests neither repeats nor skips a record of the next page.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.store.records import ModelRecord

CURSOR_PATTERN = r"^[0-9]{1,12}\.[0-9]{6}~[A-Za-z0-9_-]{1,64}$"


def cursor_of(record: ModelRecord) -> str:
    """The cursor of the page that starts after `record`."""
    return f"{record.created_at:.6f}~{record.id}"


def page_after(
    records: Sequence[ModelRecord], cursor: str | None, limit: int
) -> tuple[list[ModelRecord], str | None]:
    """Up to `limit` of `records` (oldest first) after `cursor`, and the next cursor (None: no more)."""
    rest = list(records)
    if cursor is not None:
        created, _, last_id = cursor.partition("~")
        try:
            after = float(created)
        except ValueError:
            raise InvalidRequest(f"cursor {cursor[:80]!r} is not one this API handed out", "cursor") from None
        ids = [r.id for r in rest]
        # the record the cursor names, or (deleted since) the first one created after it
        start = (
            ids.index(last_id) + 1
            if last_id in ids
            else next((i for i, r in enumerate(rest) if r.created_at > after), len(rest))
        )
        rest = rest[start:]
    page = rest[:limit]
    return page, cursor_of(page[-1]) if len(rest) > limit else None
