"""What the benchmarks of bench/ share: where the binaries are, starting and stopping servers on
loopback, a user and its token, wrk, and the median-of-rounds tables (DESIGN.md §8: ratios
measured side by side in one run, the median with the spread, never an absolute target).

Environment:
  OV_BINARY     the objectvision binary (default build/objectvision)
  OV_BENCH_DIR  where hello_beast, argon2_cost, bench_engine... are (default: bench/ beside
                OV_BINARY, i.e. build/bench)
  OV_BENCH_COMMIT  the commit the binaries were built from, for the report (default: HEAD)
"""
import contextlib
import datetime
import http.client
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"  # Debian's python3, which sees the python3-* packages
BENCH_PASSWORD = "benchmark-password"


def ov_binary() -> str:
    return os.path.abspath(os.environ.get("OV_BINARY", os.path.join(REPO, "build", "objectvision")))


def bench_tool(name: str) -> str:
    folder = os.environ.get("OV_BENCH_DIR", os.path.join(os.path.dirname(ov_binary()), "bench"))
    return os.path.join(os.path.abspath(folder), name)


def require(paths: list[str], hint: str) -> None:
    missing = [p for p in paths if not os.access(p, os.X_OK)]
    if missing:
        sys.exit(f"{', '.join(missing)} missing: {hint}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> float:
    return os.getloadavg()[0]


# ---------------------------------------------------------------------------------------------
# Processes


class Process:
    """A server started by a benchmark, its output in a log file; stop() sends SIGTERM to it
    (only to the process this object started) and waits."""

    def __init__(self, name: str, argv: list[str], env: dict, cwd: str, log_dir: str):
        self.name = name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT, close_fds=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        with open(self.log_path, "rb") as f:
            return b"".join(f.readlines()[-lines:]).decode(errors="replace")

    def stop(self, timeout: float = 30) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def wait_http(port: int, path: str, proc: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
        try:
            status, _ = Client(port, timeout=5).request("GET", path)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name} did not answer {path} within {seconds:.0f} s:\n"
                       f"{proc.log_tail()}")


class Client:
    """One keep-alive connection."""

    def __init__(self, port: int, timeout: float = 120):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        return r.status, r.read()

    def close(self) -> None:
        self.conn.close()


