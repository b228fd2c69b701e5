"""The evaluation pool: limits hold, failed workers are replaced, and the pool keeps serving."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_explorer.errors import InvalidRequest, Overloaded, ProgramError
from autograd_explorer.sandbox import EvalPool, InlineEvaluator, make_evaluator
from autograd_explorer.settings import Settings
from tests.sandbox.jobs import TEST_JOBS

WALL = 1.0
GRACE = 0.5
# A correctness bound, not a benchmark: generous for a loaded two-core machine.
KILL_BOUND = 15.0


def pool_settings(tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": tmp_path,
        "eval_workers": 1,
        "max_wall_seconds": WALL,
        "eval_grace_seconds": GRACE,
        "eval_memory_mb": 256,
    }
    return Settings(**(base | overrides))


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EvalPool]:
    p = EvalPool(pool_settings(tmp_path_factory.mktemp("pool")), TEST_JOBS)
    p.start()
    yield p
    p.close()


def echo_pid(pool: EvalPool) -> int:
    result = pool.run("echo", {"n": 1})
    assert result["echo"] == {"n": 1}
    return int(result["pid"])


def occupy_the_only_worker(pool: EvalPool, tmp_path: Path) -> threading.Thread:
    """Start a 1.5 s job in a thread and return once the worker is really running it."""
    busy = threading.Thread(
        target=pool.run,
        args=("sleep", {"pid_file": str(tmp_path / "p"), "seconds": 1.5}),
        kwargs={"timeout": 30},
    )
    busy.start()
    while not (tmp_path / "p").exists():
        time.sleep(0.01)
    return busy


def test_results_cross_as_json_with_non_finite_floats_as_strings(pool: EvalPool) -> None:
    result = pool.run("echo", {"x": [1, 2.5]})
    assert result["echo"] == {"x": [1, 2.5]}
    assert result["nan"] == "nan"
    assert result["array"] == [0, 1, 2]


def test_inline_evaluator_answers_the_same_data(tmp_path: Path) -> None:
    inline = InlineEvaluator(pool_settings(tmp_path), TEST_JOBS)
    result = inline.run("echo", {"x": [1, 2.5]})
    assert (result["nan"], result["array"], result["echo"]) == ("nan", [0, 1, 2], {"x": [1, 2.5]})
    with pytest.raises(ProgramError) as info:
        inline.run("program_error", {})
    assert (info.value.type, info.value.line, info.value.column) == ("syntax", 2, 5)
    # …and refuses alike: bad text, unexpected errors, oversized answers
    with pytest.raises(InvalidRequest, match="not valid Unicode"):
        inline.run("echo", {"x": "\ud800"})
    with pytest.raises(ProgramError, match=r"failed unexpectedly \(ValueError"):
        inline.run("unexpected", {})
    assert inline.run("lone_surrogate", {}) == {"text": "a\\ud800b"}


def test_make_evaluator_follows_the_setting(tmp_path: Path) -> None:
    assert isinstance(make_evaluator(pool_settings(tmp_path, eval_isolation="inline")), InlineEvaluator)
    assert isinstance(make_evaluator(pool_settings(tmp_path)), EvalPool)


def test_domain_errors_come_back_with_their_fields_and_the_worker_stays(pool: EvalPool) -> None:
    before = echo_pid(pool)
    with pytest.raises(ProgramError) as info:
        pool.run("program_error", {})
    assert info.value.as_detail() == {
        "type": "syntax",
        "message": "invalid syntax",
        "line": 2,
        "column": 5,
        "end_line": None,
        "end_column": None,
    }
    assert echo_pid(pool) == before


def test_unexpected_errors_are_a_logged_runtime_400_and_the_worker_is_replaced(
    pool: EvalPool, caplog: pytest.LogCaptureFixture
) -> None:
    before = echo_pid(pool)
    with pytest.raises(ProgramError) as info:
        pool.run("unexpected", {})
    assert info.value.type == "runtime"
    assert info.value.message == (
        "The evaluation failed unexpectedly (ValueError: not a domain error); its worker was replaced."
    )
    assert "evaluation worker failed unexpectedly: ValueError: not a domain error" in caplog.text
    assert echo_pid(pool) != before


def test_each_job_is_killed_at_its_own_time_setting(tmp_path: Path) -> None:
    pool = EvalPool(pool_settings(tmp_path, max_trajectory_seconds=1.5), TEST_JOBS)
    try:
        with pytest.raises(ProgramError) as info:
            pool.run("spin_trajectory", {})
        assert info.value.type == "limit"
        # max_trajectory_seconds + eval_grace_seconds, not max_wall_seconds (1 s)
        assert info.value.message == (
            f"The program ran longer than {1.5 + GRACE:g} s and was stopped (max_trajectory_seconds)."
        )
        echo_pid(pool)
    finally:
        pool.close()


def test_text_json_cannot_carry_is_refused_before_a_worker_is_taken(pool: EvalPool) -> None:
    before, replaced = echo_pid(pool), pool.replaced
    with pytest.raises(InvalidRequest) as info:
        pool.run("echo", {"inputs": {"\ud800": 1}})
    assert info.value.message == (
        "inputs holds text that is not valid Unicode (a lone surrogate such as \\ud800)"
    )
    assert info.value.field == "inputs"
    assert (echo_pid(pool), pool.replaced) == (before, replaced)


def test_a_worker_never_dies_on_text_a_job_returns_or_quotes(pool: EvalPool) -> None:
    before = echo_pid(pool)
    assert pool.run("lone_surrogate", {}) == {"text": "a\\ud800b"}  # escaped, readable
    with pytest.raises(ProgramError) as info:
        pool.run("surrogate_error", {})
    assert (info.value.type, info.value.message) == ("forbidden", "'\\ud800' cannot be an input name")
    assert echo_pid(pool) == before


def test_an_answer_over_max_result_bytes_is_refused_and_the_worker_kept(tmp_path: Path) -> None:
    pool = EvalPool(pool_settings(tmp_path, max_result_bytes=10_000), TEST_JOBS)
    try:
        before = echo_pid(pool)
        assert pool.run("large", {"chars": 9_000}) == "x" * 9_000
        with pytest.raises(ProgramError) as info:
            pool.run("large", {"chars": 20_000})
        assert info.value.type == "limit"
        assert info.value.message == (
            "the answer would be 20,002 bytes of JSON, the limit is 10,000 (max_result_bytes): "
            "ask for fewer values (a smaller max_value_elements, grid or program)"
        )
        assert echo_pid(pool) == before
    finally:
        pool.close()


def test_endless_loop_is_killed_at_the_wall_clock_bound_and_replaced(pool: EvalPool) -> None:
    before = echo_pid(pool)
    started = time.monotonic()
    with pytest.raises(ProgramError) as info:
        pool.run("spin", {})
    elapsed = time.monotonic() - started
    assert info.value.type == "limit"
    assert info.value.message == (
        f"The program ran longer than {WALL + GRACE:g} s and was stopped (max_wall_seconds)."
    )
    assert elapsed >= WALL + GRACE  # never stopped early (an upper bound would fail on a loaded machine)
    assert echo_pid(pool) != before


def test_cpu_rlimit_ends_a_spinning_worker_by_itself(pool: EvalPool) -> None:
    with pytest.raises(ProgramError) as info:
        pool.run("spin_under_cpu_limit", {}, timeout=60)  # the wall clock is not what stops it
    assert info.value.type == "limit"
    assert "s of CPU time and was stopped (max_wall_seconds)" in info.value.message
    echo_pid(pool)


def test_sigxcpu_is_reported_as_a_cpu_limit(pool: EvalPool) -> None:
    with pytest.raises(ProgramError) as info:
        pool.run("cpu_signal", {})
    assert (
        info.value.message == "The program used more than 2 s of CPU time and was stopped (max_wall_seconds)."
    )
    echo_pid(pool)


@pytest.mark.parametrize(
    ("job", "body"),
    [("allocate", {"mb": 2_000}), ("torch_allocate", {"elements": 1_000_000_000})],
)
def test_allocating_too_much_is_refused_and_the_worker_retired(
    pool: EvalPool, job: str, body: dict[str, int]
) -> None:
    before = echo_pid(pool)
    with pytest.raises(ProgramError) as info:
        pool.run(job, body)
    assert info.value.type == "limit"
    assert info.value.message == "The program needed more than 256 MB of memory (eval_memory_mb)."
    assert echo_pid(pool) != before


def test_allocating_within_the_budget_works(pool: EvalPool) -> None:
    assert pool.run("allocate", {"mb": 50}) == 50 * 1024 * 1024


@pytest.mark.parametrize(("job", "reason"), [("segfault", "signal SIGSEGV"), ("exit_now", "exit code 3")])
def test_a_crash_is_reported_and_the_worker_replaced(pool: EvalPool, job: str, reason: str) -> None:
    replaced = pool.replaced
    with pytest.raises(ProgramError) as info:
        pool.run(job, {})
    assert info.value.type == "runtime"
    assert info.value.message == (
        f"The evaluation process crashed ({reason}) while running the program; it was replaced."
    )
    assert pool.replaced == replaced + 1
    echo_pid(pool)


def test_a_worker_killed_while_idle_is_replaced_before_use(pool: EvalPool) -> None:
    import os
    import signal

    echo_pid(pool)
    (victim,) = pool.pids()
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.2)
    assert echo_pid(pool) != victim


def test_a_worker_killed_during_a_job_answers_limit_and_the_pool_recovers(
    pool: EvalPool, tmp_path: Path
) -> None:
    import os
    import signal

    pid_file = tmp_path / "pid"

    def kill_when_running() -> None:
        deadline = time.monotonic() + KILL_BOUND
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)

    killer = threading.Thread(target=kill_when_running)
    killer.start()
    with pytest.raises(ProgramError) as info:
        pool.run("sleep", {"pid_file": str(pid_file), "seconds": 30}, timeout=60)
    killer.join()
    assert info.value.type == "limit"
    assert info.value.message.startswith("The evaluation process was killed (out of memory, or stopped")
    echo_pid(pool)


def test_saturated_pool_answers_overloaded_instead_of_queueing(tmp_path: Path) -> None:
    pool = EvalPool(pool_settings(tmp_path, eval_queue=0), TEST_JOBS)
    try:
        echo_pid(pool)
        busy = occupy_the_only_worker(pool, tmp_path)
        with pytest.raises(Overloaded) as info:
            pool.run("echo", {})
        assert info.value.message == (
            "All 1 evaluation workers are busy and 0 requests are waiting (eval_queue). Try again in 1 s."
        )
        assert info.value.retry_after == 1
        busy.join()
        echo_pid(pool)
    finally:
        pool.close()


def test_waiting_for_a_worker_is_bounded(tmp_path: Path) -> None:
    pool = EvalPool(pool_settings(tmp_path, eval_queue_seconds=0.2), TEST_JOBS)
    try:
        echo_pid(pool)
        busy = occupy_the_only_worker(pool, tmp_path)
        with pytest.raises(Overloaded, match=r"within 0.2 s \(eval_queue_seconds\)"):
            pool.run("echo", {})
        busy.join()
    finally:
        pool.close()


def test_workers_are_recycled_after_their_quota_and_closed_on_close(tmp_path: Path) -> None:
    pool = EvalPool(pool_settings(tmp_path, eval_max_jobs_per_worker=2), TEST_JOBS)
    pids = [echo_pid(pool) for _ in range(4)]
    assert pids[0] == pids[1] != pids[2] == pids[3]
    (idle,) = pool.pids()
    pool.close()
    with pytest.raises(Overloaded, match="shutting down"):
        pool.run("echo", {})
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # the worker exits on EOF; give it a moment
            import os

            os.kill(idle, 0)
            time.sleep(0.05)


def test_run_json_passes_the_workers_bytes_through(pool: EvalPool) -> None:
    raw = pool.run_json("echo", {"x": 1})
    assert isinstance(raw, bytes)
    assert b'"nan":"nan"' in raw
