"""What a server stores its state in, per test fixture.

embedded: nothing to prepare (SQLite in the server's DATA_DIR, everything else in process).
scaled:   a fresh PostgreSQL database on the test PostgreSQL (OV_TEST_DATABASE_URL) and a Redis
          database index of its own on the test Redis (OV_TEST_REDIS_URL, .../N), flushed, so
          no backend sees another's keys (rate-limit buckets, blacklist) and none flushes a
          live server's keys. tests/servers.sh starts Redis with 256 databases.
"""
import contextlib
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


_redis_databases: dict[str, int] = {}
_redis_held: dict[str, set[int]] = {}
_redis_last: dict[str, int] = {}


def _xdist_slot() -> tuple[int, int]:
    """(this process's index, the number of processes) under pytest-xdist (`pytest -n N`,
    as scripts/test.sh runs the suite); (0, 1) otherwise."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return (int(name[2:]) if name.startswith("gw") else 0), max(count, 1)


def take_redis_url(base: str) -> str:
    """A Redis database index that no open backend holds (1 and up; 0 is left to whoever else
    uses the server), taken in turn. Indexes are given back by release_redis_url(): a long
    suite makes more backends than Redis has databases, and handing out a held index again
    would let a new backend's FLUSHDB wipe a live deployment's keys. Under pytest-xdist each
    process takes only the indexes of its own residue class, so that no two processes of the
    run ever hold the same one."""
    if base not in _redis_databases:
        reply = redis.command(base, "CONFIG", "GET", "databases")
        _redis_databases[base] = int(reply[1])
    count = _redis_databases[base]
    slot, slots = _xdist_slot()
    held = _redis_held.setdefault(base, set())
    last = _redis_last.get(base, 0)
    for step in range(1, count):
        index = 1 + (last + step - 1) % (count - 1)
        if index not in held and (index - 1) % slots == slot:
            held.add(index)
            _redis_last[base] = index
            return with_database(base, str(index))
    raise RuntimeError(f"all {(count - 1) // slots} Redis databases of {base} that this process "
                       "may use are held by open backends")


def release_redis_url(base: str, url: str) -> None:
    _redis_held.get(base, set()).discard(int(urlsplit(url).path.lstrip("/")))


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
            self._redis_base = required_env("OV_TEST_REDIS_URL")
            self.redis_url = take_redis_url(self._redis_base)
            self._redis_released = False
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
        """Called once every process on this backend has exited."""
        if self.scaled:
            with contextlib.suppress(Exception):
                self.drop_database()
            if not self._redis_released:
                release_redis_url(self._redis_base, self.redis_url)
                self._redis_released = True
