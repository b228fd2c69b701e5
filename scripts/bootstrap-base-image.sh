#!/usr/bin/env bash
# Build a local base image (Debian bookworm + its Python 3.11) without any registry pull:
# debootstrap a minimal root file system from the Debian mirror and import it into podman.
# Usage: sudo scripts/bootstrap-base-image.sh [image-name]   (default localhost/debian-python:bookworm)
set -euo pipefail

IMAGE="${1:-localhost/debian-python:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
WORK="${BOOTSTRAP_DIR:-/var/tmp/autograd-explorer-rootfs}"
PODMAN=(podman ${PODMAN_OPTS:-})

if [ "$(id -u)" != 0 ]; then
  echo "debootstrap needs root" >&2
  exit 1
fi
if "${PODMAN[@]}" image exists "$IMAGE"; then
  echo "base image $IMAGE already present"
  exit 0
fi

rm -rf "$WORK"
mkdir -p "$WORK"
# minbase + what the Dockerfile relies on: python3 with venv/ensurepip, CA certificates, curl-free.
debootstrap --variant=minbase \
  --include=python3,python3-venv,python-is-python3,ca-certificates \
  bookworm "$WORK" "$MIRROR"
# apt inside the image must find the same mirror; drop caches to keep the layer small.
echo "deb $MIRROR bookworm main" > "$WORK/etc/apt/sources.list"
rm -rf "$WORK"/var/cache/apt/archives/*.deb "$WORK"/var/lib/apt/lists/*
tar -C "$WORK" --numeric-owner -c . | "${PODMAN[@]}" import \
  --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$IMAGE"
rm -rf "$WORK"
echo "imported $IMAGE"
