"""A client generated from the live /openapi.json by openapi-python-client, used as a student would.

The script below trains a model, reads its typed config, its curve and a trajectory as numpy
arrays, and reads a syntax error's message and line from the typed Error; mypy (strict) checks it
against the generated client, then it runs against a real uvicorn.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import LiveServer

BIN = Path(sys.executable).parent
STUDENT_SCRIPT = '''
"""Train, fetch a curve, a trajectory, tensors as arrays, read a syntax error: typed end to end."""

import json
import sys
import time

import numpy as np

from explorer_client import Client
from explorer_client.api.models import get_model, predict, train_model
from explorer_client.api.optimization import trajectory
from explorer_client.api.trace import trace
from explorer_client.models import (
    Curve,
    Error,
    InputTensor,
    JobAccepted,
    Model,
    PointsPrediction,
    ResolvedTraining,
    Sample,
    Trace,
    TraceProgram,
    TraceProgramInputs,
    Training,
    TrainingDataset,
    TrainingModel,
    Trajectory,
    TrajectoryRun,
    TrajectoryRunPresetType0,
)

client = Client(base_url=sys.argv[1], raise_on_unexpected_status=True)

job = train_model.sync(
    client=client,
    body=Training(dataset=TrainingDataset.MOONS, model=TrainingModel.LOGISTIC, steps=40),
)
assert isinstance(job, JobAccepted), job
model = get_model.sync(model_id=job.id, client=client)
deadline = time.monotonic() + 120
while isinstance(model, Model) and model.status.value in ("queued", "running"):
    assert time.monotonic() < deadline, "training did not finish in 120 s"
    time.sleep(0.2)
    model = get_model.sync(model_id=job.id, client=client)
assert isinstance(model, Model), model

# The curve as columns, every 5th point and the last: each one array, no loop.
model = get_model.sync(model_id=job.id, client=client, every=5)
assert isinstance(model, Model) and isinstance(model.curve, Curve), model
curve_steps = np.asarray(model.curve.step)
train_loss = np.asarray(model.curve.train_loss, dtype=float)
test_accuracy = np.asarray(model.curve.test_accuracy, dtype=float)

# What was trained, typed: the request's fields with every default filled in (null only for a
# record stored by another version that this one cannot read).
assert isinstance(model.config, ResolvedTraining), model.config
trained_steps: int = model.config.steps
trained_lr: float | None = model.config.optimizer.lr
trained_hidden: int | None = model.config.hidden

run = trajectory.sync(
    client=client,
    body=TrajectoryRun(preset=TrajectoryRunPresetType0.HIMMELBLAU, steps=50, every=10),
)
assert isinstance(run, Trajectory), run
loss = np.asarray(run.loss, dtype=float)
u = np.asarray(run.params["u"], dtype=float)

broken = trace.sync(client=client, body=TraceProgram(source="y = (x +\\n"))
assert isinstance(broken, Error), broken

# A tensor with nan and -inf in it: numbers and null, read by numpy as is.
inputs = TraceProgramInputs.from_dict({"x": [1.0, 0.0, -1.0]})
program = TraceProgram(source="y = torch.log(x)\\ny.sum().backward()", inputs=inputs, output="y")
logs = trace.sync(client=client, body=program)
assert isinstance(logs, Trace) and logs.output.value is not None, logs
logged = np.asarray(logs.output.value.data, dtype=float)
for entry in logs.output.value.nonfinite:
    logged[tuple(entry.index)] = float(entry.value.value)
accumulated = [a.node for step in logs.passes[-1].steps for a in step.accumulators]

points = InputTensor(shape=[2, 2], data=[[0.0, 0.0], [1.0, -0.5]])
predicted = predict.sync(model_id=job.id, client=client, body=Sample(input_=points))
assert isinstance(predicted, PointsPrediction), predicted
probabilities = np.asarray(predicted.probabilities.data, dtype=float)

print(
    json.dumps(
        {
            "status": model.status.value,
            "curve_steps": curve_steps.tolist(),
            "curve_shapes": [list(train_loss.shape), list(test_accuracy.shape)],
            "curve_finite": bool(np.isfinite(train_loss).all()),
            "config": [model.config.dataset.value, trained_steps, trained_lr, trained_hidden],
            "steps": run.step,
            "loss_shape": list(loss.shape),
            "u_shape": list(u.shape),
            "loss_decreases": bool(loss[-1] < loss[0]),
            "error_type": broken.detail.type_,
            "error_message": broken.detail.message,
            "error_line": broken.detail.line,
            "log": [str(v) for v in logged],
            "accumulated_ids_are_ints": all(isinstance(n, int) for n in accumulated) and bool(accumulated),
            "probabilities_shape": list(probabilities.shape),
            "saliency_shape": predicted.saliency.shape,
        }
    )
)
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("generated-client") / "data"
    data_dir.mkdir()
    live = LiveServer(data_dir)
    live.start()
    yield live
    live.stop()


@pytest.mark.slow
def test_a_generated_client_trains_reads_arrays_and_typed_errors(server: LiveServer, tmp_path: Path) -> None:
    if shutil.which("openapi-python-client", path=str(BIN)) is None:
        pytest.fail("openapi-python-client missing: install the dev extras")
    spec = tmp_path / "openapi.json"
    spec.write_bytes(httpx.get(server.url + "/openapi.json", timeout=10).content)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}  # it formats with ruff
    generated = subprocess.run(
        [BIN / "openapi-python-client", "generate", "--path", spec, "--meta", "none", "--output-path",
         tmp_path / "explorer_client"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout, generated.stdout  # the schema generates cleanly
    script = tmp_path / "student.py"
    script.write_text(STUDENT_SCRIPT)

    checked = subprocess.run(
        [BIN / "mypy", "--strict", "--follow-imports=silent", "--no-incremental", script],
        capture_output=True, text=True, cwd=tmp_path, env={**env, "MYPYPATH": str(tmp_path)}, timeout=300,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr

    ran = subprocess.run(
        [sys.executable, script, server.url],
        capture_output=True, text=True, cwd=tmp_path, env={**env, "PYTHONPATH": str(tmp_path)}, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    answer = json.loads(ran.stdout)
    # 40 steps, a point every one (steps // 50 = 0 → 1): 41 points, every 5th and the last kept
    assert answer["status"] == "done" and answer["curve_steps"] == [*range(0, 40, 5), 40]
    assert answer["curve_shapes"] == [[9], [9]] and answer["curve_finite"]
    assert answer["config"] == ["moons", 40, 0.01, None]  # logistic: no hidden layer; lr the default
    assert answer["steps"] == [1, 11, 21, 31, 41, 50]
    assert answer["loss_shape"] == answer["u_shape"] == [6] and answer["loss_decreases"]
    assert answer["error_type"] == "syntax" and answer["error_line"] == 1
    assert answer["error_message"]
    assert answer["log"] == ["0.0", "-inf", "nan"]  # torch.log([1, 0, -1]), -inf told apart from nan
    assert answer["accumulated_ids_are_ints"]
    assert answer["probabilities_shape"] == [2] and answer["saliency_shape"] == [2, 2]
