"""Starts `build/objectvision serve` as a subprocess and talks to it.

Each server gets a work directory (its cwd, so no stray .env is read) holding DATA_DIR and the
logs of each run (serve-N.out / serve-N.err), a free port on 127.0.0.1, and an environment
built from scratch: a few passthrough variables, the suite's defaults, the backend's
DATABASE_URL / REDIS_URL, then the test's own settings (None removes a variable).
"""
import atexit
import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from . import sanitizers
from .backend import Backend

REPO = Path(__file__).resolve().parents[3]
BINARY = Path(os.environ.get("OV_BINARY") or REPO / "build" / "objectvision")
JWT_SECRET = "blackbox-jwt-secret-5c1f0e7a9b3d4f62a8e1c7b0d9f34a21"
GENEROUS = "100000"
PASSTHROUGH = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "LD_LIBRARY_PATH", "ASAN_OPTIONS",
               "UBSAN_OPTIONS", "LSAN_OPTIONS")
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 20

_alive: set[subprocess.Popen] = set()


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_alive):
        if proc.poll() is None:
            proc.kill()


def default_settings() -> dict[str, str]:
    """What every test server runs with unless a test says otherwise: fast hashing, limits
    that no ordinary test reaches, a known JWT key (to forge tokens), JSON logs."""
    return {
        "HOST": "127.0.0.1",
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "info",
        "LOG_FORMAT": "json",
        "JWT_SECRET_KEY": JWT_SECRET,
        "ARGON2_OPS": "1",
        "ARGON2_MEMORY_KIB": "8192",
        "RATE_LIMIT_PER_MINUTE": GENEROUS,
        "RATE_LIMIT_BURST": GENEROUS,
        "RATE_LIMIT_USER_PER_MINUTE": GENEROUS,
        "RATE_LIMIT_USER_BURST": GENEROUS,
        "RATE_LIMIT_AUTH_PER_MINUTE": GENEROUS,
        "RATE_LIMIT_AUTH_BURST": GENEROUS,
        "DEEPSTACK_RATE_LIMIT_PER_MINUTE": GENEROUS,
        "DEEPSTACK_RATE_LIMIT_BURST": GENEROUS,
        # The bundled model, made by the set-up in the repository (servers run in temp dirs).
        "MODELS_DIR": str(REPO / "models"),
        # One inference thread: several test processes share two cores.
        "INFERENCE_THREADS": "1",
    }


