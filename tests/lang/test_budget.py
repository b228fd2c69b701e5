"""The request-wide deadline shared by every Budget created inside `shared_deadline` (no wall clock)."""

from __future__ import annotations

import pytest

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang import budget as budget_module
from autograd_explorer.lang.budget import Budget, shared_deadline
from autograd_explorer.lang.contract import Span

from .helpers import fails, limits, run

SPAN = Span(2, 4, 2, 9)


class FakeClock:
    """time.monotonic stand-in that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(budget_module.time, "monotonic", fake)
    return fake


def test_a_zero_shared_deadline_refuses_the_first_statement() -> None:
    with shared_deadline(0, "max_request_seconds"):
        error = fails("x = 1\ny = 2", "limit")
    assert (error.line, error.column) == (1, 0)
    assert "max_request_seconds" in error.message and "0 s" in error.message


def test_outside_the_scope_the_program_runs() -> None:
    with shared_deadline(0, "max_request_seconds"):
        fails("x = 1", "limit")
    assert run("x = 1\nx + 1").output == 2


def test_budgets_share_the_deadline_across_runs(clock: FakeClock) -> None:
    with shared_deadline(10, "max_request_seconds"):
        first = Budget(limits(max_wall_seconds=5))
        clock.now += 8  # a later run of the same request: its own 5 s would end at +13
        late = Budget(limits(max_wall_seconds=5))
    assert first.deadline == pytest.approx(1005.0)
    assert late.deadline == pytest.approx(1010.0)
    clock.now += 1.5
    late.check_time(SPAN)  # +9.5: still inside the request's 10 s
    clock.now += 1
    with pytest.raises(ProgramError) as info:
        late.check_time(SPAN)
    assert info.value.type == "limit"
    assert info.value.message == "the request ran longer than 10 s, the limit (max_request_seconds)"
    assert (info.value.line, info.value.column, info.value.end_column) == (2, 4, 9)


def test_the_programs_own_limit_is_named_when_it_comes_first(clock: FakeClock) -> None:
    with shared_deadline(10, "max_request_seconds"):
        budget = Budget(limits(max_wall_seconds=5))
    clock.now += 6
    with pytest.raises(ProgramError) as info:
        budget.check_time(SPAN)
    assert "max_wall_seconds" in info.value.message and "5 s" in info.value.message


def test_nested_scopes_keep_the_earliest_deadline(clock: FakeClock) -> None:
    with shared_deadline(3, "outer_seconds"):
        with shared_deadline(60, "inner_seconds"):
            inner = Budget(limits(max_wall_seconds=100))
        with shared_deadline(1, "tighter_seconds"):
            tighter = Budget(limits(max_wall_seconds=100))
        after = Budget(limits(max_wall_seconds=100))
    assert inner.deadline == pytest.approx(1003.0)
    assert tighter.deadline == pytest.approx(1001.0)
    assert after.deadline == pytest.approx(1003.0)
    clock.now += 3.5
    for budget, setting in ((inner, "outer_seconds"), (tighter, "tighter_seconds")):
        with pytest.raises(ProgramError) as info:
            budget.check_time(SPAN)
        assert setting in info.value.message


def test_without_a_scope_only_the_program_limit_applies(clock: FakeClock) -> None:
    budget = Budget(limits(max_wall_seconds=5))
    clock.now += 4.9
    budget.check_time(SPAN)
    clock.now += 0.2
    with pytest.raises(ProgramError) as info:
        budget.check_time(SPAN)
    assert "max_wall_seconds" in info.value.message