@contextlib.contextmanager
def test_servers():
    """PostgreSQL 15 and Redis on loopback through tests/servers.sh; yields its OV_TEST_*
    variables (a dict), or None with a message when they cannot start (no PostgreSQL here)."""
    script = os.path.join(REPO, "tests", "servers.sh")
    r = subprocess.run([script, "start"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        print(f"PostgreSQL / Redis did not start (tests/servers.sh):\n{r.stderr.strip()}",
              file=sys.stderr)
        yield None
        return
    env = dict(re.findall(r"^export (\w+)=(.*)$", r.stdout, re.M))
    try:
        yield env
    finally:
        subprocess.run([script, "stop", env["OV_TEST_SERVERS_DIR"]], stdin=subprocess.DEVNULL)


def create_database(admin_url: str, name: str) -> str:
    """CREATE DATABASE name on the server of admin_url; returns the new database's URL."""
    import psycopg2  # python3-psycopg2; only the runs that start PostgreSQL need it

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


# ---------------------------------------------------------------------------------------------
# objectvision serve

# Rate limits high enough never to answer 429 in a benchmark, the limiters still on the path.
UNLIMITED = {
    f"RATE_LIMIT_{kind}{suffix}": "1000000000"
    for kind in ("", "USER_", "AUTH_", "LOGIN_ACCOUNT_")
    for suffix in ("PER_MINUTE", "BURST")
}


class Objectvision:
    """`objectvision serve` in a directory of its own, on a free port."""

    def __init__(self, name: str, work: str, settings: dict):
        self.port = free_port()
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RATE_LIMIT_", "OV_"))}
        env.update(HOST="127.0.0.1", PORT=str(self.port), DATA_DIR=os.path.join(self.dir, "data"),
                   MODELS_DIR=os.path.join(REPO, "models"))
        env.update(UNLIMITED)
        env.update(settings)
        self.settings = settings
        self.process = Process(name, [ov_binary(), "serve"], env, self.dir, work)
        wait_http(self.port, "/health", self.process, seconds=120)

    @property
    def pid(self) -> int:
        return self.process.pid

    def signup_and_login(self, email: str = "bench@example.com") -> str:
        """Creates a user and returns an access token."""
        c = Client(self.port)
        creds = json.dumps({"email": email, "password": BENCH_PASSWORD})
        headers = {"Content-Type": "application/json"}
        status, body = c.request("POST", "/api/v1/auth/signup", creds, headers)
        if status not in (200, 201):
            raise RuntimeError(f"signup answered {status}: {body[:300]!r}")
        status, body = c.request("POST", "/api/v1/auth/login", creds, headers)
        if status != 200:
            raise RuntimeError(f"login answered {status}: {body[:300]!r}")
        c.close()
        return json.loads(body)["access_token"]

    def stop(self) -> None:
        self.process.stop()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = b""
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    for name, (filename, data) in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------------------------------
# wrk


def with_comment(jpeg: bytes, text: str) -> bytes:
    """The JPEG with a COM segment after SOI: another file (the duplicate-frame cache does not
    answer it), the same pixels."""
    body = text.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(body) + 2).to_bytes(2, "big") + body + jpeg[2:]


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, threads: int, connections: int, duration: str, headers=(),
        timeout: str = "30s") -> dict:
    """One wrk run with --latency: rps, p50 / p99 in ms, and every failed request (non-2xx or
    3xx answers and socket errors, a request slower than `timeout` among them) in `errors`."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency",
            "--timeout", timeout]
    for h in headers:
        argv += ["-H", h]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout

    def latency(label):
        m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s|m)\s*$" % re.escape(label), out, re.M)
        return _ms(*m.groups()) if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sock:
        errors += sum(int(x) for x in sock.groups())
    requests = re.search(r"(\d+) requests in", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": latency("50%"),
            "p99": latency("99%"), "errors": errors,
            "requests": int(requests.group(1)) if requests else 0}


# ---------------------------------------------------------------------------------------------
# Figures and tables


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100)."""
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values), max(1, math.ceil(p / 100 * len(values)))) - 1]


class Spread:
    """The median of the rounds with their min and max."""

    def __init__(self, values: list[float]):
        self.values = [v for v in values if v == v]  # drop NaN
        self.median = statistics.median(self.values) if self.values else float("nan")
        self.min = min(self.values) if self.values else float("nan")
        self.max = max(self.values) if self.values else float("nan")

    def fmt(self, digits: int = 1, suffix: str = "") -> str:
        if not self.values:
            return "n/a"
        f = f"{{:,.{digits}f}}"
        if len(self.values) == 1:
            return f.format(self.median) + suffix
        return (f.format(self.median) + suffix + " (" + f.format(self.min) + "–" +
                f.format(self.max) + ")")


def verdict(value: float, target: float, higher_is_better: bool) -> str:
    if value != value:
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "meets" if ok else "misses"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "--:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def context_line() -> str:
    """When, where and how busy: goes on top of every report."""
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    # OV_BENCH_COMMIT: the commit the binary was built from, when it is not this tree's HEAD
    commit = os.environ.get("OV_BENCH_COMMIT") or subprocess.run(
        ["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True).stdout.strip() or "unknown"
    return (f"{now}, commit {commit}, {os.cpu_count()} cores, load average "
            f"{load_average():.2f} at the start, binary {os.path.relpath(ov_binary(), REPO)}")


def emit(report: str, out_path: str | None) -> None:
    """Prints the report (markdown) and writes it to out_path when given."""
    print(report)
    if out_path:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        with open(out_path, "w") as f:
            f.write(report + "\n")
        print(f"(written to {out_path})")


def work_dir(prefix: str) -> str:
    return tempfile.mkdtemp(prefix=prefix)
