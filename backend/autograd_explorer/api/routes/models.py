"""/api/models: training jobs, their records and curves, live events, and serving trained models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from autograd_explorer.api.deps import LastEventIdHeader, SettingsDep
from autograd_explorer.api.errors import answers
from autograd_explorer.api.event_streams import TRAINING_EVENTS
from autograd_explorer.api.paging import CURSOR_PATTERN, page_after
from autograd_explorer.api.responses import PreparedJSONResponse, event_stream
from autograd_explorer.api.schemas.models import (
    BoundaryOut,
    ImagePrediction,
    JobAccepted,
    MisclassifiedOut,
    ModelOut,
    ModelPage,
    PointsPrediction,
    PredictRequest,
    TrainRequest,
)
from autograd_explorer.api.schemas.series import EVERY_DESCRIPTION, MAX_EVERY
from autograd_explorer.api.schemas.trace import TraceResponse
from autograd_explorer.errors import (
    Conflict,
    DataUnavailable,
    Forbidden,
    InvalidRequest,
    NotFound,
    Overloaded,
    ProgramError,
    Unauthorized,
)
from autograd_explorer.jobs.events import job_events, resume_after
from autograd_explorer.jobs.ownership import may_manage, new_job_token
from autograd_explorer.jobs.runner import JobRunner
from autograd_explorer.store.loaded import trained_model
from autograd_explorer.store.records import ModelRecord
from autograd_explorer.trace.values import whole_tensor_value
from autograd_explorer.train import inference
from autograd_explorer.train.prediction_graph import trace_prediction

router = APIRouter(prefix="/api/models", tags=["models"])
ModelId = Annotated[str, Path(description="a model id as returned by POST /api/models", max_length=64)]


def get_runner(request: Request) -> JobRunner:
    """The app's job runner (started by the lifespan)."""
    runner: JobRunner = request.app.state.runner
    return runner


RunnerDep = Annotated[JobRunner, Depends(get_runner)]
# Without auto_error: a missing or malformed header is our 403 in the app's error shape.
bearer = HTTPBearer(
    auto_error=False, description="the job token from POST /api/models, or the lecturer token"
)
# What each kind of route may answer besides its 2xx (the shared 422/503 come from api/openapi.py).
MANAGE = answers(NotFound, Unauthorized, Forbidden, Conflict)
SERVE = answers(NotFound, Conflict, InvalidRequest, DataUnavailable)


