"""What a server stores its state in, per test fixture.

embedded: nothing to prepare (SQLite in the server's DATA_DIR, everything else in process).
scaled:   a fresh PostgreSQL database on the test PostgreSQL (OV_TEST_DATABASE_URL) and a Redis
          database index of its own on the test Redis (OV_TEST_REDIS_URL, .../N), flushed, so
          no backend sees another's keys (rate-limit buckets, blacklist) and none flushes a
          live server's keys. tests/servers.sh starts Redis with 256 databases.
"""
import contextlib
import itertools
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from . import redis

EMBEDDED = "embedded"
SCALED = "scaled"


def shape_from_env() -> str:
    shape = os.environ.get("OV_SHAPE", EMBEDDED)
    if shape not in (EMBEDDED, SCALED):
        raise ValueError(f"OV_SHAPE must be {EMBEDDED} or {SCALED}, not {shape!r}")
    return shape


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"OV_SHAPE=scaled needs {name}: run scripts/test.sh, or "
                           f'eval "$(tests/servers.sh start)" before pytest')
    return value


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


_redis_indexes = itertools.count(1)
_redis_databases: dict[str, int] = {}


def next_redis_url(base: str) -> str:
    """The next Redis database index (1 and up; 0 is left to whoever else uses the server)."""
    if base not in _redis_databases:
        reply = redis.command(base, "CONFIG", "GET", "databases")
        _redis_databases[base] = int(reply[1])
    count = _redis_databases[base]
    index = 1 + (next(_redis_indexes) - 1) % (count - 1)
    return with_database(base, str(index))


class Backend:
    """Storage for one server, or for several nodes of one deployment (scaled)."""

    def __init__(self, shape: str):
        self.shape = shape
        self.env: dict[str, str] = {}
        self.database_name: str | None = None
        self.database_url: str | None = None
        self.redis_url: str | None = None
        if shape == SCALED:
            self._admin_url = required_env("OV_TEST_DATABASE_URL")
            self.redis_url = next_redis_url(required_env("OV_TEST_REDIS_URL"))
            self.database_name = "ov_" + uuid.uuid4().hex[:16]
            self.sql(f'CREATE DATABASE "{self.database_name}"')
            self.database_url = with_database(self._admin_url, self.database_name)
            redis.command(self.redis_url, "FLUSHDB")
            self.env = {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}

    @property
    def scaled(self) -> bool:
        return self.shape == SCALED

    def sql(self, statement: str) -> None:
        """Runs a statement on the test PostgreSQL's maintenance database (autocommit)."""
        with contextlib.closing(psycopg2.connect(self._admin_url)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(statement)

    def drop_database(self) -> None:
        """Drops this backend's database, closing the connections still on it."""
        if self.database_name:
            self.sql(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')

    def close(self) -> None:
        if self.scaled:
            with contextlib.suppress(Exception):
                self.drop_database()
