"""/api/models routes: predict (shapes, errors, saliency), misclassified, boundary, refusals.

The models are trained in this process by the same `run_job` the workers run (no pool needed).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.jobs.execute import run_job
from autograd_explorer.settings import Settings
from autograd_explorer.store.records import ModelStore
from autograd_explorer.train.config import TrainConfig
from autograd_explorer.train.mnist import load_split
from tests.conftest import MNIST_DIR
from tests.jobs.helpers import LONG_MNIST, MOONS, submit, wait_for

MNIST_SMALL = {
    "dataset": "mnist_parity",
    "train_size": 2000,
    "test_size": 1000,
    "steps": 40,
    "optimizer": {"lr": 0.1},
}


def train_here(store: ModelStore, **config: Any) -> str:
    model_id, token = store.start_direct(
        TrainConfig(**config).resolved().model_dump(mode="json"), worker_pid=os.getpid()
    )
    assert run_job(store, model_id, token, MNIST_DIR) == "done"
    return model_id


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("routes") / "data", mnist_dir=MNIST_DIR)
    store = ModelStore(settings.data_dir)
    ids = {
        "nn": train_here(store, model="simple_nn", **MNIST_SMALL),
        "logistic": train_here(store, model="logistic", **MNIST_SMALL),
        "moons": train_here(
            store, dataset="moons", model="binary_classifier", steps=300, optimizer={"lr": 0.5}
        ),
    }
    with TestClient(create_app(settings)) as client:
        # Created after start-up (which fails leftovers); no job was submitted, so no worker takes it.
        ids["queued"] = store.create(TrainConfig().resolved().model_dump(mode="json")).id  # type: ignore[union-attr]
        yield client, ids


def nn_oracle(
    data_dir: Path, model_id: str, pixels: torch.Tensor
) -> tuple[float, torch.Tensor, torch.Tensor]:
    """P(odd), dP/dx and dz/dx (z = logit) at the normalized input, from the saved weights, float64."""
    state = torch.load(data_dir / "weights" / f"{model_id}.pt", weights_only=True)
    w1, b1, w2, b2 = (state[k].double() for k in ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"))
    x = ((pixels.double() / 255 - 0.1307) / 0.3081).reshape(784).requires_grad_(True)
    z = (w2 @ torch.relu(w1 @ x + b1) + b2).reshape(())
    p = torch.sigmoid(z)
    (grad,) = torch.autograd.grad(p, x, retain_graph=True)
    (logit_grad,) = torch.autograd.grad(z, x)
    return p.item(), grad.reshape(28, 28), logit_grad.reshape(28, 28)


def test_predict_an_image_with_saliency_equal_to_autograd(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    image = torch.from_numpy(load_split(MNIST_DIR, "test").images[0].astype("float32"))  # a 7
    url = f"/api/models/{ids['nn']}/predict"
    square = client.post(url, json={"input": {"shape": [28, 28], "dtype": "float32", "data": image.tolist()}})
    flat = client.post(url, json={"input": {"shape": [784], "data": image.reshape(-1).tolist()}})
    legacy = client.post(url, json={"input": image.tolist()})  # the deprecated bare list, still taken
    assert square.status_code == 200 and flat.json() == square.json() == legacy.json()
    body = square.json()
    probability, grad, logit_grad = nn_oracle(client.app.state.settings.data_dir, ids["nn"], image)  # type: ignore[attr-defined]
    # The server normalizes pixels in float32 (as in training), then evaluates in float64.
    assert body["probability"] == pytest.approx(probability, rel=1e-6)
    assert body["predicted_class"] == int(probability >= 0.5)
    assert body["class_name"] == ("odd" if probability >= 0.5 else "even")
    for name, oracle in [("saliency", grad), ("logit_saliency", logit_grad)]:
        tensor = body[name]  # {shape, dtype, data, nonfinite, …}: np.asarray(data) is the map
        assert (tensor["shape"], tensor["dtype"], tensor["nonfinite"]) == ([28, 28], "float64", [])
        array = np.asarray(tensor["data"], dtype=float)
        assert array.shape == (28, 28)
        torch.testing.assert_close(torch.from_numpy(array), oracle, rtol=1e-5, atol=1e-9)


def test_a_tensor_whose_data_is_not_its_declared_shape_is_400(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    url = f"/api/models/{ids['nn']}/predict"
    r = client.post(url, json={"input": {"shape": [28, 28], "data": [0.0] * 784}})
    assert r.status_code == 400
    assert r.json()["detail"] == {
        "type": "invalid",
        "message": "input.data has shape [784], not the declared shape [28, 28]",
        "field": "input",
    }
    ragged = client.post(url, json={"input": {"shape": [2, 2], "data": [[0.0, 1.0], [0.0]]}})
    assert ragged.status_code == 400 and "rows of different lengths" in ragged.json()["detail"]["message"]
    typo = client.post(url, json={"input": {"shape": [784], "data": [0.0] * 784, "dtype": "int8"}})
    assert typo.status_code == 422
    # JSON Schema's integer admits 28.0 (schemathesis sent such a shape): a whole float is its int,
    # a fraction or a string is not.
    whole = client.post(url, json={"input": {"shape": [28.0, 28], "data": [[0.0] * 28] * 28}})
    assert whole.status_code == 200
    for bad in ([28.5, 28], ["28", 28]):
        r = client.post(url, json={"input": {"shape": bad, "data": [[0.0] * 28] * 28}})
        assert r.status_code == 422, bad


def test_graph_of_one_prediction_is_traced_with_its_backward(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    image = load_split(MNIST_DIR, "test").images[1].astype("float32").tolist()
    graph = client.post(f"/api/models/{ids['nn']}/graph", json={"input": image})
    assert graph.status_code == 200
    body = graph.json()
    by_name = {n["name"]: n for n in body["nodes"] if n.get("name")}
    assert {"x", "W1", "b1", "W2", "b2"} <= set(by_name)
    assert [n["op"] for n in body["nodes"] if not n["is_leaf"]][-1] == "SigmoidBackward0"
    p = client.post(f"/api/models/{ids['nn']}/predict", json={"input": image}).json()["probability"]
    # P = σ(W2·h + b2), so dP/db2 = σ'(z) = P(1 − P): a hand derivation of the traced backward.
    assert by_name["b2"]["grad"]["data"][0] == pytest.approx(p * (1 - p), rel=1e-5)
    wrong = client.post(f"/api/models/{ids['nn']}/graph", json={"input": [1.0, 2.0]})
    assert wrong.status_code == 400


def test_predict_2d_points_with_gradients(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    points = {"shape": [2, 2], "dtype": "float32", "data": [[0.0, 0.0], [1.0, -0.5]]}
    response = client.post(f"/api/models/{ids['moons']}/predict", json={"input": points})
    assert response.status_code == 200
    body = response.json()
    one = {"shape": [2], "data": [1.0, -0.5]}
    single = client.post(f"/api/models/{ids['moons']}/predict", json={"input": one}).json()
    assert single["probabilities"]["data"] == body["probabilities"]["data"][1:]
    assert body["probabilities"]["shape"] == [2] and body["saliency"]["shape"] == [2, 2]
    assert np.asarray(body["saliency"]["data"], dtype=float).shape == (2, 2)
    assert body["predicted_classes"]["dtype"] == "int64"
    probabilities = np.asarray(body["probabilities"]["data"], dtype=float)
    assert body["predicted_classes"]["data"] == (probabilities >= 0.5).astype(int).tolist()


@pytest.mark.parametrize(
    ("which", "payload", "message"),
    [
        ("nn", [0.0] * 783, "input must be 784 pixel values or a 28×28 image; got 783 values"),
        ("nn", [[0.0] * 27] * 28, "input must be 784 pixel values or a 28×28 image; got 28×27"),
        (
            "nn",
            [[0.0] * 28] * 27 + [[0.0]],
            "input must be 784 pixel values or a 28×28 image; got 28 rows of lengths 1–28",
        ),
        (
            "moons",
            [[1.0, 2.0, 3.0]],
            "input must be a point [x, y] or a list of points [[x, y], ...]; got 1×3",
        ),
        (
            "moons",
            [1.0, 2.0, 3.0],
            "input must be a point [x, y] or a list of points [[x, y], ...]; got 3 values",
        ),
    ],
)
def test_wrong_shapes_are_400_naming_the_expected_shape(
    lab: tuple[TestClient, dict[str, str]], which: str, payload: list[Any], message: str
) -> None:
    client, ids = lab
    response = client.post(f"/api/models/{ids[which]}/predict", json={"input": payload})
    assert response.status_code == 400
    assert response.json()["detail"] == {"type": "invalid", "message": message, "field": "input"}


def test_predict_refusals(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    assert client.post(f"/api/models/{ids['nn']}/predict", json={"input": ["a"]}).status_code == 422
    typo = client.post(f"/api/models/{ids['nn']}/predict", json={"input": [0.0] * 784, "normalised": True})
    assert typo.status_code == 422  # an unknown key is refused, as on every other body
    assert typo.json()["detail"]["errors"][0]["loc"] == ["body", "normalised"]
    missing = client.post("/api/models/0123abcd/predict", json={"input": [0.0, 0.0]})
    assert (missing.status_code, missing.json()["detail"]["message"]) == (404, "no model with id '0123abcd'")
    queued = client.post(f"/api/models/{ids['queued']}/predict", json={"input": [0.0] * 784})
    assert queued.status_code == 409
    assert queued.json()["detail"]["message"] == f"model {ids['queued']} is queued: it has no trained weights"


def test_misclassified_alone_and_by_both(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    nn_wrong = client.get(f"/api/models/{ids['nn']}/misclassified?limit=5").json()
    logistic_wrong = client.get(f"/api/models/{ids['logistic']}/misclassified?limit=200").json()
    both = client.get(f"/api/models/{ids['nn']}/misclassified?other={ids['logistic']}&limit=200").json()
    nn_record = client.get(f"/api/models/{ids['nn']}").json()
    assert nn_wrong["test_size"] == 1000
    assert nn_wrong["count"] == round((1 - nn_record["metrics"]["test_accuracy"]) * 1000)
    item = nn_wrong["items"][0]
    assert [len(row) for row in item["pixels"]] == [28] * 28 and item["label"] == item["digit"] % 2
    assert (item["probabilities"][0] >= 0.5) != bool(item["label"])
    assert both["models"] == [ids["nn"], ids["logistic"]]
    assert 0 < both["count"] <= min(nn_wrong["count"], logistic_wrong["count"])
    for entry in both["items"]:
        assert all((p >= 0.5) != bool(entry["label"]) for p in entry["probabilities"])
    mixed = client.get(f"/api/models/{ids['nn']}/misclassified?other={ids['moons']}")
    assert mixed.status_code == 400
    assert (
        mixed.json()["detail"]["message"]
        == "the models were trained on different data sets: mnist_parity and moons"
    )


def test_misclassified_pages_reach_every_example_once(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    whole = client.get(f"/api/models/{ids['nn']}/misclassified?limit=200").json()
    assert whole["count"] <= 200 and whole["next_cursor"] is None  # the oracle: one page holds all
    seen: list[int] = []
    cursor: str | None = None
    while True:
        query = "limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/models/{ids['nn']}/misclassified?{query}").json()
        assert len(page["items"]) <= 7 and page["count"] == whole["count"]
        seen += [item["index"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert cursor == str(seen[-1])
    assert seen == [item["index"] for item in whole["items"]]
    assert client.get(f"/api/models/{ids['nn']}/misclassified?cursor=-3").status_code == 422


def test_models_list_pages_follow_the_cursor(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    whole = client.get("/api/models?limit=500").json()
    assert whole["next_cursor"] is None
    everything = [m["id"] for m in whole["items"]]
    assert set(ids.values()) <= set(everything)
    paged: list[str] = []
    page = client.get("/api/models?limit=2").json()
    while True:
        assert len(page["items"]) <= 2
        paged += [m["id"] for m in page["items"]]
        if page["next_cursor"] is None:
            break
        page = client.get("/api/models", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert paged == everything
    refused = client.get("/api/models?limit=501")
    assert (refused.status_code, refused.json()["detail"]["field"]) == (400, "limit")
    assert client.get("/api/models?cursor=not-a-cursor").status_code == 422


def test_a_models_curve_is_columns_every_kth_point_and_the_last(
    lab: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = lab
    stored = [p for _, p in client.app.state.runner.store.points(ids["moons"])]  # type: ignore[attr-defined]
    assert len(stored) == 51  # 300 steps, a point every 6 and one before the first update
    whole = client.get(f"/api/models/{ids['moons']}").json()
    assert whole["curve"] == {k: [p[k] for p in stored] for k in stored[0]}
    assert whole["curves"] == stored  # the deprecated records, sent beside it until 7.0.0
    test_loss = np.asarray(whole["curve"]["test_loss"], dtype=float)  # no loop: the column is the array
    assert test_loss.shape == (51,) and np.isfinite(test_loss).all() and test_loss[-1] < test_loss[0]

    kept = client.get(f"/api/models/{ids['moons']}", params={"every": 7}).json()
    indices = [*range(0, 51, 7), 50]  # every 7th point and the last
    assert kept["curve"]["step"] == [stored[i]["step"] for i in indices] and kept["curve"]["step"][-1] == 300
    assert kept["curve"]["test_accuracy"] == [stored[i]["test_accuracy"] for i in indices]
    assert kept["curves"] == [stored[i] for i in indices]
    ends = client.get(f"/api/models/{ids['moons']}", params={"every": 1000}).json()["curve"]["step"]
    assert ends == [0, 300]
    assert client.get(f"/api/models/{ids['moons']}", params={"every": 0}).status_code == 422

    listed = {
        m["id"]: m for m in client.get("/api/models", params={"curve": "true", "every": 7}).json()["items"]
    }
    assert listed[ids["moons"]]["curve"] == kept["curve"]
    plain = client.get("/api/models").json()["items"]
    assert all(m["curve"] is None and m["curves"] is None for m in plain)
    old = {m["id"]: m for m in client.get("/api/models", params={"curves": "true"}).json()["items"]}
    assert old[ids["moons"]]["curve"] == whole["curve"]  # the deprecated parameter still works
    both = client.get("/api/models", params={"curve": "true", "curves": "true"})
    assert (both.status_code, both.json()["detail"]["field"]) == (400, "curves")


def test_a_models_config_is_the_resolved_training_it_was_trained_with(
    lab: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = lab
    answer = client.get(f"/api/models/{ids['moons']}").json()
    stored = client.app.state.runner.store.get(ids["moons"]).config  # type: ignore[attr-defined]
    assert answer["config"] == stored  # the JSON on the wire is what was stored
    config = TrainConfig.model_validate(answer["config"])  # the request's schema reads it back
    assert config.model_dump(mode="json") == answer["config"]  # and round-trips
    trained = TrainConfig(dataset="moons", model="binary_classifier", steps=300, optimizer={"lr": 0.5})
    assert config == trained.resolved()
    assert (config.steps, config.optimizer.lr, config.hidden) == (300, 0.5, 8)
    # The published answer schema: every field present (a generated client's `config.steps` is an int).
    document = client.get("/openapi.json").json()
    jsonschema.validate(answer, {**document, "$ref": "#/components/schemas/Model"})
    resolved = document["components"]["schemas"]["ResolvedTraining"]
    assert set(resolved["required"]) == set(resolved["properties"]) == set(answer["config"])
    listed = {m["id"]: m for m in client.get("/api/models").json()["items"]}
    assert listed[ids["moons"]]["config"] == answer["config"]


# What the first version stored for a resolved job: its optimizer had only name, lr and batch_size.
FIRST_VERSION_CONFIG = {
    "dataset": "moons",
    "model": "binary_classifier",
    "hidden": 8,
    "activation": "tanh",
    "optimizer": {"name": "sgd", "lr": 0.5, "batch_size": 64},
    "steps": 300,
    "train_size": 400,
    "test_size": 200,
    "noise": 0.1,
    "seed": 0,
    "eval_every": 3,
    "name": "kept from 1.0",
}
# A config no version of TrainConfig reads: an unknown optimizer and a key that was never a field.
UNREADABLE_CONFIG = {
    "dataset": "moons",
    "model": "binary_classifier",
    "optimizer": {"name": "lbfgs"},
    "epochs": 3,
}


def test_stored_configs_of_other_versions_are_listed_and_served(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", mnist_dir=MNIST_DIR)
    store = ModelStore(settings.data_dir)
    with TestClient(create_app(settings)) as client:
        # written straight into the store, as an older server (or a hand) left them; after start-up,
        # and with no job submitted, so they stay queued
        old = store.create(FIRST_VERSION_CONFIG)
        unreadable = store.create(UNREADABLE_CONFIG)
        assert old is not None and unreadable is not None
        listed = client.get("/api/models")
        one_old = client.get(f"/api/models/{old.id}")
        one_unreadable = client.get(f"/api/models/{unreadable.id}")
        predict = client.post(f"/api/models/{unreadable.id}/predict", json={"input": [0.0, 0.0]})
        boundary = client.get(f"/api/models/{unreadable.id}/boundary?grid=5")
        document = client.get("/openapi.json").json()
    assert (listed.status_code, one_old.status_code, one_unreadable.status_code) == (200, 200, 200)
    items = {m["id"]: m for m in listed.json()["items"]}
    # The old config is read by today's TrainConfig: the fields it had, and today's defaults beside.
    config = one_old.json()["config"]
    assert config == TrainConfig.model_validate(FIRST_VERSION_CONFIG).model_dump(mode="json")
    assert config["optimizer"] == {**FIRST_VERSION_CONFIG["optimizer"], **config["optimizer"]}  # type: ignore[dict-item]
    assert config["optimizer"]["momentum"] == 0.9 and items[old.id]["name"] == "kept from 1.0"
    # The unreadable one is listed and served with config null, named from what is stored.
    assert items[unreadable.id]["config"] is None and one_unreadable.json()["config"] is None
    assert items[unreadable.id]["name"] == "binary_classifier · moons"
    for item in items.values():
        jsonschema.validate(item, {**document, "$ref": "#/components/schemas/Model"})
    for refused in (predict, boundary):  # what needs the config says so (was a 500)
        assert refused.status_code == 409
        assert refused.json()["detail"]["message"] == (
            f"model {unreadable.id} was stored with a config this version cannot read"
        )


def test_boundary_of_a_2d_model_and_refusals(lab: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = lab
    body = client.get(f"/api/models/{ids['moons']}/boundary?grid=7").json()
    assert len(body["x"]) == 7 and len(body["probability"]) == 7 and len(body["probability"][0]) == 7
    assert client.get(f"/api/models/{ids['moons']}/boundary?resolution=7").json() == body  # the old name
    assert len(client.get(f"/api/models/{ids['moons']}/boundary").json()["x"]) == 60
    assert body["status"] == "done" and len(body["points"]["x"]) == 400
    assert all(0 <= p <= 1 for row in body["probability"] for p in row)
    mnist = client.get(f"/api/models/{ids['nn']}/boundary")
    assert mnist.status_code == 400
    assert (
        mnist.json()["detail"]["message"]
        == "a decision boundary exists only for 2-D data sets; this model is MNIST"
    )
    big = client.get(f"/api/models/{ids['moons']}/boundary?grid=201")
    assert big.json()["detail"] == {
        "type": "invalid",
        "message": "grid must be at most 200 (setting max_boundary_resolution)",
        "field": "grid",
    }
    both = client.get(f"/api/models/{ids['moons']}/boundary?grid=7&resolution=7")
    assert (both.status_code, both.json()["detail"]["field"]) == (400, "resolution")


def test_missing_mnist_is_503_naming_folder_and_files(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", mnist_dir=tmp_path / "no-mnist")
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/models", json={"dataset": "mnist_parity"})
        moons = client.post("/api/models", json={"dataset": "mnist", "model": "logistic"})
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert detail["type"] == "data_unavailable"
    assert detail["message"].startswith(
        f"MNIST data unavailable: the folder {tmp_path / 'no-mnist'} does not exist."
    )
    assert "t10k-images-idx3-ubyte.gz" in detail["message"]
    assert moons.status_code == 422


def test_predict_refuses_non_finite_inputs(client: TestClient) -> None:
    # Found by the fuzzers: NaN pixels were accepted and came back as a NaN probability.
    r = client.post(
        "/api/models/anything/predict",
        content=b'{"input": [NaN, 1.0]}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422


# --- job tokens: only the creator (or the lecturer) cancels or deletes a job ------------------

LECTURER = "lecturer-secret-token-for-tests"


@pytest.fixture
def owned(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data", mnist_dir=MNIST_DIR, lecturer_token=LECTURER, training_workers=1
    )
    with TestClient(create_app(settings)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def forbidden(model_id: str, tokenless: bool = False) -> dict[str, Any]:
    if tokenless:
        message = (
            f"Model {model_id} was created without a job token (before tokens existed, or by the CLI): "
            "only the lecturer token (setting lecturer_token) may cancel or delete it, as "
            "Authorization: Bearer <token>."
        )
    else:
        message = (
            "Only the job's token (returned by POST /api/models) or the lecturer token may cancel or "
            f"delete model {model_id}: send it as Authorization: Bearer <token>."
        )
    return {"detail": {"type": "forbidden", "message": message}}


def unauthorized(model_id: str) -> dict[str, Any]:
    message = (
        f"Cancelling or deleting model {model_id} needs a token: send the job's token (returned by "
        "POST /api/models) or the lecturer token as Authorization: Bearer <token>."
    )
    return {"detail": {"type": "unauthorized", "message": message}}


def test_a_new_job_answers_its_token_once_and_where_it_lives(owned: TestClient) -> None:
    accepted = owned.post("/api/models", json=MOONS)
    assert accepted.status_code == 202
    model_id, token = accepted.json()["id"], accepted.json()["token"]
    assert accepted.headers["location"] == f"/api/models/{model_id}"
    assert len(token) >= 40
    shown = owned.get(accepted.headers["location"])
    listed = owned.get("/api/models")
    assert token not in shown.text and token not in listed.text and "token" not in shown.json()
    stored = ModelStore(owned.app.state.settings.data_dir).get(model_id)  # type: ignore[attr-defined]
    assert stored.owner_token_hash == hashlib.sha256(token.encode()).hexdigest()  # only its hash


def test_only_the_jobs_token_or_the_lecturer_cancels_it(owned: TestClient) -> None:
    running, running_owner = submit(owned, LONG_MNIST)  # holds the one worker: the others wait
    wait_for(owned, running, {"running"})
    mine, mine_owner = submit(owned, MOONS)
    theirs, theirs_owner = submit(owned, {**MOONS, "seed": 1})  # not identical: its own job
    store = ModelStore(owned.app.state.settings.data_dir)  # type: ignore[attr-defined]
    legacy = store.create(TrainConfig().resolved().model_dump(mode="json"))  # as before tokens
    assert legacy is not None

    for headers in ({}, bearer(""), {"Authorization": "Basic " + mine_owner["Authorization"][7:]}):
        refused = owned.post(f"/api/models/{mine}/cancel", headers=headers)  # no bearer token: 401
        assert (refused.status_code, refused.json()) == (401, unauthorized(mine)), headers
        assert refused.headers["www-authenticate"] == "Bearer"
    refused = owned.post(f"/api/models/{mine}/cancel", headers=theirs_owner)  # somebody else's: 403
    assert (refused.status_code, refused.json()) == (403, forbidden(mine))
    assert owned.get(f"/api/models/{mine}").json()["status"] == "queued"  # untouched
    assert owned.post(f"/api/models/{mine}/cancel", headers=mine_owner).json()["status"] == "cancelled"
    assert (
        owned.post(f"/api/models/{theirs}/cancel", headers=bearer(LECTURER)).json()["status"] == "cancelled"
    )

    old = owned.post(f"/api/models/{legacy.id}/cancel", headers=mine_owner)
    assert (old.status_code, old.json()) == (403, forbidden(legacy.id, tokenless=True))
    assert owned.post(f"/api/models/{legacy.id}/cancel", headers=bearer(LECTURER)).status_code == 200
    unknown = owned.post("/api/models/0123abcd/cancel", headers=mine_owner)
    assert unknown.status_code == 404  # an unknown id is not a secret: every id is listed
    owned.post(f"/api/models/{running}/cancel", headers=running_owner)
    wait_for(owned, running, {"cancelled"}, timeout=10)


def test_delete_removes_record_curves_and_weights_with_the_token(owned: TestClient) -> None:
    data_dir = owned.app.state.settings.data_dir  # type: ignore[attr-defined]
    model_id, owner = submit(owned, MOONS)
    done = wait_for(owned, model_id, {"done", "failed"})
    assert done["status"] == "done", done["error"]
    weights = data_dir / "weights" / f"{model_id}.pt"
    assert weights.is_file() and ModelStore(data_dir).points(model_id)

    other, other_owner = submit(owned, {**MOONS, "seed": 2})
    refused = owned.delete(f"/api/models/{model_id}", headers=other_owner)
    assert (refused.status_code, refused.json()) == (403, forbidden(model_id))
    assert weights.is_file()
    deleted = owned.delete(f"/api/models/{model_id}", headers=owner)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert owned.get(f"/api/models/{model_id}").status_code == 404
    assert not weights.exists() and not ModelStore(data_dir).points(model_id)
    assert owned.delete(f"/api/models/{model_id}", headers=owner).status_code == 404
    assert model_id not in [m["id"] for m in owned.get("/api/models").json()["items"]]
    wait_for(owned, other, {"done", "failed"})
    assert owned.delete(f"/api/models/{other}", headers=bearer(LECTURER)).status_code == 204


def test_deleting_an_active_job_is_409(owned: TestClient) -> None:
    running, owner = submit(owned, LONG_MNIST)
    wait_for(owned, running, {"running"})
    active = owned.delete(f"/api/models/{running}", headers=owner)
    assert active.status_code == 409
    assert active.json()["detail"] == {
        "type": "conflict",
        "message": f"model {running} is running: cancel it before deleting it",
    }
    owned.post(f"/api/models/{running}/cancel", headers=owner)
    wait_for(owned, running, {"cancelled"}, timeout=10)
    assert owned.delete(f"/api/models/{running}", headers=owner).status_code == 204
