#!/usr/bin/python3
"""Soak: the loopback cluster of scripts/cluster.sh (nginx, 2 API nodes, 2 workers, a scheduler,
PostgreSQL, Redis, s3rver) under mixed load for --seconds (600 by default) at --load (80%) of the
capacity measured just before, in the same run, with the same mix.

The mix (weights): profile 35, DeepStack frame 25, history 15, upload 10, WebSocket connect 8,
login 2, job status 5 — plus 8 WebSockets held open for the whole run, each receiving its user's
job events. Capacity: 16 clients in a closed loop for --capacity-seconds, each upload waiting for
its job (`?wait=true`), so that the rate measured is one the workers sustain. Soak: requests sent
on a fixed schedule (open loop) and timed from the moment each was due, so a stall shows up as
latency rather than as fewer requests.

Reported (markdown, and PNG plots made with gnuplot): throughput, p50 and p99 per minute, answers
by status, every accepted job completed or not, and the RSS of each process over time with its
growth from the second minute (after warm-up) to the last: flat means under 5%.

Usage: bench/soak.py [--seconds 600] [--load 0.8] [--out docs/soak.md] [--plots docs]
Environment: OV_BINARY (default build/objectvision).
"""
import argparse
import collections
import concurrent.futures
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

import requests
import websocket

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

CLUSTER = os.path.join(benchlib.REPO, "scripts", "cluster.sh")
PHOTO = "/usr/share/darknet/data/dog.jpg"
MIX = {"profile": 35, "deepstack": 25, "history": 15, "upload": 10, "ws_connect": 8,
       "job": 5, "login": 2}
USERS = 16
HELD_WEBSOCKETS = 8
SAMPLE_EVERY_S = 5
# Their memory follows the data (PostgreSQL's shared buffers filling, Redis's streams): shown,
# not judged. Ours (and nginx) must stay flat.
DATA_STORES = {"postgres", "redis", "s3rver"}
SETTINGS = {
    # One client address (127.0.0.1) sends everything: the per-address and per-account limits
    # would refuse the load itself.
    "RATE_LIMIT_PER_MINUTE": "10000000", "RATE_LIMIT_BURST": "10000000",
    "RATE_LIMIT_USER_PER_MINUTE": "10000000", "RATE_LIMIT_USER_BURST": "10000000",
    "RATE_LIMIT_AUTH_PER_MINUTE": "10000000", "RATE_LIMIT_AUTH_BURST": "10000000",
    "RATE_LIMIT_LOGIN_ACCOUNT_PER_MINUTE": "10000000",
    "RATE_LIMIT_LOGIN_ACCOUNT_BURST": "10000000",
    "DEEPSTACK_RATE_LIMIT_PER_MINUTE": "10000000", "DEEPSTACK_RATE_LIMIT_BURST": "10000000",
    "MAX_JOBS_IN_FLIGHT_PER_USER": "100000", "QUEUE_MAX_DEPTH": "100000",
    "DEEPSTACK_ANONYMOUS": "true",
    "LOG_LEVEL": "warning",
}


