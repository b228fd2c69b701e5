#!/usr/bin/env bash
# Build the image with podman (no Docker daemon here), run it, and smoke-test it: /api/health,
# the page, a trace, a refused program, the non-root user and the HEALTHCHECK. Not part of the
# test suite (it takes minutes); its result is recorded in docs/deployment.md.
#
# Usage (root): scripts/podman-smoke.sh
#   TORCH_WHEEL=/path/torch-2.13.0+cpu-….whl  the local wheel (default: /opt/wheels, then pip's cache)
#   BASE=image                                 base image (default: bootstrapped Debian bookworm)
#   PODMAN_OPTS="--storage-driver vfs"         global podman options (default overlay; vfs where overlay
#                                              cannot mount, about 10x slower to build)
#   KEEP_IMAGE=1                               keep the built image afterwards
#   REUSE_IMAGE=1                              skip the build when the image is already there
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PODMAN=(podman ${PODMAN_OPTS:---storage-driver overlay})
BASE="${BASE:-localhost/debian-python:bookworm}"
IMAGE="localhost/autograd-explorer:smoke"
NAME="autograd-explorer-smoke"
VOLUME="autograd-explorer-smoke-data"
PORT="${PORT:-18765}"
CONTEXT="$(mktemp -d /var/tmp/autograd-explorer-context.XXXXXX)"
REPORT="$REPO/test-output/podman-smoke.txt"
mkdir -p "$(dirname "$REPORT")"
: > "$REPORT"

say() { echo "$*" | tee -a "$REPORT"; }
cleanup() {
  "${PODMAN[@]}" rm -f "$NAME" >/dev/null 2>&1 || true
  "${PODMAN[@]}" volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  # the image is kept after a failure (to look into) and when asked for
  [ "${KEEP_IMAGE:-0}" = 1 ] || [ "${SMOKE_OK:-0}" = 0 ] || "${PODMAN[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
  rm -rf "$CONTEXT"
}
trap cleanup EXIT
fail() { say "FAIL: $*"; "${PODMAN[@]}" logs "$NAME" 2>&1 | tail -40 || true; exit 1; }

find_wheel() {
  if [ -n "${TORCH_WHEEL:-}" ]; then echo "$TORCH_WHEEL"; return; fi
  local found
  found="$(ls /opt/wheels/torch-2.13.0+cpu-*.whl 2>/dev/null | head -1 || true)"
  [ -z "$found" ] && found="$(find "$(pip cache dir 2>/dev/null || echo /nonexistent)" -name 'torch-2.13.0+cpu-*.whl' 2>/dev/null | head -1 || true)"
  echo "$found"
}

say "podman smoke test, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(podman --version), runtime runc"

# 1. the base image: bootstrapped from Debian, since no registry pull works here
if [ "$BASE" = localhost/debian-python:bookworm ]; then
  PODMAN_OPTS="${PODMAN[*]:1}" "$REPO/scripts/bootstrap-base-image.sh" "$BASE"
fi

# 2. a snapshot of the working tree as the build context (others may be editing it), plus the wheel
cd "$REPO"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$CONTEXT" -xf -
[ -f "$CONTEXT/README.md" ] || echo "# Autograd Explorer" > "$CONTEXT/README.md"
WHEEL="$(find_wheel)"
[ -n "$WHEEL" ] || fail "no local torch 2.13.0+cpu wheel (set TORCH_WHEEL)"
mkdir -p "$CONTEXT/wheels"
cp "$WHEEL" "$CONTEXT/wheels/"
say "torch wheel: $(basename "$WHEEL")"

# 3. build (REUSE_IMAGE=1 skips it when the image is there from a previous run)
started=$(date +%s)
if [ "${REUSE_IMAGE:-0}" = 1 ] && "${PODMAN[@]}" image exists "$IMAGE"; then
  say "build: reused $IMAGE"
else
"${PODMAN[@]}" build --format docker --runtime runc --network host --build-arg BASE="$BASE" -t "$IMAGE" "$CONTEXT" \
  > "$REPO/test-output/podman-build.log" 2>&1 || { tail -30 "$REPO/test-output/podman-build.log"; fail "build"; }
say "build: $(( $(date +%s) - started )) s"
fi
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
say "image size: $(( size / 1000000 )) MB (base $(( $("${PODMAN[@]}" image inspect --format '{{.Size}}' "$BASE") / 1000000 )) MB)"
say "image user: $("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$IMAGE")"

# 4. run with the compose file's limits and a named volume
started=$(date +%s)
# Explicit rlimits: podman's defaults (nofile 1048576) are above this host's hard limits, which
# runc may not raise; 4096 processes is plenty for the server and its worker pools.
"${PODMAN[@]}" run -d --runtime runc --network host --name "$NAME" \
  --ulimit nofile="$(ulimit -Hn)":"$(ulimit -Hn)" --ulimit nproc=4096:4096 \
  --cpus 2 --memory 4g --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
  -e AUTOGRAD_EXPLORER_PORT="$PORT" -v "$VOLUME":/data "$IMAGE" >/dev/null || fail "run"
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 240); do
  curl -fsS "$URL/api/health" >/dev/null 2>&1 && break
  sleep 0.5
done
health=$(curl -fsS "$URL/api/health") || fail "/api/health never answered"
say "healthy after: $(( $(date +%s) - started )) s: $health"

# 5. what a new user does: open the page, trace x³ − 3x at 1, get refused for an escape
page=$(curl -fsS "$URL/") || fail "GET /"
grep -qi "<html" <<<"$page" || fail "GET / is not HTML"
headers=$(curl -fsS -D - -o /dev/null "$URL/")
grep -qi "content-security-policy" <<<"$headers" || fail "no CSP header on /"
say "page: $(wc -c <<<"$page") bytes of HTML with security headers"

t0=$(date +%s%N)
trace=$(curl -fsS -H 'content-type: application/json' \
  -d '{"source": "x**3 - 3*x", "inputs": {"x": 1.0}}' "$URL/api/trace") || fail "POST /api/trace"
t1=$(date +%s%N)
python3 - "$trace" <<'PY' || fail "trace payload"
import json, sys
t = json.loads(sys.argv[1])
assert t["grads"]["x"]["data"] == 0.0, t["grads"]
assert len(t["passes"][-1]["steps"]) >= 3, t["passes"]
PY
say "trace x**3 - 3*x at x=1: x.grad = 0, $(( (t1 - t0) / 1000000 )) ms (first request)"

status=$(curl -s -o /tmp/smoke-refused.json -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"source": "().__class__.__mro__"}' "$URL/api/trace")
[ "$status" = 400 ] || fail "escape answered $status"
say "escape refused: 400 $(cat /tmp/smoke-refused.json)"

uid=$("${PODMAN[@]}" exec "$NAME" id -u)
[ "$uid" = 10001 ] || fail "runs as uid $uid"
"${PODMAN[@]}" exec "$NAME" sh -c 'touch /data/.write-test && rm /data/.write-test' || fail "/data not writable"
"${PODMAN[@]}" healthcheck run "$NAME" >/dev/null || fail "HEALTHCHECK"
say "runs as uid $uid, /data writable, HEALTHCHECK passes"
say "memory in use after the smoke test: $("${PODMAN[@]}" stats --no-stream --format '{{.MemUsage}}' "$NAME" 2>/dev/null || echo n/a)"
say "OK"
SMOKE_OK=1
