"""The corpus (tests/lang/corpus/): lecture, tutorial and micrograd programs, CPython as the oracle.

Each program runs twice: by CPython with torch (plain `exec` of trusted test code) and through
`POST /api/trace`. What they print must be identical (object addresses aside); a program that
raises must raise the same message on the same line (the explorer's message starts with
Python's; the lines of the calls it passed through follow it).
"""

from __future__ import annotations

import io
import itertools
import re
import traceback
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.py"))
# A few programs also go through the worker processes (the default isolation).
THROUGH_THE_POOL = [
    "lecture_block1_first_graph",
    "lecture_block2_simplenn",
    "python_exceptions",
    "error_arguments",
    "error_raise_custom",  # the calls it passed through, carried from the worker
    "pytorch_custom_function_ctx",  # the program's backward run by PyTorch's engine in a worker
]
_ADDRESS = re.compile(r"0x[0-9a-f]+")


@dataclass(frozen=True)
class Outcome:
    """What a program printed, and the error it ended with (message, line, and the calls of the
    program's functions it passed through, innermost first: (function, line of the call)), if any."""

    printed: str
    error: tuple[str, int, list[tuple[str, int]]] | None


def run_in_cpython(source: str) -> Outcome:
    """The oracle: CPython runs the program (trusted test code), stdout captured."""
    out = io.StringIO()
    state = torch.random.get_rng_state()
    try:
        with redirect_stdout(out):
            exec(compile(source, "<program>", "exec"), {"__name__": "__main__"})  # noqa: S102
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<program>"]
        message = str(exc) or type(exc).__name__
        if isinstance(exc, KeyError) and len(exc.args) == 1:
            message = repr(exc.args[0])
        # each frame but the outermost is a call of the program's functions, made on the line of the
        # frame outside it
        calls = [(inner.name, outer.lineno or 0) for outer, inner in itertools.pairwise(frames)]
        return Outcome(out.getvalue(), (message, frames[-1].lineno or 0, calls[::-1]))
    finally:
        torch.random.set_rng_state(state)
    return Outcome(out.getvalue(), None)


def run_in_explorer(client: TestClient, source: str) -> Outcome:
    """The explorer: POST /api/trace; printed lines come back in the answer."""
    response = client.post("/api/trace", json={"source": source})
    if response.status_code == 200:
        lines = response.json()["printed"]
        return Outcome("".join(f"{line}\n" for line in lines), None)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    calls = [(call["function"], call["line"]) for call in detail.get("calls", [])]
    return Outcome("", (detail["message"], detail["line"], calls))


def same(expected: Outcome, got: Outcome) -> None:
    if expected.error is None:
        assert got.error is None, got.error
        assert _ADDRESS.sub("0x…", got.printed) == _ADDRESS.sub("0x…", expected.printed)
    else:
        assert got.error is not None, f"the explorer did not raise {expected.error}"
        assert got.error == expected.error  # Python's message verbatim, its line, the calls


def make_client(tmp_path: Path, isolation: str) -> Iterator[TestClient]:
    # Generous wall time: this machine's CPython alone takes seconds for the 2000-step tutorials.
    settings = Settings(data_dir=tmp_path, eval_isolation=isolation, max_wall_seconds=120)  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def inline_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from make_client(tmp_path_factory.mktemp("corpus"), "inline")


@pytest.fixture(scope="module")
def pool_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from make_client(tmp_path_factory.mktemp("corpus-pool"), "process")


def test_the_corpus_is_large_and_varied() -> None:
    names = [p.stem for p in CORPUS]
    assert len(names) >= 40
    for prefix in ("lecture_", "content_", "pytorch_", "micrograd_", "python_", "torch_", "error_"):
        assert any(n.startswith(prefix) for n in names), prefix


@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_program_prints_what_cpython_prints(inline_client: TestClient, path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    expected = run_in_cpython(source)
    same(expected, run_in_explorer(inline_client, source))
    if path.stem.startswith("error_"):
        assert expected.error is not None  # the error programs do raise under CPython


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", THROUGH_THE_POOL)
def test_program_through_the_worker_pool(pool_client: TestClient, name: str) -> None:
    source = (Path(__file__).parent / "corpus" / f"{name}.py").read_text(encoding="utf-8")
    same(run_in_cpython(source), run_in_explorer(pool_client, source))


def test_an_uncaught_error_names_the_calls_it_passed_through(inline_client: TestClient) -> None:
    source = (Path(__file__).parent / "corpus" / "error_raise_custom.py").read_text(encoding="utf-8")
    _, line, calls = run_in_explorer(inline_client, source).error or ("", 0, [])
    assert line == 8  # the raise, inside update()
    assert calls == [("update", 14), ("train", 18)]


def test_a_program_that_only_prints_is_an_answer(inline_client: TestClient) -> None:
    response = inline_client.post(
        "/api/trace", json={"source": "def f(x):\n    return x * 2\nprint(f(21))\nprint('no tensors')"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["printed"] == ["42", "no tensors"]
    assert body["nodes"] == [] and body["passes"] == [] and body["output"]["node"] is None
    assert any("no graph" in w for w in body["warnings"])
