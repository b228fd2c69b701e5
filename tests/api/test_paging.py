"""api/paging.py: a cursor names the last record shown, so pages neither repeat nor skip a record."""

from __future__ import annotations

from autograd_explorer.api.paging import cursor_of, page_after
from autograd_explorer.store.records import ModelRecord


def record(model_id: str, created_at: float) -> ModelRecord:
    return ModelRecord(
        id=model_id,
        config={},
        status="done",
        progress=1.0,
        metrics=None,
        error=None,
        created_at=created_at,
        started_at=None,
        finished_at=None,
        cancel_requested=False,
        run_token=None,
        worker_pid=None,
    )


RECORDS = [record(f"m{i}", 1000.0 + i) for i in range(7)]


def test_pages_cover_every_record_once() -> None:
    seen, cursor = [], None
    while True:
        page, cursor = page_after(RECORDS, cursor, 3)
        seen += page
        if cursor is None:
            break
    assert seen == RECORDS


def test_a_record_deleted_between_pages_skips_nothing_else() -> None:
    first, cursor = page_after(RECORDS, None, 3)
    assert first == RECORDS[:3] and cursor == cursor_of(RECORDS[2])
    without_last_shown = [r for r in RECORDS if r.id != "m2"]
    rest, end = page_after(without_last_shown, cursor, 10)
    assert rest == RECORDS[3:] and end is None


def test_a_record_created_between_pages_comes_last() -> None:
    _, cursor = page_after(RECORDS, None, 3)
    newer = [*RECORDS, record("m7", 2000.0)]
    rest, _ = page_after(newer, cursor, 10)
    assert [r.id for r in rest] == ["m3", "m4", "m5", "m6", "m7"]
