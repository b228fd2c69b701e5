# A stand-in for postgres:15-alpine where no registry is reachable: Debian's PostgreSQL 15 on the
# bootstrapped base (scripts/bootstrap-base-image.sh), with an entrypoint that honours the
# official image's POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB on first start and keeps its
# data in /var/lib/postgresql/data (the compose volume). pg_isready is on PATH for the healthcheck.
# Build: podman build --format docker -f postgres.Dockerfile -t localhost/postgres:scale deploy/local-images
ARG BASE=localhost/debian-python:bookworm
FROM ${BASE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data \
    && chown -R postgres:postgres /var/lib/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH
VOLUME ["/var/lib/postgresql/data"]
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]
CMD []