def build_env(settings: dict[str, str | None]) -> dict[str, str]:
    env = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
    env.setdefault("PATH", "/usr/bin:/bin")
    for key, value in settings.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_binary(args, env: dict[str, str], cwd: Path, timeout: float = 60):
    """Runs `objectvision ARGS` to completion; returns the CompletedProcess (text). A sanitizer
    report on its stderr fails the caller, whatever the exit code."""
    result = subprocess.run([str(BINARY), *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=timeout, check=False)
    sanitizers.check_output(f"the stderr of `objectvision {' '.join(map(str, args))}`",
                            result.stderr)
    return result


class Server:
    def __init__(self, workdir: Path, backend: Backend, settings: dict | None = None,
                 name: str = "server"):
        self.name = name
        self.backend = backend
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.workdir / "data"
        self.settings: dict[str, str | None] = {**default_settings(), **backend.env,
                                                **(settings or {})}
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None
        self.runs = 0
        self.http = self._new_session()

    # ---- process ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def jwt_secret(self) -> str | None:
        return self.settings.get("JWT_SECRET_KEY")

    def env(self) -> dict[str, str]:
        extra = {"DATA_DIR": str(self.data_dir)}
        if self.port is not None:
            extra["PORT"] = str(self.port)
        return build_env({**self.settings, **extra})

    def spawn(self, overrides: dict | None = None) -> subprocess.Popen:
        """Starts `serve` without waiting for it to be ready; `overrides` change the
        environment of this one run last (PORT and DATA_DIR included; None removes)."""
        assert not self.running, f"{self.name} is already running"
        if not BINARY.exists():
            raise AssertionError(f"{BINARY} does not exist: build it first (cmake --preset "
                                 "release && cmake --build --preset release)")
        self.runs += 1
        self.port = free_port()
        self.returncode = None
        env = self.env()
        for key, value in (overrides or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        with open(self._log(".out"), "wb") as out, open(self._log(".err"), "wb") as err:
            self.proc = subprocess.Popen([str(BINARY), "serve"], cwd=self.workdir, env=env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _alive.add(self.proc)
        return self.proc

    def start(self, timeout: float = START_TIMEOUT_S) -> "Server":
        """Starts `serve` and waits until GET /health answers 200."""
        for attempt in range(3):
            self.spawn()
            if self._wait_ready(timeout):
                self.http = self._new_session()
                return self
            if attempt < 2 and "in use" in self.logs().lower():
                continue  # the free port was taken between picking and binding it: try another
            break
        raise AssertionError(f"{self.name} did not become ready (exit code "
                             f"{self.proc.returncode})\n{self.logs()}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                _alive.discard(self.proc)
                return False
            if self._answers_health():
                return True
            time.sleep(0.05)
        self.proc.kill()
        self.returncode = self.proc.wait()
        _alive.discard(self.proc)
        raise AssertionError(f"{self.name}: GET /health did not answer 200 within {timeout}s"
                             f"\n{self.logs()}")

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.proc.send_signal(signum)

    def wait_exit(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """Waits for the process to end; kills it and fails when it takes longer."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.returncode = self.proc.wait()
            raise AssertionError(f"{self.name} did not exit within {timeout}s of SIGTERM; "
                                 f"killed\n{self.logs()}") from None
        finally:
            _alive.discard(self.proc)
        return self.returncode

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, then wait; returns the exit code (None when it never started)."""
        if self.proc is None:
            return None
        self.http.close()  # no idle keep-alive connection of ours is left open
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def stop_ok(self) -> None:
        rc = self.stop()
        assert rc == 0, f"{self.name} exited with {rc} after SIGTERM (expected 0)\n{self.logs()}"

    def restart(self) -> "Server":
        self.stop_ok()
        return self.start()

    def run_until_exit(self, timeout: float = 20,
                       settings: dict | None = None) -> tuple[int, str, str]:
        """Runs `serve` expecting it to refuse to start: (exit code, stdout, stderr). Fails as
        soon as the server answers /health (it started), or after `timeout`."""
        self.spawn(settings)
        deadline = time.monotonic() + timeout
        try:
            while self.proc.poll() is None:
                if time.monotonic() > deadline or self._answers_health():
                    self.proc.kill()
                    self.returncode = self.proc.wait()
                    raise AssertionError(f"{self.name} kept running; it should have refused "
                                         f"to start\n{self.logs()}")
                time.sleep(0.05)
        finally:
            _alive.discard(self.proc)
        self.returncode = self.proc.returncode
        return self.returncode, self._read(".out"), self._read(".err")

    def _answers_health(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/health", headers={"Connection": "close"})
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def cli(self, *args, timeout: float = 60, **changes):
        """Runs another `objectvision` command with this server's configuration (same DATA_DIR,
        DATABASE_URL, REDIS_URL); keyword arguments change variables (None removes)."""
        env = build_env({**self.settings, "DATA_DIR": str(self.data_dir), **changes})
        return run_binary(args, env, self.workdir, timeout)

    # ---- logs ------------------------------------------------------------------------------
    def _log(self, suffix: str) -> Path:
        return self.workdir / f"serve-{self.runs}{suffix}"

    def _read(self, suffix: str) -> str:
        path = self._log(suffix)
        return path.read_text(errors="replace") if path.exists() else ""

    def stdout(self) -> str:
        return self._read(".out")

    def logs(self, limit: int = 6000) -> str:
        out, err = self._read(".out"), self._read(".err")
        return (f"--- {self.name} stdout ({self._log('.out')}) ---\n{out[-limit:]}\n"
                f"--- {self.name} stderr ---\n{err[-limit:]}")

    # ---- HTTP ------------------------------------------------------------------------------
    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # never through a proxy from the environment
        return session

    def request(self, method: str, path: str, fresh: bool = False,
                **kwargs) -> requests.Response:
        """One request; `fresh` sends it on a new connection instead of the kept-alive one.
        When the connection fails because the server died, fails with its logs."""
        kwargs.setdefault("timeout", 20)
        try:
            if not fresh:
                return self.http.request(method, self.url + path, **kwargs)
            with self._new_session() as session:
                return session.request(method, self.url + path, **kwargs)
        except requests.ConnectionError as e:
            deadline = time.monotonic() + 10  # a crashing process (core dump) takes a moment
            while self.proc is not None and time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    self.returncode = self.proc.returncode  # reported here, not again at stop
                    raise AssertionError(f"{self.name} is not running (exit code "
                                         f"{self.proc.returncode}): {method} {path} got {e}"
                                         f"\n{self.logs()}") from None
                time.sleep(0.05)
            raise

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)
