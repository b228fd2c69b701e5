#!/bin/sh
# As the official image's entrypoint: `redis-server …` (the compose command) runs with protected
# mode off, since without a config file Redis would refuse every client but loopback.
set -e
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
