"""Real Redis and PostgreSQL for the scale-out tests."""

from tests.services import postgres_server, redis_server  # noqa: F401
