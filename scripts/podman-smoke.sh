#!/usr/bin/env bash
# Build the image with podman (no Docker daemon here), run it with the documented command, and
# smoke-test it: /api/health, the page, a trace, a refused program, the non-root user, the
# HEALTHCHECK, JSON logs, download-mnist from a local mirror, backup and restore, a systemd unit.
# Not part of the test suite (it takes minutes); its result is recorded in docs/deployment.md.
#
# Prerequisites (installed from Debian when missing, as root): podman, runc, debootstrap, curl.
# runc, not Debian's default crun: crun cannot start these containers on cgroup v1 hosts.
#
# Usage (root): scripts/podman-smoke.sh
#   TORCH_WHEEL=/path/torch-2.13.0+cpu-….whl  the local wheel (default: /opt/wheels, then pip's cache)
#   BASE=image                                 base image (default: bootstrapped Debian bookworm)
#   PODMAN_OPTS="--storage-driver vfs"         global podman options (default: none, podman's own
#                                              storage driver; a store keeps the driver it began with)
#   MNIST_SOURCE=folder                        the MNIST gzip files the local mirror serves
#                                              (default: ../shared/data/mnist)
#   PODMAN_COMPOSE=path                        podman-compose to validate the compose file with
#                                              (default: on PATH, else Debian's is installed)
#   KEEP_IMAGE=1                               keep the built image afterwards
#   REUSE_IMAGE=1                              skip the build when the image is already there
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck disable=SC2206  # PODMAN_OPTS is a list of words on purpose
PODMAN=(podman ${PODMAN_OPTS:-})
BASE="${BASE:-localhost/debian-python:bookworm}"
IMAGE="localhost/autograd-explorer:smoke"
NAME="autograd-explorer-smoke"
# Not the documented autograd-explorer-data: a smoke test must never touch a real class's models.
VOLUME="autograd-explorer-smoke-data"
RESTORED="autograd-explorer-smoke-restored"
PORT="${PORT:-18765}"
MIRROR_PORT="${MIRROR_PORT:-18766}"
MNIST_SOURCE="${MNIST_SOURCE:-$REPO/../shared/data/mnist}"
CONTEXT="$(mktemp -d /var/tmp/autograd-explorer-context.XXXXXX)"
REPORT="$REPO/test-output/podman-smoke.txt"
MIRROR_PID=""
mkdir -p "$(dirname "$REPORT")"
: > "$REPORT"

say() { echo "$*" | tee -a "$REPORT"; }
cleanup() {
  [ -n "$MIRROR_PID" ] && kill "$MIRROR_PID" 2>/dev/null || true
  "${PODMAN[@]}" rm -f "$NAME" >/dev/null 2>&1 || true
  "${PODMAN[@]}" volume rm -f "$VOLUME" "$RESTORED" >/dev/null 2>&1 || true
  # the image is kept after a failure (to look into) and when asked for
  [ "${KEEP_IMAGE:-0}" = 1 ] || [ "${SMOKE_OK:-0}" = 0 ] || "${PODMAN[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
  rm -rf "$CONTEXT"
}
trap cleanup EXIT
fail() { say "FAIL: $*"; "${PODMAN[@]}" logs "$NAME" 2>&1 | tail -40 || true; exit 1; }

# find_wheel, require_tools, require_podman_compose, wait_for
# shellcheck source=scripts/podman-lib.sh
. "$REPO/scripts/podman-lib.sh"

# 0. prerequisites, checked before anything slow (the debootstrap takes a minute and more)
require_tools podman runc debootstrap curl
# The storage must work as configured before we spend minutes on a base image.
driver=$("${PODMAN[@]}" info --format '{{.Store.GraphDriverName}}' 2>&1) \
  || fail "podman's storage does not start: $driver (a store keeps the driver it was created with; see PODMAN_OPTS)"
say "podman smoke test, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(podman --version), runtime runc, storage $driver, cgroups $("${PODMAN[@]}" info --format '{{.Host.CgroupsVersion}}')"

# 0b. the compose file under podman-compose, both profiles (seconds: it runs before anything slow).
# PODMAN_COMPOSE names the executable; else the one on PATH; else Debian's podman-compose.
require_podman_compose
for profile in "" "--profile scale"; do
  # shellcheck disable=SC2086  # $profile is two words or none on purpose
  services=$("$PODMAN_COMPOSE" -f "$REPO/docker-compose.yml" $profile config 2>&1 | grep -E '^  [a-z]+:$' | tr -d ' :' | sort | tr '\n' ' ') \
    || fail "podman-compose config ${profile:-(plain up)}"
  say "podman-compose config ${profile:-(plain up)}: services ${services}"
