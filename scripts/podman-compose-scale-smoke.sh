#!/usr/bin/env bash
# Bring the compose file's `scale` profile up for real with podman-compose (no Docker daemon here):
# nginx in front of two app replicas, two training workers, PostgreSQL and Redis, as
# `docker compose --profile scale up -d proxy worker` would. Then, through the proxy: open a room,
# PUT two steps and see them arrive on SSE streams served by every replica; POST a training job
# twice (one job), follow it to the end, see which worker trained it, predict with it; kill a
# worker's container mid-job and see the job finished all the same. Tear down.
# Not part of the test suite (minutes); its result is recorded in docs/deployment.md.
#
# No registry is reachable here, so every image is built locally from a debootstrapped Debian
# (scripts/bootstrap-base-image.sh): the app image from the Dockerfile (torch from the local CPU
# wheel), and stand-ins for nginx, postgres and redis from deploy/local-images (Debian's packages),
# named to compose through AUTOGRAD_EXPLORER_{NGINX,POSTGRES,REDIS}_IMAGE.
#
# It never touches a real class: its own compose project, image tag, volumes and port.
#
# Prerequisites (installed from Debian when missing, as root): podman, runc, debootstrap, python3, curl;
# podman-compose (PODMAN_COMPOSE, else the one on PATH, else Debian's).
#
# Usage (root): scripts/podman-compose-scale-smoke.sh
#   TORCH_WHEEL=/path/torch-2.13.0+cpu-….whl  the local wheel (default: /opt/wheels, then pip's cache)
#   PORT=18080                                 the proxy's port on the host
#   STREAMS=6                                  SSE students following the room through the proxy
#   REUSE_IMAGES=1                             skip a build whose image is already there
#   KEEP_IMAGES=1                              keep the four images afterwards
#   SKIP_KILL=1                                skip killing a worker mid-job (it waits out the 30 s lease)
#   KEEP_UP=1                                  leave the stack running (tear down: see the end)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
# runc, not Debian's default crun: crun cannot start these containers on cgroup v1 hosts.
PODMAN=(podman --runtime runc)
PROJECT=autograd-explorer-scale-smoke
TAG=scale-smoke
APP_IMAGE="localhost/autograd-explorer:$TAG"
BASE=localhost/debian-python:bookworm
PORT="${PORT:-18080}"
STREAMS="${STREAMS:-6}"
CONTEXT="$(mktemp -d /var/tmp/autograd-explorer-scale-context.XXXXXX)"
REPORT="$REPO/test-output/podman-compose-scale-smoke.txt"
mkdir -p "$(dirname "$REPORT")"
: > "$REPORT"

# The profile's services; its volumes renamed so that a real class's records are never touched.
export AUTOGRAD_EXPLORER_IMAGE="$APP_IMAGE"
export AUTOGRAD_EXPLORER_NGINX_IMAGE="localhost/nginx:$TAG"
export AUTOGRAD_EXPLORER_POSTGRES_IMAGE="localhost/postgres:$TAG"
export AUTOGRAD_EXPLORER_REDIS_IMAGE="localhost/redis:$TAG"
export AUTOGRAD_EXPLORER_SCALE_PUBLISH="$PORT"
cat > "$CONTEXT/volumes.yml" <<EOF
volumes:
  autograd-shared:
    name: $PROJECT-shared
  autograd-postgres:
    name: $PROJECT-postgres
  autograd-redis:
    name: $PROJECT-redis
EOF