class Cluster:
    def __init__(self, root: str):
        self.dir = os.path.join(root, "cluster")
        self.port = benchlib.free_port()
        self.env = {**os.environ, **SETTINGS, "CLUSTER_DIR": self.dir,
                    "CLUSTER_PORT": str(self.port), "OBJECTVISION": benchlib.ov_binary()}
        out = subprocess.run([CLUSTER, "up"], env=self.env, capture_output=True, text=True,
                             timeout=300, stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            sys.exit(f"cluster.sh up failed:\n{out.stderr}")
        self.url = f"http://127.0.0.1:{self.port}"

    def processes(self) -> dict[str, int]:
        """part → pid of the processes whose memory is followed."""
        pids = {}
        run = os.path.join(self.dir, "run")
        for name in sorted(os.listdir(run)):
            with open(os.path.join(run, name)) as f:
                pids[name.removesuffix(".pid")] = int(f.read().split()[0])
        servers = os.path.join(self.dir, "servers")
        for part, rel in (("postgres", "pg/data/postmaster.pid"), ("redis", "redis/redis.pid"),
                          ("s3rver", "s3/s3rver.pid")):
            with open(os.path.join(servers, rel)) as f:
                pids[part] = int(f.readline())
        return pids

    def down(self) -> None:
        subprocess.run([CLUSTER, "down"], env=self.env, capture_output=True, timeout=180)


def rss_kib(pid: int) -> int:
    """The resident memory of pid and of its children (nginx's and PostgreSQL's workers)."""
    total = 0
    for p in [pid] + children(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return []


class User:
    def __init__(self, url: str, n: int):
        self.email = f"soak-{n}-{os.getpid()}@example.com"
        self.password = benchlib.BENCH_PASSWORD
        r = requests.post(url + "/api/v1/auth/signup",
                          json={"email": self.email, "password": self.password}, timeout=60)
        assert r.status_code == 201, r.text
        self.token = self.login(url).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.jobs: list[str] = []

    def login(self, url: str) -> requests.Response:
        return requests.post(url + "/api/v1/auth/login",
                             json={"email": self.email, "password": self.password}, timeout=60)


class Mix:
    """The requests of the mix, each returning its status (None: no answer)."""

    def __init__(self, url: str, users: list[User]):
        self.url = url
        self.ws_url = "ws://" + url.removeprefix("http://") + "/api/v1/ws"
        self.users = users
        self.photo = open(PHOTO, "rb").read()
        self.lock = threading.Lock()
        self.accepted: list[tuple[User, str]] = []

    def run(self, op: str, user: User, wait: bool = False) -> int | None:
        try:
            return getattr(self, op)(user, wait)
        except (requests.RequestException, websocket.WebSocketException, OSError):
            return None

    def profile(self, user, _wait):
        return requests.get(self.url + "/api/v1/users/get-profile", headers=user.headers,
                            timeout=60).status_code

    def history(self, user, _wait):
        return requests.get(self.url + "/api/v1/detect/history", headers=user.headers,
                            timeout=60).status_code

    def job(self, user, _wait):
        with self.lock:
            mine = [j for u, j in self.accepted[-200:] if u is user]
        if not mine:
            return self.profile(user, _wait)
        return requests.get(self.url + f"/api/v1/detect/jobs/{mine[-1]}", headers=user.headers,
                            timeout=60).status_code

    def login(self, user, _wait):
        return user.login(self.url).status_code

    def upload(self, user, wait):
        r = requests.post(self.url + "/api/v1/detect/image",
                          params={"wait": "true"} if wait else None, headers=user.headers,
                          files={"image": ("dog.jpg", self.photo, "image/jpeg")}, timeout=120)
        if r.status_code in (200, 202):
            with self.lock:
                self.accepted.append((user, r.json()["job_id"]))
        return r.status_code

    def deepstack(self, _user, _wait):
        return requests.post(self.url + "/v1/vision/detection",
                             files={"image": ("frame.jpg", self.photo, "image/jpeg")},
                             timeout=60).status_code

    def ws_connect(self, user, _wait):
        ws = websocket.create_connection(f"{self.ws_url}?token={user.token}", timeout=30)
        ws.close()
        return 101


class HeldSocket(threading.Thread):
    """A WebSocket open for the whole run, counting the job events it receives."""

    def __init__(self, mix: Mix, user: User):
        super().__init__(daemon=True)
        self.ws = websocket.create_connection(f"{mix.ws_url}?token={user.token}", timeout=30)
        self.ws.settimeout(1)
        self.events = 0
        self.closed_early: str | None = None
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                if self.ws.recv():
                    self.events += 1
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError) as e:
                if not self.stopping.is_set():
                    self.closed_early = str(e) or type(e).__name__
                return

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)
        self.ws.close()


def schedule(seed: int):
    """The mix as an endless, reproducible sequence of operations."""
    rng = random.Random(seed)
    ops, weights = zip(*MIX.items())
    while True:
        yield rng.choices(ops, weights)[0]


def capacity(mix: Mix, seconds: float, clients: int = 16) -> float:
    """Operations per second of the mix in a closed loop (uploads wait for their job)."""
    stop = time.monotonic() + seconds
    done = collections.Counter()

    def client(n):
        ops = schedule(1000 + n)
        user = mix.users[n % len(mix.users)]
        while time.monotonic() < stop:
            status = mix.run(next(ops), user, wait=True)
            done["ok" if status and status < 400 else "failed"] += 1
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rate = done["ok"] / (time.monotonic() - started)
    print(f"capacity: {rate:.1f} operations/s ({dict(done)})", flush=True)
    return rate


