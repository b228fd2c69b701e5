# A stand-in for redis:7-alpine where no registry is reachable: Debian's redis-server (7.0) on the
# bootstrapped base (scripts/bootstrap-base-image.sh). Like the official image it keeps its files
# in /data (the compose volume) and accepts the other containers' connections (protected mode off:
# the compose network publishes no port for it).
# Build: podman build --format docker -f redis.Dockerfile -t localhost/redis:scale deploy/local-images
ARG BASE=localhost/debian-python:bookworm
FROM ${BASE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/redis-entrypoint
WORKDIR /data
VOLUME ["/data"]
# the Debian package creates the user; its uid is not fixed, so by name (DL3066)
# hadolint ignore=DL3066
USER redis
EXPOSE 6379
ENTRYPOINT ["/usr/local/bin/redis-entrypoint"]
CMD ["redis-server"]
