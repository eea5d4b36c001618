"""The cluster of scripts/cluster.sh, driven as an operator drives it (up, status, stop/start/kill
of one part, down), plus an Endpoint that talks to it through nginx, and a Load: client threads
that record every request they make, to tell afterwards what failed, when, and what was
accepted."""
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .server import BINARY, REPO, build_env, default_settings
from .waiting import wait_for

SCRIPT = REPO / "scripts" / "cluster.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Endpoint:
    """Requests to a base URL, each on a connection of its own (safe from many threads)."""

    def __init__(self, url: str):
        self.url = url

    def request(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 30)
        return requests.request(method, self.url + path, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


class LoopbackCluster:
    def __init__(self, root: Path, api_nodes: int = 2, workers: int = 2, **settings):
        self.dir = Path(root) / "cluster"
        self.port = free_port()
        self.env = build_env({**default_settings(), **settings})
        self.env.update({"CLUSTER_DIR": str(self.dir), "CLUSTER_PORT": str(self.port),
                         "CLUSTER_API_NODES": str(api_nodes), "CLUSTER_WORKERS": str(workers),
                         "OBJECTVISION": str(BINARY)})
        out = self.run("up", timeout=180)
        self.url = out.strip().splitlines()[-1]
        assert self.url == f"http://127.0.0.1:{self.port}", out
        self.lb = Endpoint(self.url)
        self.info = self._read_env()

    def run(self, *args: str, timeout: float = 60, check: bool = True) -> str:
        p = subprocess.run([str(SCRIPT), *args], env=self.env, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if check:
            assert p.returncode == 0, (f"cluster.sh {' '.join(args)} exited {p.returncode}:\n"
                                       f"{p.stdout}\n{p.stderr}\n{self.logs()}")
        return p.stdout

    def _read_env(self) -> dict[str, str]:
        info = {}
        for line in (self.dir / "cluster.env").read_text().splitlines():
            key, _, value = line.partition("=")
            info[key] = value.strip("'")
        return info

    def api_port(self, n: int) -> int:
        return int(self.info["CLUSTER_API_PORTS"].split()[n - 1])

    def node(self, n: int) -> Endpoint:
        """API node n directly, bypassing nginx."""
        return Endpoint(f"http://127.0.0.1:{self.api_port(n)}")

    def status(self) -> dict[str, str]:
        """part → running | stopped (cluster.sh status)."""
        out = self.run("status", check=False)
        rows = [line.split() for line in out.splitlines()[1:] if len(line.split()) == 3]
        return {name: state for name, _pid, state in rows}

    def pid(self, part: str) -> int:
        return int((self.dir / "run" / f"{part}.pid").read_text().split()[0])

    def stop(self, part: str) -> None:
        self.run("stop", part)

    def start(self, part: str) -> None:
        self.run("start", part)

    def kill(self, part: str) -> None:
        self.run("kill", part)

    def wait_ready(self, endpoint: Endpoint, timeout: float = 60) -> None:
        def ready():
            try:
                return endpoint.get("/health/ready", timeout=2).status_code == 200
            except requests.RequestException:
                return False
        wait_for(ready, f"{endpoint.url}/health/ready answers 200", timeout, self.logs)

    def logs(self, limit: int = 3000) -> str:
        logs_dir = self.dir / "logs"
        if not logs_dir.is_dir():
            return ""
        return "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-limit:]}"
                         for p in sorted(logs_dir.glob("*.log")))

    def down(self) -> None:
        if (self.dir / "cluster.env").exists():
            self.run("down", timeout=120)


@dataclass
class Call:
    kind: str
    started: float
    ended: float
    status: int | None  # None: no answer (connection error, timeout)
    error: str = ""
    job_id: str | None = None
    retry_after: str | None = None


@dataclass
class Load:
    """Client threads, each running `action(endpoint) -> Call` in a loop until stopped."""
    endpoint: Endpoint
    actions: dict[str, object]  # kind → callable(endpoint) -> requests.Response
    threads_per_action: int = 2
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, args=(kind, action), daemon=True)
                         for kind, action in self.actions.items()
                         for _ in range(self.threads_per_action)]

    def _loop(self, kind, action):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                r = action(self.endpoint)
                call = Call(kind, started, time.monotonic(), r.status_code, r.text[:200],
                            retry_after=r.headers.get("Retry-After"))
                if r.status_code == 202:
                    call.job_id = r.json()["job_id"]
            except requests.RequestException as e:
                call = Call(kind, started, time.monotonic(), None, str(e)[:200])
            with self._lock:
                self.calls.append(call)

    def __enter__(self) -> "Load":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def wait_successes(self, count: int, after: float, timeout: float = 60) -> None:
        """Waits until `count` calls that started after `after` succeeded (2xx)."""
        def enough():
            return sum(1 for c in self.snapshot()
                       if c.started > after and c.status and c.status < 300) >= count
        wait_for(enough, f"{count} successful requests", timeout)

    def accepted_jobs(self) -> list[str]:
        return [c.job_id for c in self.snapshot() if c.job_id]

    def report(self) -> str:
        by: dict[tuple, int] = {}
        for c in self.snapshot():
            by[(c.kind, c.status)] = by.get((c.kind, c.status), 0) + 1
        return ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(
            by.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)))