def soak(mix: Mix, cluster: Cluster, rate: float, seconds: float):
    """Sends the mix at `rate` for `seconds`; returns the calls and the memory samples."""
    calls = []  # (due offset s, op, status, latency ms)
    samples = []  # (offset s, {part: rss KiB})
    pids = cluster.processes()
    ops = schedule(7)
    users = mix.users
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=96)
    lock = threading.Lock()
    start = time.monotonic()

    def one(due: float, op: str, user: User):
        status = mix.run(op, user)
        latency = (time.monotonic() - due) * 1000
        with lock:
            calls.append((due - start, op, status, latency))

    def sampler():
        while True:
            offset = time.monotonic() - start
            if offset > seconds:
                return
            samples.append((offset, {part: rss_kib(pid) for part, pid in pids.items()}))
            time.sleep(SAMPLE_EVERY_S)  # a sampling period, not a wait for a condition
    threading.Thread(target=sampler, daemon=True).start()
    n = 0
    while True:
        due = start + n / rate
        if due - start >= seconds:
            break
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # the open-loop schedule
        pool.submit(one, due, next(ops), users[n % len(users)])
        n += 1
    pool.shutdown(wait=True)
    return calls, samples


def drain(mix: Mix, timeout: float = 600) -> collections.Counter:
    """Waits until every accepted job has finished; counts how they ended."""
    deadline = time.monotonic() + timeout
    ended = collections.Counter()
    pending = list(mix.accepted)
    while pending and time.monotonic() < deadline:
        still = []
        for user, job_id in pending:
            r = requests.get(mix.url + f"/api/v1/detect/jobs/{job_id}", headers=user.headers,
                             timeout=60)
            status = r.json().get("status") if r.status_code == 200 else f"http {r.status_code}"
            if status in ("queued", "processing"):
                still.append((user, job_id))
            else:
                ended[status] += 1
        pending = still
        if pending:
            time.sleep(1)  # polling the jobs' state (with a deadline)
    ended["unfinished"] += len(pending)
    return ended


