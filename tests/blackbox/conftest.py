"""Fixtures of the black-box suite.

The shape under test comes from OV_SHAPE: `embedded` (SQLite in DATA_DIR, nothing else) or
`scaled` (a fresh PostgreSQL database per backend on OV_TEST_DATABASE_URL, and the Redis at
OV_TEST_REDIS_URL, flushed per backend). Servers are started through a Launcher, which stops
them when its scope ends and fails the test if one does not exit 0 after SIGTERM.
"""
from pathlib import Path

import pytest

from ovtest import api, sanitizers
from ovtest.backend import SCALED, Backend, required_env, shape_from_env
from ovtest.server import BINARY, Server

pytest_plugins = ["ovtest.plugin"]  # the detection fixtures

CORS_ORIGINS = "https://app.example.com,http://localhost:3000"


class Launcher:
    def __init__(self, shape: str, root: Path):
        self.shape = shape
        self.root = Path(root)
        self.servers: list[Server] = []
        self.backends: list[Backend] = []

    @property
    def scaled(self) -> bool:
        return self.shape == SCALED

    def backend(self) -> Backend:
        backend = Backend(self.shape)
        self.backends.append(backend)
        return backend

    def server(self, backend: Backend | None = None, start: bool = True, name: str | None = None,
               **settings) -> Server:
        """A server on `backend` (a new one by default; pass another server's backend to start
        a second node of the same deployment). Settings are environment variables (None
        removes one of the defaults)."""
        name = name or f"server{len(self.servers) + 1}"
        server = Server(self.root / name, backend or self.backend(), settings, name)
        self.servers.append(server)
        if start:
            server.start()
        return server

    def close(self) -> None:
        problems = []
        for server in self.servers:
            if server.proc is None or server.returncode is not None:
                continue  # never started, or its exit was already checked by the test
            try:
                rc = server.stop()
                if rc != 0:
                    problems.append(f"{server.name} exited with {rc} (expected 0 after SIGTERM;"
                                    f" a negative code is the signal that killed it)"
                                    f"\n{server.logs()}")
            except AssertionError as e:
                problems.append(str(e))
        for backend in self.backends:
            backend.close()
        assert not problems, "\n".join(problems)


def pytest_report_header(config):
    return [f"objectvision: {BINARY}", f"shape: {shape_from_env()}"]


def pytest_terminal_summary(terminalreporter):
    """What the tests recorded as their "report" (record_property): the fault tests' accounts of
    what was accepted and what completed. Also with pytest-xdist, which sends them back."""
    lines = [f"{r.nodeid.split('::')[-1]}: {value}"
             for outcome in ("passed", "failed")
             for r in terminalreporter.stats.get(outcome, [])
             for key, value in getattr(r, "user_properties", []) if key == "report"]
    if lines:
        terminalreporter.section("reports")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_configure(config):
    """An invalid OV_SHAPE, or scaled without the test servers, stops the run at once."""
    try:
        if shape_from_env() == SCALED:
            required_env("OV_TEST_DATABASE_URL")
            required_env("OV_TEST_REDIS_URL")
    except (ValueError, RuntimeError) as e:
        raise pytest.UsageError(str(e)) from None


def pytest_collection_modifyitems(config, items):
    scaled = shape_from_env() == SCALED
    marker, reason = (("embedded_only", "embedded shape only (OV_SHAPE=embedded)") if scaled
                      else ("scaled_only", "scaled shape only (OV_SHAPE=scaled)"))
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if marker in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _binary_exists():
    if not BINARY.exists():
        pytest.exit(f"{BINARY} does not exist: build it first (cmake --preset release && "
                    "cmake --build --preset release) or set OV_BINARY", returncode=1)


@pytest.fixture(scope="session", autouse=True)
def _sanitizer_logs(tmp_path_factory):
    """Sanitizer reports that the processes of the run wrote to their *.err logs (see
    ovtest/sanitizers.py); what the session's own servers report at their exit fails the run."""
    watcher = sanitizers.LogWatcher(tmp_path_factory.getbasetemp())
    yield watcher
    reports = watcher.new_reports()
    assert not reports, "sanitizer reports at the end of the run:\n" + "\n".join(reports)


@pytest.fixture(autouse=True)
def _no_sanitizer_reports(_sanitizer_logs):
    """A test during which (or at whose servers' exit) a sanitizer reported fails at teardown."""
    yield
    reports = _sanitizer_logs.new_reports()
    if reports:
        pytest.fail("sanitizer reports in the logs of this test's processes:\n"
                    + "\n".join(reports))


@pytest.fixture(scope="session")
def shape() -> str:
    return shape_from_env()


@pytest.fixture
def launch(shape, tmp_path):
    """Servers that live for one test."""
    launcher = Launcher(shape, tmp_path)
    yield launcher
    launcher.close()


@pytest.fixture(scope="module")
def module_launch(shape, tmp_path_factory, request):
    """Servers shared by the tests of one module."""
    launcher = Launcher(shape, tmp_path_factory.mktemp(request.module.__name__))
    yield launcher
    launcher.close()


@pytest.fixture(scope="session")
def server(shape, tmp_path_factory):
    """The server most tests share: default settings, generous limits, two CORS origins."""
    launcher = Launcher(shape, tmp_path_factory.mktemp("shared"))
    yield launcher.server(name="shared", CORS_ORIGINS=CORS_ORIGINS)
    launcher.close()


@pytest.fixture(autouse=True)
def _shared_server_survives(request):
    """A test after which the shared server is dead fails at teardown with its logs; the
    server is started again (same DATA_DIR) so that one crash does not fail every later test."""
    yield
    if "server" not in request.fixturenames:
        return
    server = request.getfixturevalue("server")
    if server.running:
        return
    rc, logs = server.proc.returncode, server.logs()
    server.returncode = rc
    server.start()
    pytest.fail(f"the shared server died during this test (exit code {rc}); started it again"
                f"\n{logs}")


@pytest.fixture(scope="session")
def admin(server) -> api.Account:
    return api.new_admin(server)


@pytest.fixture
def account(server) -> api.Account:
    """A fresh user on the shared server, logged in."""
    return api.new_account(server)
