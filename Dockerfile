# Autograd Explorer: one container serving the web app and REST API for a classroom.
# Build:  docker build -t autograd-explorer .
# Local torch wheel instead of the index: put it in wheels/ (see docs/deployment.md).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}

# The CPU build of torch keeps the image small (the default PyPI wheel pulls in CUDA).
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# Graphviz's `dot` renders torchviz's SVG on the server; the browser can draw DOT without it.
ARG WITH_GRAPHVIZ=1

LABEL org.opencontainers.image.title="Autograd Explorer" \
      org.opencontainers.image.description="PyTorch's autograd made visible: graphs, values, backward step by step."

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# hadolint ignore=DL3008
RUN if [ "$WITH_GRAPHVIZ" = 1 ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends graphviz \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /data/mnist /app \
    && chown -R app:app /data

# torch first and pinned, from a local wheel when wheels/ has one, else from the CPU index
# (the wheel's file name carries the pinned version, so DL3013 does not apply).
# hadolint ignore=DL3013
RUN --mount=type=bind,source=wheels,target=/wheels \
    python3 -m venv /opt/venv \
    && set -- /wheels/torch-"${TORCH_VERSION}"*.whl \
    && if [ -e "$1" ]; then \
           pip install "$1"; \
       else \
           pip install --index-url "$TORCH_INDEX_URL" "torch==${TORCH_VERSION}"; \
       fi

WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY backend ./backend
# The app and its server extra, at the exact versions of constraints.txt (pyproject.toml has ranges).
RUN pip install -c constraints.txt '.[server]' && rm -rf build backend/*.egg-info
COPY frontend ./frontend

# Every setting comes from AUTOGRAD_EXPLORER_* variables; these are the container's defaults.
ENV AUTOGRAD_EXPLORER_HOST=0.0.0.0 \
    AUTOGRAD_EXPLORER_PORT=8000 \
    AUTOGRAD_EXPLORER_DATA_DIR=/data \
    AUTOGRAD_EXPLORER_MNIST_DIR=/data/mnist \
    AUTOGRAD_EXPLORER_FRONTEND_DIR=/app/frontend \
    AUTOGRAD_EXPLORER_LOG_FORMAT=json

# Trained models, their SQLite records and MNIST (/data/mnist, there from the start so files can
# be copied in) live here: keep it across upgrades.
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000

# Readiness, not liveness: healthy once the evaluation workers and the job runner answer
# (/api/ready); /api/health answers earlier. Every 10 s: no --start-interval, which Debian's
# podman 4.3 (buildah) refuses to build ("flag provided but not defined"); compose adds one.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "autograd_explorer.healthcheck", "ready"]

# One server process: the CPU work runs in its own worker pools (eval_workers, training_workers).
# The middleware writes JSON access lines, so uvicorn's own are off.
CMD ["sh", "-c", "exec uvicorn autograd_explorer.api.main:app --host \"$AUTOGRAD_EXPLORER_HOST\" --port \"$AUTOGRAD_EXPLORER_PORT\" --no-access-log --timeout-graceful-shutdown 20"]
