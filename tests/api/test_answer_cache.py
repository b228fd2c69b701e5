"""Answers kept in memory (the lab's presets, step details): what is kept, what never is, for how
long, eviction, and identical requests computed once."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.answer_cache import EXAMPLE_ENTRIES, AnswerStore, CachingEvaluator, has_user_text
from autograd_explorer.errors import ProgramError
from autograd_explorer.examples import EXAMPLES
from autograd_explorer.sandbox import InlineEvaluator
from autograd_explorer.settings import Settings
from tests.api.fake_evaluators import FakeEvaluator

ROSENBROCK_EXAMPLE = {
    "runs": [
        {
            "preset": "rosenbrock",
            "start": {"u": -1.5, "v": 2},
            "optimizer": {"name": name, "lr": lr},
            "steps": 2000,
        }
        for name, lr in (("gd", 1e-3), ("adam", 0.05))
    ]
}


class CountingEvaluator(FakeEvaluator):
    """Answers `job:payload` as bytes and counts the calls; refuses payloads with "refuse"."""

    def __init__(self) -> None:
        self.calls = 0

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        self.calls += 1
        if payload.get("refuse"):
            raise ProgramError("limit", "the request ran longer than 1 s")
        return orjson.dumps({"job": job, "payload": payload, "pad": "x" * int(payload.get("pad", 0))})


def test_a_repeated_preset_request_is_answered_once() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner)
    first = cache.run_json("trajectories", ROSENBROCK_EXAMPLE)
    # The same request with its keys in another order is the same request.
    reordered = {"runs": [dict(reversed(list(run.items()))) for run in ROSENBROCK_EXAMPLE["runs"]]}
    assert cache.run_json("trajectories", reordered) == first
    assert cache.run("trajectories", ROSENBROCK_EXAMPLE) == orjson.loads(first)
    assert inner.calls == 1
    cache.run_json("trajectories", {"runs": ROSENBROCK_EXAMPLE["runs"][:1]})  # another request
    assert inner.calls == 2


def test_user_text_other_jobs_and_refusals_are_never_kept() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner)
    own = {"runs": [{"source": "u**2 + v**2", "steps": 10}]}
    for _ in range(2):
        cache.run_json("trajectories", own)
        cache.run_json("trace", {"source": None, "program": "x = 1"})  # not a lab job
        with pytest.raises(ProgramError):
            cache.run_json("surface", {"preset": "rosenbrock", "refuse": True})
    assert inner.calls == 6
    assert len(cache) == 0


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"preset": "rosenbrock", "source": None}, False),
        ({"source": "u**2"}, True),
        ({"runs": [{"preset": "beale"}, {"source": "u + v"}]}, True),
        ({"runs": [{"preset": "beale", "source": None}]}, False),
    ],
)
def test_user_text_is_found_at_any_depth(payload: dict[str, Any], expected: bool) -> None:
    assert has_user_text(payload) is expected


def test_the_least_recently_used_answer_goes_first() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner, max_entries=2)
    a, b, c = ({"preset": name} for name in ("beale", "himmelblau", "rosenbrock"))
    cache.run_json("surface", a)
    cache.run_json("surface", b)
    cache.run_json("surface", a)  # a is now the most recently used
    cache.run_json("surface", c)  # b goes
    assert inner.calls == 3
    cache.run_json("surface", a)
    assert inner.calls == 3
    cache.run_json("surface", b)
    assert inner.calls == 4


def test_the_byte_budget_bounds_the_memory() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner, max_bytes=3_000)
    cache.run_json("surface", {"preset": "beale", "pad": 1_000})
    cache.run_json("surface", {"preset": "himmelblau", "pad": 1_000})
    cache.run_json("surface", {"preset": "rosenbrock", "pad": 1_000})  # past 3,000 bytes: beale goes
    assert len(cache) == 2
    cache.run_json("surface", {"preset": "quadratic", "pad": 5_000})  # larger than the budget: not kept
    assert len(cache) == 2
    cache.run_json("surface", {"preset": "beale", "pad": 1_000})
    assert inner.calls == 5


def test_a_preset_answer_is_the_same_bytes_each_time_it_is_computed(settings: Settings) -> None:
    # What makes keeping it right: the kept answer is the one a fresh computation would give.
    fresh = InlineEvaluator(settings)
    assert fresh.run_json("trajectories", ROSENBROCK_EXAMPLE) == fresh.run_json(
        "trajectories", ROSENBROCK_EXAMPLE
    )


def test_the_app_answers_a_repeated_example_from_memory(client: TestClient) -> None:
    evaluator = client.app.state.answer_cache  # type: ignore[attr-defined]
    assert isinstance(evaluator, CachingEvaluator)
    first = client.post("/api/trajectories", json=ROSENBROCK_EXAMPLE)
    assert first.status_code == 200
    assert len(evaluator) == 2  # one answer per run: the two runs are two jobs, one per worker
    again = client.post("/api/trajectories", json=ROSENBROCK_EXAMPLE)
    assert again.content == first.content
    assert len(evaluator) == 2
    runs = again.json()["runs"]
    assert [r["final"]["loss"] < 1 for r in runs] == [True, True]
    assert runs[1]["final"]["loss"] < 1e-9  # Adam reaches (1, 1); plain descent is still in the valley


DETAILS = {
    "source": "x = torch.tensor(2.0, requires_grad=True)\nx**2",
    "inputs": {},
    "pass": 0,
    "steps": [0, 1],
}


class Clock:
    """A clock the test moves: expiry without sleeping."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