def minute_rows(calls, seconds):
    rows = []
    for m in range(int(seconds // 60) or 1):
        window = [c for c in calls if m * 60 <= c[0] < (m + 1) * 60]
        lat = [c[3] for c in window]
        errors = collections.Counter(c[2] for c in window if not c[2] or c[2] >= 400)
        rows.append([f"{m + 1}", f"{len(window) / 60:.1f}", f"{benchlib.percentile(lat, 50):.1f}",
                     f"{benchlib.percentile(lat, 99):.1f}",
                     ", ".join(f"{k or 'none'}: {v}" for k, v in sorted(
                         errors.items(), key=lambda kv: kv[0] or 0)) or "0"])
    return rows


def rss_rows(samples, seconds):
    parts = sorted(samples[0][1])
    def mean_in(part, lo, hi):
        vals = [s[1][part] for s in samples if lo <= s[0] < hi and s[1][part]]
        return sum(vals) / len(vals) if vals else float("nan")
    rows, growths = [], {}
    for part in parts:
        early = mean_in(part, 60, 120) if seconds >= 180 else mean_in(part, 0, seconds / 3)
        late = mean_in(part, seconds - 60, seconds + 1) if seconds >= 180 else \
            mean_in(part, 2 * seconds / 3, seconds + 1)
        growth = (late - early) / early * 100 if early == early and early else float("nan")
        if part in DATA_STORES:
            verdict = "a data store: grows with its data"
        else:
            verdict = "flat" if abs(growth) < 5 else "GROWS" if growth > 0 else "shrinks"
            growths[part] = growth
        rows.append([part, f"{early / 1024:.1f}", f"{late / 1024:.1f}", f"{growth:+.1f}%",
                     verdict])
    return rows, growths


def plot(calls, samples, seconds, folder):
    """docs/soak-latency.png and docs/soak-rss.png, with gnuplot (Debian's gnuplot-nox)."""
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        lat = os.path.join(tmp, "latency.dat")
        with open(lat, "w") as f:
            for s in range(0, int(seconds), 10):
                window = [c[3] for c in calls if s <= c[0] < s + 10]
                if window:
                    f.write(f"{s} {len(window) / 10:.2f} {benchlib.percentile(window, 50):.2f}"
                            f" {benchlib.percentile(window, 99):.2f}\n")
        rss = os.path.join(tmp, "rss.dat")
        parts = sorted(samples[0][1])
        with open(rss, "w") as f:
            for offset, values in samples:
                mib = " ".join(f"{values[p] / 1024:.1f}" for p in parts)
                f.write(f"{offset:.0f} {mib}\n")
        lines = ", ".join(f"'{rss}' using 1:{i + 2} with lines title '{p}'"
                          for i, p in enumerate(parts))
        script = f"""
set terminal pngcairo size 1000,520
set grid
set xlabel 'seconds'
set key outside right
set output '{os.path.join(folder, "soak-rss.png")}'
set title 'RSS of each process (MiB)'
set yrange [0:*]
plot {lines}
set output '{os.path.join(folder, "soak-latency.png")}'
set title 'Latency (ms, left) and throughput (requests/s, right)'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set ylabel 'ms'
set y2label 'requests/s'
plot '{lat}' using 1:3 with lines title 'p50', '{lat}' using 1:4 with lines title 'p99', \
     '{lat}' using 1:2 axes x1y2 with lines title 'throughput'
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--capacity-seconds", type=float, default=30)
    ap.add_argument("--load", type=float, default=0.8)
    ap.add_argument("--out")
    ap.add_argument("--plots")
    args = ap.parse_args()
    benchlib.require([benchlib.ov_binary()], "build it first (make build)")
    context = benchlib.context_line()
    root = tempfile.mkdtemp(prefix="ov-soak-")
    cluster = Cluster(root)
    try:
        users = [User(cluster.url, n) for n in range(USERS)]
        mix = Mix(cluster.url, users)
        measured = capacity(mix, args.capacity_seconds)
        mix.accepted.clear()
        held = [HeldSocket(mix, users[n]) for n in range(HELD_WEBSOCKETS)]
        for h in held:
            h.start()
        rate = measured * args.load
        print(f"soak: {rate:.1f} operations/s for {args.seconds:.0f} s", flush=True)
        calls, samples = soak(mix, cluster, rate, args.seconds)
        for h in held:
            h.stop()
        ended = drain(mix)
    finally:
        cluster.down()
    statuses = collections.Counter((c[1], c[2]) for c in calls)
    lat = [c[3] for c in calls]
    rss, growths = rss_rows(samples, args.seconds)
    report = [
        "## Soak: the loopback cluster under mixed load", "", context, "",
        f"Capacity of the mix (closed loop, 16 clients, {args.capacity_seconds:.0f} s):"
        f" **{measured:.1f} operations/s**; soak at {args.load:.0%} of it: **{rate:.1f}/s** for"
        f" {args.seconds:.0f} s through nginx ({len(calls)} requests, p50"
        f" {benchlib.percentile(lat, 50):.1f} ms, p99 {benchlib.percentile(lat, 99):.1f} ms from"
        " the moment each was due).", "",
        "### Per minute", "",
        benchlib.markdown_table(["minute", "requests/s", "p50 ms", "p99 ms", "errors"],
                                minute_rows(calls, args.seconds)), "",
        "### Answers by operation and status", "",
        benchlib.markdown_table(["operation", "status", "count"], [
            [op, str(st or "no answer"), str(n)]
            for (op, st), n in sorted(statuses.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))]),
        "",
        f"Jobs accepted during the soak: {len(mix.accepted)}; how they ended: "
        + ", ".join(f"{k} {v}" for k, v in sorted(ended.items())) + ".",
        f"WebSockets held open for the whole run: {len(held)}, job events received:"
        f" {sum(h.events for h in held)}, closed early: "
        f"{sum(1 for h in held if h.closed_early)}.", "",
        "### Memory (RSS, MiB; a process with its children)", "",
        benchlib.markdown_table(["process", "minute 2" if args.seconds >= 180 else "first third",
                                 "last minute" if args.seconds >= 180 else "last third",
                                 "growth", "verdict"], rss),
    ]
    if args.plots:
        plot(calls, samples, args.seconds, args.plots)
        report += ["", "![RSS of each process](soak-rss.png)", "",
                   "![Latency and throughput](soak-latency.png)"]
    benchlib.emit("\n".join(report), args.out)
    flat = all(abs(g) < 5 for g in growths.values() if g == g)
    errors = sum(n for (op, st), n in statuses.items() if not st or st >= 400)
    return 0 if flat and not errors and not ended.get("unfinished") else 1


if __name__ == "__main__":
    sys.exit(main())