def managed_model(
    model_id: ModelId,
    runner: RunnerDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ModelRecord:
    """The record of a job the caller may cancel or delete; 404 if unknown, 401 without a bearer token,
    403 with a token that is not the job's (nor the lecturer's)."""
    record = runner.store.get(model_id)
    lecturer = settings.lecturer_token.get_secret_value() if settings.lecturer_token else None
    if may_manage(record, credentials.credentials if credentials else None, lecturer):
        return record
    if credentials is None or not credentials.credentials:
        raise Unauthorized(
            f"Cancelling or deleting model {model_id} needs a token: send the job's token (returned by "
            "POST /api/models) or the lecturer token as Authorization: Bearer <token>."
        )
    if record.requests > 1:
        message = (
            f"Model {model_id} answers {record.requests} identical training requests: only the lecturer "
            "token (setting lecturer_token) may cancel or delete it, as Authorization: Bearer <token>."
        )
    elif record.owner_token_hash:
        message = (
            f"Only the job's token (returned by POST /api/models) or the lecturer token may cancel or "
            f"delete model {model_id}: send it as Authorization: Bearer <token>."
        )
    else:
        message = (
            f"Model {model_id} was created without a job token (before tokens existed, or by the CLI): "
            "only the lecturer token (setting lecturer_token) may cancel or delete it, as "
            "Authorization: Bearer <token>."
        )
    raise Forbidden(message)


ManagedModel = Annotated[ModelRecord, Depends(managed_model)]


def _model_out(runner: JobRunner, record: ModelRecord, every: int = 1) -> ModelOut:
    return ModelOut.of(record, [p for _, p in runner.store.points(record.id)], every)


Every = Annotated[int, Query(ge=1, le=MAX_EVERY, description=f"curves: {EVERY_DESCRIPTION}")]


@router.post(
    "",
    status_code=202,
    response_model=JobAccepted,
    responses=answers(InvalidRequest, Overloaded, DataUnavailable),
)
def train_model(body: TrainRequest, runner: RunnerDep, response: Response) -> JobAccepted:
    """Queue a training job; 202 with its id and job token (503 when the queue is full or MNIST is missing).

    The token is shown this once: it cancels or deletes the job (Authorization: Bearer <token>).
    A request identical to a queued, running or done job (same data, model, optimizer, steps,
    seed) answers that job's id, `deduplicated: true` and no token.
    """
    token, token_hash = new_job_token()
    record, created = runner.submit(body, owner_token_hash=token_hash)
    response.headers["Location"] = f"{router.prefix}/{record.id}"
    return JobAccepted(
        id=record.id, status=record.status, token=token if created else None, deduplicated=not created
    )


@router.get("", response_model=ModelPage, responses=answers(InvalidRequest))
def list_models(
    runner: RunnerDep,
    settings: SettingsDep,
    curve: Annotated[bool, Query(description="include each model's curve")] = False,
    curves: Annotated[
        bool | None,
        Query(deprecated=True, description="the old name of curve, accepted until API 7.0.0"),
    ] = None,
    every: Every = 1,
    limit: Annotated[int, Query(ge=1, description="records per page")] = 100,
    cursor: Annotated[
        str | None, Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page")
    ] = None,
) -> ModelPage:
    """Models and jobs, oldest first, a page at a time (follow next_cursor until it is null)."""
    if limit > settings.max_models_page:
        raise InvalidRequest(
            f"limit must be at most {settings.max_models_page} (setting max_models_page)", "limit"
        )
    if curves is not None and curve:
        raise InvalidRequest("give curve only: curves is its old, deprecated name", "curves")
    records, next_cursor = page_after(runner.store.records(), cursor, limit)
    items = [_model_out(runner, r, every) if curve or curves else ModelOut.of(r) for r in records]
    return ModelPage(items=items, next_cursor=next_cursor)


@router.get("/{model_id}", response_model=ModelOut, responses=answers(NotFound))
def get_model(model_id: ModelId, runner: RunnerDep, every: Every = 1) -> ModelOut:
    """One model with its curve (columns: `curve.step`, `curve.test_loss`, …)."""
    return _model_out(runner, runner.store.get(model_id), every)


@router.post("/{model_id}/cancel", response_model=ModelOut, responses=MANAGE)
def cancel_model(record: ManagedModel, runner: RunnerDep) -> ModelOut:
    """Cancel a queued job, or stop a running one (409 if it has already finished); needs its token."""
    return _model_out(runner, runner.cancel(record.id))


@router.delete("/{model_id}", status_code=204, response_class=Response, responses=MANAGE)
def delete_model(record: ManagedModel, runner: RunnerDep) -> Response:
    """Remove a finished model: record, curves and weights (409 while queued or running); needs its token."""
    runner.delete(record.id)
    return Response(status_code=204)


@router.get(
    "/{model_id}/events",
    response_class=StreamingResponse,
    responses=answers(InvalidRequest, NotFound) | TRAINING_EVENTS.answer(),
)
def model_events(
    model_id: ModelId,
    request: Request,
    runner: RunnerDep,
    settings: SettingsDep,
    last_event_id: LastEventIdHeader = None,
) -> StreamingResponse:
    """text/event-stream: `progress` events with the new curve points, then `end` with the record."""
    after = resume_after(last_event_id)  # 400 naming the header before the stream starts
    runner.store.get(model_id)  # 404 before the stream starts
    stream = job_events(
        runner.store,
        model_id,
        last_event_id=after,
        poll_seconds=settings.events_poll_seconds,
        max_seconds=settings.events_stream_seconds,
        describe=lambda record: _model_out(runner, record).model_dump(mode="json"),
        disconnected=request.is_disconnected,
    )
    return event_stream(stream)


@router.post("/{model_id}/predict", response_model=ImagePrediction | PointsPrediction, responses=SERVE)
def predict(
    model_id: ModelId, body: PredictRequest, runner: RunnerDep, settings: SettingsDep
) -> ImagePrediction | PointsPrediction:
    """Probability, class and saliency (d probability / d input by autograd) of an image or points."""
    config, model = trained_model(settings.data_dir, runner.store.get(model_id))
    x = inference.model_input(config, body.values(), normalized=body.normalized)
    if x.shape[0] > settings.max_predict_points:
        raise InvalidRequest(
            f"at most {settings.max_predict_points} points per request (setting max_predict_points)", "input"
        )
    result = inference.predict(model, x)
    if config.is_mnist:
        probability = float(result.probabilities[0])
        predicted = int(result.classes[0])
        return ImagePrediction(
            probability=probability,
            predicted_class=predicted,
            class_name="odd" if predicted == 1 else "even",
            saliency=whole_tensor_value(result.saliency.reshape(28, 28)),
            logit_saliency=whole_tensor_value(result.logit_saliency.reshape(28, 28)),
        )
    return PointsPrediction(
        probabilities=whole_tensor_value(result.probabilities),
        predicted_classes=whole_tensor_value(result.classes),
        saliency=whole_tensor_value(result.saliency),
        logit_saliency=whole_tensor_value(result.logit_saliency),
    )


@router.post(
    "/{model_id}/graph",
    response_model=TraceResponse,
    responses=answers(NotFound, Conflict, InvalidRequest, ProgramError),
)
def prediction_graph(
    model_id: ModelId, body: PredictRequest, runner: RunnerDep, settings: SettingsDep
) -> PreparedJSONResponse:
    """The traced autograd graph of one prediction (the trace engine's payload): P, then its backward."""
    config, model = trained_model(settings.data_dir, runner.store.get(model_id))
    x = inference.model_input(config, body.values(), normalized=body.normalized)
    return PreparedJSONResponse(trace_prediction(model, x, settings))  # the trace engine's own JSON


@router.get("/{model_id}/misclassified", response_model=MisclassifiedOut, responses=SERVE)
def misclassified(
    model_id: ModelId,
    runner: RunnerDep,
    settings: SettingsDep,
    other: Annotated[str | None, Query(description="another model: examples both get wrong")] = None,
    limit: Annotated[int, Query(ge=1)] = 36,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{1,9}$", description="next_cursor of the previous page (a test index)"),
    ] = None,
) -> MisclassifiedOut:
    """Test examples the model (and `other`, if given) gets wrong, with pixels for MNIST."""
    if limit > settings.max_misclassified:
        raise InvalidRequest(f"limit must be at most {settings.max_misclassified}", "limit")
    config, model = trained_model(settings.data_dir, runner.store.get(model_id))
    models, ids = [model], [model_id]
    if other is not None:
        other_config, other_model = trained_model(settings.data_dir, runner.store.get(other))
        config = inference.common_test_config(config, other_config)
        models.append(other_model)
        ids.append(other)
    after = -1 if cursor is None else int(cursor)
    found = inference.misclassified(models, config, settings.mnist_dir, limit, after)
    next_after = found.pop("next_after")
    return MisclassifiedOut(models=ids, next_cursor=None if next_after is None else str(next_after), **found)