# (job, the CachingEvaluator argument giving its time, the store it is kept in)
KEPT_PROGRAM_JOBS = [
    ("trace_details", "program_seconds", "programs"),
    ("trace", "trace_seconds", "traces"),
    ("torchviz", "trace_seconds", "traces"),
]


@pytest.mark.parametrize(("job", "seconds", "store"), KEPT_PROGRAM_JOBS)
def test_step_details_and_traces_are_kept_for_their_time_then_computed_again(
    job: str, seconds: str, store: str
) -> None:
    inner, clock = CountingEvaluator(), Clock()
    cache = CachingEvaluator(inner, clock=clock, **{seconds: 60})
    first = cache.run_json(job, DETAILS)
    clock.now += 59
    assert cache.run_json(job, dict(reversed(list(DETAILS.items())))) == first  # a hit
    assert inner.calls == 1
    clock.now += 1  # 60 s after it was kept: expired
    assert cache.run_json(job, DETAILS) == first
    assert inner.calls == 2
    assert len(getattr(cache, store)) == 1 and len(cache) == 1


def test_large_traces_never_push_out_the_step_details_kept() -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner, program_seconds=60, trace_seconds=60)
    cache.run_json("trace_details", DETAILS)
    cache.traces.max_bytes = 10_000  # a few large traces fill the traces' budget
    for k in range(5):
        cache.run_json("trace", {"source": f"x * {k}", "pad": 4_000})
    assert len(cache.traces) == 2 and len(cache.programs) == 1
    cache.run_json("trace_details", DETAILS)
    assert inner.calls == 6  # the details were still kept


def test_another_window_program_or_setting_is_another_answer(settings: Settings) -> None:
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner, settings=settings)
    assert cache.program_seconds == settings.details_cache_seconds > 0
    cache.run_json("trace_details", DETAILS)
    cache.run_json("trace_details", {**DETAILS, "steps": [0, 2]})
    cache.run_json("trace_details", {**DETAILS, "source": DETAILS["source"] + " * 1"})
    cache.run_json("trace_details", {**DETAILS, "inputs": {"y": 1.0}})
    assert inner.calls == 4
    # The same request under other settings (a Jacobian cap, a value size) is another key.
    other = CachingEvaluator(inner, settings=settings.model_copy(update={"max_jacobian_elements": 7}))
    assert other.key("trace_details", DETAILS) != cache.key("trace_details", DETAILS)
    assert CachingEvaluator(inner, settings=settings).key("trace_details", DETAILS) == cache.key(
        "trace_details", DETAILS
    )


@pytest.mark.parametrize(
    ("job", "setting"), [("trace_details", "details_cache_seconds"), ("trace", "trace_cache_seconds")]
)
def test_step_details_and_traces_are_not_kept_when_their_setting_is_0(
    settings: Settings, job: str, setting: str
) -> None:
    inner = CountingEvaluator()
    assert CachingEvaluator(inner, settings=settings).keeps(job, DETAILS)  # kept by default
    cache = CachingEvaluator(inner, settings=settings.model_copy(update={setting: 0}))
    cache.run_json(job, DETAILS)
    cache.run_json(job, DETAILS)
    assert inner.calls == 2 and len(cache) == 0 and not cache.keeps(job, DETAILS)


def test_kept_step_details_are_bounded_in_count_and_bytes() -> None:
    clock = Clock()
    store = AnswerStore(max_entries=2, max_bytes=3_000, clock=clock)
    store.put(b"a", b"1", 10)
    store.put(b"b", b"2", 10)
    assert store.get(b"a") == b"1"  # a is now the most recently used
    store.put(b"c", b"3", 10)  # b goes
    assert (store.get(b"a"), store.get(b"b"), store.get(b"c")) == (b"1", None, b"3")
    store.put(b"d", b"x" * 2_998, 10)  # a goes (count), then c (past 3,000 bytes)
    assert len(store) == 1 and store.get(b"d") is not None
    store.put(b"e", b"x" * 3_000, 10)  # larger than the budget alone: not kept
    assert store.get(b"e") is None and len(store) == 1