done

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

# 4. run with docs/deployment.md's command (the compose file's limits), on host networking
started=$(date +%s)
HEALTHCHECK_CONFIG=$("${PODMAN[@]}" image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
grep -q autograd_explorer.healthcheck <<<"$HEALTHCHECK_CONFIG" || fail "no HEALTHCHECK in the image (built without --format docker?)"
# nofile as documented (4096), unless the host's hard limit is lower: runc cannot raise it.
NOFILE=$(( $(ulimit -Hn) < 4096 ? $(ulimit -Hn) : 4096 ))
"${PODMAN[@]}" run -d --runtime runc --network host --name "$NAME" \
  -v "$VOLUME":/data \
  --restart unless-stopped --cpus 2 --memory 4g \
  --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
  --ulimit nofile="$NOFILE":"$NOFILE" --ulimit nproc=4096:4096 \
  -e AUTOGRAD_EXPLORER_EVAL_WORKERS=2 -e AUTOGRAD_EXPLORER_TRAINING_WORKERS=1 \
  -e AUTOGRAD_EXPLORER_MAX_CONCURRENT_REQUESTS=64 \
  -e AUTOGRAD_EXPLORER_PORT="$PORT" "$IMAGE" >/dev/null || fail "run"
URL="http://127.0.0.1:$PORT"
wait_for 240 0.5 curl -fsS "$URL/api/health" || fail "/api/health never answered"
health=$(curl -fsS "$URL/api/health") || fail "/api/health answered, then not"
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

# 6. every log line is JSON, uvicorn's own included
"${PODMAN[@]}" logs "$NAME" 2>&1 | python3 -c '
import json, sys
lines = [l for l in sys.stdin if l.strip()]
for l in lines:
    json.loads(l)
assert any("Application startup complete" in json.loads(l).get("message", "") for l in lines)
' || fail "a log line is not JSON"
say "logs: JSON lines only"

# 7. download-mnist from a local mirror (the setting MNIST_URL), into the volume's /data/mnist
[ -f "$MNIST_SOURCE/t10k-labels-idx1-ubyte.gz" ] || fail "no MNIST gzip files in $MNIST_SOURCE"
python3 -m http.server "$MIRROR_PORT" --bind 127.0.0.1 --directory "$MNIST_SOURCE" >/dev/null 2>&1 &
MIRROR_PID=$!
sleep 1
"${PODMAN[@]}" exec -e AUTOGRAD_EXPLORER_MNIST_URL="http://127.0.0.1:$MIRROR_PORT/" "$NAME" \
  autograd-explorer download-mnist || fail "download-mnist"
count=$("${PODMAN[@]}" exec "$NAME" sh -c 'ls /data/mnist/*.gz | wc -l')
[ "$count" = 4 ] || fail "download-mnist left $count files"
say "download-mnist from a local mirror: 4 files in /data/mnist"

# 8. backup and restore as documented: the app's own image, nothing pulled (plus the ulimits a
# host with a low hard open-files limit needs on every podman run; docs/deployment.md says so)
LIMITS=(--runtime runc --ulimit nofile="$NOFILE":"$NOFILE" --ulimit nproc=4096:4096)
"${PODMAN[@]}" stop "$NAME" >/dev/null
"${PODMAN[@]}" run --rm "${LIMITS[@]}" -v "$VOLUME":/data:ro --entrypoint tar "$IMAGE" czf - -C /data . \
  > "$CONTEXT/backup.tgz" || fail "backup"
"${PODMAN[@]}" run --rm -i "${LIMITS[@]}" -v "$RESTORED":/data --entrypoint tar "$IMAGE" xzf - -C /data \
  < "$CONTEXT/backup.tgz" || fail "restore"
restored=$("${PODMAN[@]}" run --rm "${LIMITS[@]}" -v "$RESTORED":/data --entrypoint sh "$IMAGE" \
  -c 'ls /data/mnist/*.gz | wc -l; ls /data | head -20')
grep -q '^4$' <<<"$restored" || fail "restore lacks MNIST: $restored"
say "backup $(( $(stat -c %s "$CONTEXT/backup.tgz") / 1000000 )) MB, restored into a new volume: $(tr '\n' ' ' <<<"$restored")"

# 9. a systemd unit, since nothing restarts a podman container after a reboot otherwise
unit=$("${PODMAN[@]}" generate systemd --new --name "$NAME") || fail "podman generate systemd"
grep -q "ExecStart=.*podman.* run" <<<"$unit" || fail "the systemd unit has no ExecStart"
say "podman generate systemd --new: a unit that runs the same command"
say "OK"
SMOKE_OK=1