@router.get("/{model_id}/boundary", response_model=BoundaryOut, responses=SERVE)
def boundary(
    model_id: ModelId,
    runner: RunnerDep,
    settings: SettingsDep,
    grid: Annotated[int | None, Query(ge=2, description="grid × grid points (default 60)")] = None,
    resolution: Annotated[
        int | None,
        Query(ge=2, deprecated=True, description="the old name of grid, accepted until API 7.0.0"),
    ] = None,
) -> BoundaryOut:
    """P(class 1) on a grid over a 2-D model's data (also mid-training, from its latest snapshot)."""
    if grid is not None and resolution is not None:
        raise InvalidRequest("give grid only: resolution is its old, deprecated name", "resolution")
    side = grid or resolution or 60
    if side > settings.max_boundary_resolution:
        raise InvalidRequest(
            f"grid must be at most {settings.max_boundary_resolution} (setting max_boundary_resolution)",
            "grid" if grid is not None else "resolution",
        )
    record = runner.store.get(model_id)
    if record.config.get("dataset") == "mnist_parity":
        raise InvalidRequest(
            "a decision boundary exists only for 2-D data sets; this model is MNIST", "model_id"
        )
    parsed, model = trained_model(settings.data_dir, record)
    found = inference.boundary(model, parsed, side)
    return BoundaryOut(status=record.status, progress=record.progress, **found)
