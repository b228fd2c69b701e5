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
# A host behind a TLS-inspecting proxy trusts extra CAs: the image must too, or pip cannot reach
# PyPI during the build. pip reads PIP_CERT, not the system store, so point it there as well.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$WORK/usr/local/share/ca-certificates/"
  chroot "$WORK" update-ca-certificates >/dev/null
fi
# apt inside the image must find the same mirror; drop caches to keep the layer small.
echo "deb $MIRROR bookworm main" > "$WORK/etc/apt/sources.list"
rm -rf "$WORK"/var/cache/apt/archives/*.deb "$WORK"/var/lib/apt/lists/*
tar -C "$WORK" --numeric-owner -c . | "${PODMAN[@]}" import \
  --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' - "$IMAGE"
rm -rf "$WORK"
echo "imported $IMAGE"
