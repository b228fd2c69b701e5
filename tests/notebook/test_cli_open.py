"""`autograd-explorer open`: a local script recorded into a page, a saved trace reopened."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest

from autograd_explorer.cli import main
from autograd_explorer.trace.compact import decode_compact

SCRIPT = """import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
x = torch.randn(4, 3)
loss = model(x).pow(2).mean()
loss.backward()
"""


def embedded_payload(page: str) -> dict[str, object]:
    start = page.index('<script type="application/json" id="trace-data">') + len(
        '<script type="application/json" id="trace-data">'
    )
    loaded: dict[str, object] = json.loads(page[start : page.index("</script>", start)])
    return loaded


def test_open_script_records_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    out = tmp_path / "page.html"
    assert main(["open", str(script), "--save", str(out), "--no-browser"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    payload = embedded_payload(out.read_text())
    assert payload["format"] == "compact"  # the page's own form, its steps explained in `details`
    readable = decode_compact(payload)
    names = {n["name"] for n in readable["nodes"]}
    assert {"model.weight", "model.bias", "loss"} <= names
    loss = next(n for n in readable["nodes"] if n["name"] == "loss")
    assert loss["span"]["line"] == 7  # the script's own line
    (details,) = payload["details"]  # type: ignore[misc]
    assert len(details["steps"]) == len(readable["passes"][0]["steps"])
    assert all(step["narration"] for step in details["steps"])
    # ... and the saved payload opens again.
    saved = tmp_path / "trace.json"
    saved.write_text(json.dumps(payload))
    again = tmp_path / "again.html"
    assert main(["open", str(saved), "--save", str(again), "--no-browser"]) == 0
    assert embedded_payload(again.read_text()) == payload


def test_open_failing_script_still_writes_the_graph(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text(SCRIPT.replace("loss.backward()", "raise ValueError('stop here')"))
    out = tmp_path / "page.html"
    assert main(["open", str(script), "--save", str(out), "--no-browser"]) == 1
    payload = embedded_payload(out.read_text())
    stopped = payload["stopped"]  # where and why, as the web trace says it (trace/stopped.py)
    assert isinstance(stopped, dict)
    assert stopped["message"] == "stop here" and stopped["type"] == "runtime" and not stopped["in_backward"]
    assert stopped["line"] == SCRIPT.splitlines().index("loss.backward()") + 1
    assert payload["passes"] == [] and payload["details"] == []  # it raised where its backward() was


@pytest.mark.parametrize("content", ["not json", "[1, 2]"])
def test_open_refuses_what_is_no_trace(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(SystemExit, match=r"bad\.json"):
        main(["open", str(bad), "--no-browser"])


def test_open_a_script_stopped_inside_its_function_names_the_call(tmp_path: Path) -> None:
    # As Python's traceback: the line in the function, and the script's line that called it.
    source = SCRIPT.replace(
        "loss = model(x).pow(2).mean()\nloss.backward()\n",
        "def step(model, x):\n    loss = model(x).pow(2).mean()\n    raise ValueError('stop here')\n\n"
        "step(model, x)\n",
    )
    script = tmp_path / "in_function.py"
    script.write_text(source)
    out = tmp_path / "page.html"
    assert main(["open", str(script), "--save", str(out), "--no-browser"]) == 1
    stopped = embedded_payload(out.read_text())["stopped"]
    assert isinstance(stopped, dict)
    with pytest.raises(ValueError) as raised:  # the oracle: CPython running the same script
        exec(compile(source, str(script), "exec"), {"__name__": "__main__"})  # noqa: S102
    frames = [f for f in traceback.extract_tb(raised.value.__traceback__) if f.filename == str(script)]
    assert [(f.name, f.line) for f in frames] == [
        ("<module>", "step(model, x)"),
        ("step", "raise ValueError('stop here')"),
    ]
    assert (stopped["line"], stopped["message"]) == (frames[1].lineno, "stop here")
    assert stopped["calls"] == [{"function": "step", "line": frames[0].lineno}]
