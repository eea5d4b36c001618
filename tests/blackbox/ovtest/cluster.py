"""Deployments that detect: `objectvision worker` processes, and a Cluster of API nodes plus
workers sharing one backend and one data directory (the shared volume of a real deployment).

embedded: one `serve` with its in-process worker(s) (SERVE_WORKERS defaults to
          WORKER_CONCURRENCY when REDIS_URL is unset); `workers` is ignored.
scaled:   `nodes` × `serve` (API only: SERVE_WORKERS defaults to 0 with REDIS_URL) and
          `workers` × `objectvision worker` on the same PostgreSQL database and Redis index.
"""
import signal
import subprocess
import time
from pathlib import Path

from .api import new_admin
from .backend import SCALED, Backend
from .detect import MODELS_DIR
from .server import BINARY, STOP_TIMEOUT_S, Server, _alive, build_env, default_settings

WORKERS_HEALTH = "/health/workers"


def detect_settings() -> dict[str, str]:
    """What every detecting process runs with: the bundled model, small upload limit."""
    return {"MODELS_DIR": str(MODELS_DIR), "MAX_UPLOAD_MB": "2"}


class Worker:
    """One `objectvision worker` process; logs in worker-N.out / .err of its work dir."""

    def __init__(self, workdir: Path, data_dir: Path, backend: Backend, settings: dict,
                 name: str):
        self.name = name
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.settings = {**default_settings(), **detect_settings(), **backend.env, **settings}
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None
        self.runs = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> "Worker":
        assert not self.running, f"{self.name} is already running"
        self.runs += 1
        self.returncode = None
        env = build_env({**self.settings, "DATA_DIR": str(self.data_dir)})
        with open(self._log(".out"), "wb") as out, open(self._log(".err"), "wb") as err:
            self.proc = subprocess.Popen([str(BINARY), "worker"], cwd=self.workdir, env=env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _alive.add(self.proc)
        return self

    def kill(self) -> None:
        """SIGKILL: no chance to give its job back."""
        self.proc.send_signal(signal.SIGKILL)
        self.returncode = self.proc.wait(timeout=STOP_TIMEOUT_S)
        _alive.discard(self.proc)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.returncode = self.proc.wait()
            raise AssertionError(f"{self.name} did not exit within {timeout}s of SIGTERM"
                                 f"\n{self.logs()}") from None
        finally:
            _alive.discard(self.proc)
        return self.returncode

    def _log(self, suffix: str) -> Path:
        return self.workdir / f"worker-{self.runs}{suffix}"

    def logs(self, limit: int = 6000) -> str:
        def read(suffix):
            path = self._log(suffix)
            return path.read_text(errors="replace")[-limit:] if path.exists() else ""
        return (f"--- {self.name} stdout ({self._log('.out')}) ---\n{read('.out')}\n"
                f"--- {self.name} stderr ---\n{read('.err')}")


def listed_workers(server, headers: dict | None = None) -> list[dict]:
    """The workers /health/workers lists; pids and current jobs only with an admin's headers."""
    r = server.get(WORKERS_HEALTH, headers=headers)
    if r.status_code not in (200, 503):
        return []
    try:
        return r.json().get("workers", [])
    except ValueError:
        return []


def wait_listed(server, pids: set[int], headers: dict, timeout: float = 30, logs=lambda: "",
                alive=lambda: True) -> list[dict]:
    """Waits until /health/workers lists a worker for each pid (fails at once when `alive()`
    turns false: the process exited)."""
    deadline = time.monotonic() + timeout
    found: list[dict] = []
    while time.monotonic() < deadline:
        if not alive():
            raise AssertionError(f"a worker exited before it was listed\n{logs()}")
        found = listed_workers(server, headers)
        if pids <= {w.get("pid") for w in found}:
            return found
        time.sleep(0.1)
    raise AssertionError(f"/health/workers does not list pids {sorted(pids)} within {timeout}s:"
                         f" {found}\n{logs()}")


class Cluster:
    def __init__(self, shape: str, root: Path, nodes: int = 2, workers: int = 2,
                 shared_disk: bool = True, **settings):
        """shared_disk=False: every process has a DATA_DIR of its own (files must then live in
        an object store: STORAGE_URL=s3://…)."""
        self.shape = shape
        self.root = Path(root)
        self.shared_disk = shared_disk
        self.data_dir = self.root / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = {**detect_settings(), **settings}
        self.backend = Backend(shape)
        self.servers: list[Server] = []
        self.workers: list[Worker] = []
        self._admin = None
        try:
            for _ in range(nodes if self.scaled else 1):
                self.add_server()
            for _ in range(workers if self.scaled else 0):
                self.add_worker()
        except BaseException:
            self.close(check=False)
            raise

    @property
    def scaled(self) -> bool:
        return self.shape == SCALED

    @property
    def api(self) -> Server:
        """The node uploads go to."""
        return self.servers[0]

    @property
    def admin_headers(self) -> dict[str, str]:
        """An admin's bearer header on this deployment (made on first use)."""
        if self._admin is None:
            self._admin = new_admin(self.api)
        return self._admin.headers

    @property
    def other(self) -> Server:
        """Another node of the deployment (the same one when embedded)."""
        return self.servers[-1]

    def add_server(self, start: bool = True, **settings) -> Server:
        name = f"serve{len(self.servers) + 1}"
        server = Server(self.root / name, self.backend, {**self.settings, **settings}, name)
        if self.shared_disk:
            server.data_dir = self.data_dir
        self.servers.append(server)
        if start:
            server.start()
        return server

    def add_worker(self, wait: bool = True, **settings) -> Worker:
        name = f"worker{len(self.workers) + 1}"
        data_dir = self.data_dir if self.shared_disk else self.root / name / "data"
        worker = Worker(self.root / name, data_dir, self.backend,
                        {**self.settings, **settings}, name)
        self.workers.append(worker)
        worker.start()
        if wait:
            wait_listed(self.api, {worker.pid}, self.admin_headers, logs=worker.logs,
                        alive=lambda: worker.running)
        return worker

    def logs(self) -> str:
        return "\n".join([s.logs() for s in self.servers] + [w.logs() for w in self.workers])

    def close(self, check: bool = True) -> None:
        problems = []
        for proc in [*self.workers, *self.servers]:
            if proc.proc is None or proc.returncode is not None:
                continue  # never started, or killed / stopped by the test
            try:
                rc = proc.stop()
                if rc != 0:
                    problems.append(f"{proc.name} exited with {rc} after SIGTERM (expected 0)"
                                    f"\n{proc.logs()}")
            except AssertionError as e:
                problems.append(str(e))
        self.backend.close()
        if check:
            assert not problems, "\n".join(problems)

