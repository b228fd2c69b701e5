# Shared by scripts/podman-smoke.sh and scripts/podman-compose-scale-smoke.sh (sourced, not run):
# the local torch wheel, the Debian prerequisites, which podman-compose to use, and waiting for a
# service with bounded tries.

# The local CPU wheel of torch 2.13.0: TORCH_WHEEL, else /opt/wheels, else pip's cache ("" if none).
find_wheel() {
  if [ -n "${TORCH_WHEEL:-}" ]; then echo "$TORCH_WHEEL"; return; fi
  local found
  found="$(ls /opt/wheels/torch-2.13.0+cpu-*.whl 2>/dev/null | head -1 || true)"
  [ -z "$found" ] && found="$(find "$(pip cache dir 2>/dev/null || echo /nonexistent)" -name 'torch-2.13.0+cpu-*.whl' 2>/dev/null | head -1 || true)"
  echo "$found"
}

# require_tools <command…>: those missing are installed from Debian (as root), else the script stops.
# The package is named as its command (podman, runc, debootstrap, python3, curl).
require_tools() {
  local missing=() tool
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "missing: ${missing[*]} (run as root to install them)" >&2; exit 1; }
    apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
  fi
}

# Sets PODMAN_COMPOSE: as given, else the one on PATH, else Debian's (installed as root).
require_podman_compose() {
  PODMAN_COMPOSE="${PODMAN_COMPOSE:-$(command -v podman-compose || true)}"
  if [ -z "$PODMAN_COMPOSE" ]; then
    [ "$(id -u)" = 0 ] || { echo "missing: podman-compose (pip install podman-compose)" >&2; exit 1; }
    apt-get install -y -qq podman-compose >/dev/null
    PODMAN_COMPOSE=podman-compose
  fi
}

# wait_for <tries> <seconds> <command…>: runs the command (its output dropped) until it succeeds,
# at most <tries> times, <seconds> apart. On timeout it says what it waited for and how long, and
# fails: the caller's `|| fail …` then tells the step apart.
wait_for() {
  local tries=$1 pause=$2 try
  shift 2
  for (( try = 1; try <= tries; try++ )); do
    "$@" >/dev/null 2>&1 && return 0
    [ "$try" -lt "$tries" ] && sleep "$pause"
  done
  echo "gave up after $tries tries ${pause} s apart: $*" >&2
  return 1
}
