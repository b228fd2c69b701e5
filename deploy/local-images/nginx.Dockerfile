# A stand-in for nginx:1.27-alpine where no registry is reachable: Debian's nginx on the
# bootstrapped base (scripts/bootstrap-base-image.sh). The scale profile mounts its server block at
# /etc/nginx/conf.d/default.conf, which Debian's nginx.conf includes as the official image's does.
# Build: podman build --format docker -f deploy/local-images/nginx.Dockerfile -t localhost/nginx:scale deploy/local-images
ARG BASE=localhost/debian-python:bookworm
FROM ${BASE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 8080
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