class GatedEvaluator(CountingEvaluator):
    """Holds every job until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        self.entered.set()
        assert self.gate.wait(30)
        return super().run_json(job, payload, timeout)


def ask_twice(
    cache: CachingEvaluator, inner: GatedEvaluator, payload: Mapping[str, Any], job: str = "trace_details"
) -> list[Any]:
    """Two identical requests, the second sent while the first is computed: both outcomes."""
    outcomes: list[Any] = [None, None]

    def ask(i: int) -> None:
        try:
            outcomes[i] = cache.run_json(job, payload)
        except ProgramError as exc:
            outcomes[i] = exc

    first = threading.Thread(target=ask, args=(0,))
    first.start()
    assert inner.entered.wait(30)
    second = threading.Thread(target=ask, args=(1,))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first's answer, not computing its own
    inner.gate.set()
    first.join(30)
    second.join(30)
    return outcomes


@pytest.mark.parametrize(("job", "seconds", "store"), KEPT_PROGRAM_JOBS)
def test_an_identical_request_waits_for_the_one_being_computed(job: str, seconds: str, store: str) -> None:
    inner = GatedEvaluator()
    cache = CachingEvaluator(inner, **{seconds: 60})
    first, second = ask_twice(cache, inner, DETAILS, job)
    assert first == second == orjson.dumps({"job": job, "payload": DETAILS, "pad": ""})
    assert inner.calls == 1


def test_a_refusal_reaches_the_requests_that_waited_and_is_not_kept() -> None:
    inner = GatedEvaluator()
    cache = CachingEvaluator(inner, program_seconds=60)
    first, second = ask_twice(cache, inner, {**DETAILS, "refuse": True})
    assert isinstance(first, ProgramError) and second is first
    assert inner.calls == 1 and len(cache) == 0
    cache.run_json("trace_details", {**DETAILS, "refuse": False})
    assert inner.calls == 2


@pytest.mark.parametrize("job", ["trace", "trace_details", "torchviz"])
def test_an_examples_answers_are_kept_while_the_server_runs_a_changed_one_for_its_time(job: str) -> None:
    """The explorer's examples (their own source and inputs) are kept without end, like presets;
    the same program at another input is a student's."""
    polynomial = next(e for e in EXAMPLES if e.id == "polynomial")
    example = {"source": polynomial.source, "inputs": {"x": 1.0}, "format": "compact"}
    edited = {**example, "inputs": {"x": 2.0}}
    inner, clock = CountingEvaluator(), Clock()
    cache = CachingEvaluator(inner, clock=clock, program_seconds=60, trace_seconds=60)
    first = cache.run_json(job, example)
    cache.run_json(job, edited)
    clock.now += 10 * 365 * 24 * 3600  # ten years on
    assert cache.run_json(job, dict(example)) == first
    cache.run_json(job, edited)
    assert inner.calls == 3  # the example once, the edited program twice
    assert len(cache.examples) == 1 and len(cache) == 2


def test_the_warm_ups_answers_stay_whatever_a_class_opens_next() -> None:
    """The examples' store keeps an example's other iterations too (the §8 loop's, ~230 kB each):
    a class opening more than the store holds pushed out the first answers the warm-up had computed.
    Pinned, those stay, whether the warm-up computed them or found them kept (a trace's prefetch of
    its details, in a thread of its own, can be first); an answer kept outside the warm-up still
    goes in its turn, and the budget holds for the rest."""
    loop = next(e for e in EXAMPLES if e.id == "lecture-fit-autograd")
    first_open = {"source": loop.source, "inputs": loop.inputs, "format": "compact"}
    details = {"source": loop.source, "inputs": loop.inputs, "pass": 3, "steps": [0, 40]}
    unpinned = {**first_open, "pass_index": 0}
    inner = CountingEvaluator()
    cache = CachingEvaluator(inner)
    cache.run_json("trace_details", details)  # a prefetch's, before the warm-up asks for it
    with cache.pinning():
        cache.run_json("trace", first_open)
        cache.run_json("trace_details", details)
    cache.run_json("trace", unpinned)
    assert inner.calls == 3
    for k in range(1, EXAMPLE_ENTRIES + 1):  # a class opening iteration after iteration
        cache.run_json("trace", {**first_open, "pass_index": k})
    assert len(cache.examples) == EXAMPLE_ENTRIES + 2  # the budget's worth, and the two pinned
    computed = inner.calls
    cache.run_json("trace", first_open)
    cache.run_json("trace_details", details)
    assert inner.calls == computed  # both still kept
    cache.run_json("trace", unpinned)
    assert inner.calls == computed + 1  # pushed out by the newer ones, as before