say() { echo "$*" | tee -a "$REPORT"; }
seconds_since() { echo $(( $(date +%s) - $1 )); }
compose() {
  "$PODMAN_COMPOSE" -p "$PROJECT" -f "$REPO/docker-compose.yml" -f "$CONTEXT/volumes.yml" \
    --podman-args="--runtime runc" --profile scale "$@"
}
# workers_logging <pattern>: the workers (worker_1, worker_2, each followed by a space) whose log has it
workers_logging() {
  local name found=""
  for name in "${PROJECT}_worker_1" "${PROJECT}_worker_2"; do
    # grep reads the whole log: -q would stop at the first match, and under pipefail the writer's
    # SIGPIPE would turn a found line into a failure
    "${PODMAN[@]}" logs "$name" 2>&1 | grep "$1" >/dev/null && found+="${name#"${PROJECT}_"} "
  done
  echo "$found"
}
containers() { "${PODMAN[@]}" ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'; }
teardown() {
  local anonymous
  # the image's VOLUME /data gives each app container an anonymous volume: remove those too
  anonymous=$(containers | xargs -r "${PODMAN[@]}" inspect --format \
    '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}} {{end}}{{end}}' 2>/dev/null || true)
  compose down >/dev/null 2>&1 || true
  # shellcheck disable=SC2086  # a list of volume names
  "${PODMAN[@]}" volume rm -f $anonymous "$PROJECT-shared" "$PROJECT-postgres" "$PROJECT-redis" >/dev/null 2>&1 || true
  "${PODMAN[@]}" network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
}
cleanup() {
  if [ "${KEEP_UP:-0}" = 1 ]; then
    echo "left running on port $PORT; tear down with: podman-compose -p $PROJECT --profile scale down," \
      "then podman volume rm $PROJECT-shared $PROJECT-postgres $PROJECT-redis (and the containers' /data volumes)"
  else
    teardown
  fi
  if [ "${KEEP_IMAGES:-0}" != 1 ] && [ "${SMOKE_OK:-0}" = 1 ]; then
    "${PODMAN[@]}" rmi -f "$APP_IMAGE" "$AUTOGRAD_EXPLORER_NGINX_IMAGE" "$AUTOGRAD_EXPLORER_POSTGRES_IMAGE" \
      "$AUTOGRAD_EXPLORER_REDIS_IMAGE" >/dev/null 2>&1 || true
  fi
  rm -rf "$CONTEXT"
}
trap cleanup EXIT
fail() {
  say "FAIL: $*"
  for name in $(containers); do
    echo "--- $name: $("${PODMAN[@]}" inspect --format '{{.State.Status}} (exit {{.State.ExitCode}})' "$name")"
    "${PODMAN[@]}" logs --tail 15 "$name" 2>&1 | cut -c1-300
  done
  exit 1
}

# find_wheel, require_tools, require_podman_compose, wait_for
# shellcheck source=scripts/podman-lib.sh
. "$REPO/scripts/podman-lib.sh"

# 0. prerequisites, checked before anything slow
require_tools podman runc debootstrap python3 curl
require_podman_compose
[ -z "$(containers)" ] || { echo "containers of $PROJECT exist: a previous run is still up" >&2; exit 1; }
say "podman-compose scale smoke test, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(podman --version), $("$PODMAN_COMPOSE" --version 2>/dev/null | grep -i 'podman-compose' | head -1), runtime runc, cgroups $(podman info --format '{{.Host.CgroupsVersion}}'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. images: the base (debootstrap), the app (the Dockerfile), the three stand-ins
build() {  # build <image> <what to say> <podman build arguments…>
  local image=$1 what=$2 started
  shift 2
  if [ "${REUSE_IMAGES:-0}" = 1 ] && "${PODMAN[@]}" image exists "$image"; then
    say "image $what: reused $image"
    return
  fi
  started=$(date +%s)
  "${PODMAN[@]}" build --format docker --network host --build-arg BASE="$BASE" -t "$image" "$@" \
    > "$REPO/test-output/podman-build-$TAG.log" 2>&1 || { tail -30 "$REPO/test-output/podman-build-$TAG.log"; fail "build $image"; }
  say "image $what: built in $(seconds_since "$started") s, $(( $("${PODMAN[@]}" image inspect --format '{{.Size}}' "$image") / 1000000 )) MB"
}
started=$(date +%s)
"$REPO/scripts/bootstrap-base-image.sh" "$BASE" >/dev/null
say "base image $BASE: ready after $(seconds_since "$started") s"
cd "$REPO"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$CONTEXT" -xf -
WHEEL="$(find_wheel)"
[ -n "$WHEEL" ] || fail "no local torch 2.13.0+cpu wheel (set TORCH_WHEEL)"
mkdir -p "$CONTEXT/wheels"
cp "$WHEEL" "$CONTEXT/wheels/"
build "$APP_IMAGE" "app" "$CONTEXT"
for part in nginx postgres redis; do
  build "localhost/$part:$TAG" "$part (stand-in)" -f "$REPO/deploy/local-images/$part.Dockerfile" "$REPO/deploy/local-images"
done

# 2. up. podman before 4.6 ignores `condition: service_healthy` (podman-compose says so and starts
# the replicas at once), so the stores come first and PostgreSQL is waited for here.
started=$(date +%s)
compose up -d postgres redis > "$REPO/test-output/podman-compose-up.log" 2>&1 || fail "podman-compose up postgres redis"
wait_for 120 1 "${PODMAN[@]}" exec "${PROJECT}_postgres_1" pg_isready -U explorer || fail "PostgreSQL never became ready"
say "postgres and redis up, PostgreSQL ready after $(seconds_since "$started") s"
started=$(date +%s)
compose up -d proxy worker >> "$REPO/test-output/podman-compose-up.log" 2>&1 || fail "podman-compose up proxy worker"
URL="http://127.0.0.1:$PORT"
wait_for 300 1 curl -fsS "$URL/api/ready" || fail "the proxy never answered /api/ready"
# every replica ready, not only the first nginx reached: ask each one from inside its container
for name in "${PROJECT}_web_1" "${PROJECT}_web_2"; do
  wait_for 300 1 "${PODMAN[@]}" exec "$name" python -m autograd_explorer.healthcheck ready || fail "$name never ready"
done
say "proxy, 2 web replicas, 2 workers up; every replica ready through the proxy after $(seconds_since "$started") s: $(curl -fsS "$URL/api/ready")"
say "containers: $(containers | sed "s/^${PROJECT}_//" | sort | tr '\n' ' ')"

# 3. a room and a training job through the proxy
output=$(python3 "$REPO/scripts/scale_smoke_check.py" "$URL" "$STREAMS") || { echo "$output"; fail "the checks through the proxy"; }
while read -r line; do say "$line"; done < <(sed '$d' <<<"$output")
result=$(tail -1 <<<"$output")
room=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["room"])' "$result")
job=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["job"])' "$result")
# Which replica served which stream: each writes a JSON access line when a stream ends.
served=""
for name in "${PROJECT}_web_1" "${PROJECT}_web_2"; do
  n=$("${PODMAN[@]}" logs "$name" 2>&1 | grep -c "GET /api/rooms/$room/events 200" || true)
  [ "$n" -gt 0 ] || fail "$name served none of the room's streams (nginx spreads them over the replicas)"
  served+="${name#"${PROJECT}_"} $n, "
done
say "room streams served per replica: ${served%, }"
trained=$(workers_logging "job $job ended done")
[ -n "$trained" ] || fail "no worker's log says it trained $job"
say "job $job trained by: $trained(the other worker idle or on another job)"

# 4. a worker killed mid-job (SIGKILL to its container): the job is recovered after the lease
# (WORKER_LEASE_SECONDS, 30 s), sent to the queue again, and finished by a worker
if [ "${SKIP_KILL:-0}" != 1 ]; then
  long='{"dataset": "moons", "model": "binary_classifier", "hidden": 64, "train_size": 5000, "steps": 5000, "eval_every": 50, "seed": 7}'
  job=$(curl -fsS -H 'content-type: application/json' -d "$long" "$URL/api/models" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') || fail "POST the long job"
  status() { curl -fsS "$URL/api/models/$job" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])'; }
  running() { [ "$(status)" = running ]; }
  wait_for 240 0.5 running || fail "the long job $job never ran (status $(status))"
  took=$(workers_logging "job $job\"")
  [ -n "$took" ] || fail "no worker's log says it took $job"
  victim="${PROJECT}_${took%% *}"
  # SIGKILL to the worker's process from the host, as a crash or the OOM killer would (`podman
  # kill` counts as the user's stop, after which `unless-stopped` rightly restarts nothing)
  kill -KILL "$("${PODMAN[@]}" inspect --format '{{.State.Pid}}' "$victim")"
  killed=$(date +%s)
  ended() { case "$(status)" in done | failed) return 0 ;; *) return 1 ;; esac; }
  wait_for 600 1 ended || true  # the status it ended with (or still has) says the rest
  final=$(status)
  [ "$final" = done ] || fail "the job of the killed worker ended $final"
  finisher=$(workers_logging "job $job ended done")
  say "worker killed mid-job: ${victim#"${PROJECT}_"} got SIGKILL while training $job; done $(seconds_since "$killed") s later, finished by: ${finisher:-?}(the killed container: $("${PODMAN[@]}" inspect --format '{{.RestartCount}} restart(s), {{.State.Status}} now' "$victim"))"
fi

# 5. down, unless asked to keep it
if [ "${KEEP_UP:-0}" != 1 ]; then
  started=$(date +%s)
  teardown
  [ -z "$(containers)" ] || fail "containers left after down: $(containers | tr '\n' ' ')"
  say "down, volumes removed: $(seconds_since "$started") s"
fi
say "OK"
SMOKE_OK=1
