#!/usr/bin/python3
"""Detection through the API against the raw ONNX Runtime call, side by side in one run (issue 9,
DESIGN.md §8). The model: the float32 twin of ../shared/data/models/yolov8n_int8_dynamic.onnx
(made with ../shared/tools/dequantize-int8-onnx into a models dir the server loads); the photo:
dog.jpg. `objectvision serve` runs embedded with its defaults (rate limits and the per-user job
limit raised so that they never answer 429). Every round measures, in this order:

  raw      `bench_engine --raw`: Session::Run of the same model with the server's intra-op
           thread count (median latency), and the best images/s any layout of sessions, threads
           and callers reaches on the same cores;
  latency  POST /api/v1/detect/image?wait=true (annotate=false), one at a time: the median,
           over the raw median (target <= 1.10x);
  clients  the same with 8 concurrent clients: images/s over the best raw images/s (>= 0.9x);
  large    the same photo at 4032x3024 (a 12-megapixel phone photo), one at a time: the median,
           over the raw median (no target: what a big JPEG costs, decoded reduced or not);
  ds       POST /v1/vision/detection (DeepStack) with a 320x320 JPEG, each request another file
           (a JPEG comment with its number: the duplicate-frame cache answers none): p50 / p99
           (<= 40 ms);
  argon2   `argon2_cost`: one password verification at the server's Argon2 settings, alone;
  busy     with 32 `wait=true` detections kept in flight: /health p99 (wrk -t1 -c1, <= 20 ms)
           and one login's time, over the Argon2 cost alone (<= Argon2 + 20 ms).

Then the resident memory of the serve process (VmRSS, VmHWM from /proc) after start, and after
--rss-detections more detections (8 clients; the issue asks for 10k, the default is smaller).

Usage: bench/detect_ratio.py [--rounds 3] [--out FILE.md] [--model MODEL.onnx] [--env K=V]...
  (run with --help for every option). Without ../shared (a user's clone has none) and without
  --model it says so and exits 0.
"""
import argparse
import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import threading
import time

import benchlib as bl

SHARED = os.path.join(os.path.dirname(bl.REPO), "shared")
INT8_MODEL = os.path.join(SHARED, "data", "models", "yolov8n_int8_dynamic.onnx")
DEQUANTIZE = os.path.join(SHARED, "tools", "dequantize-int8-onnx")
DOG = "/usr/share/darknet/data/dog.jpg"


def parse_args():
    e = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=int(e("ROUNDS", "3")))
    p.add_argument("--latency-requests", type=int, default=20)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10, help="per throughput measurement")
    p.add_argument("--deepstack-requests", type=int, default=100)
    p.add_argument("--waiting", type=int, default=32, help="detections in flight while busy")
    p.add_argument("--logins", type=int, default=5, help="logins timed while busy, per round")
    p.add_argument("--rss-detections", type=int, default=int(e("RSS_DETECTIONS", "1000")))
    p.add_argument("--model", help="an ONNX model instead of the YOLOv8n float twin")
    p.add_argument("--photo", default=DOG)
    p.add_argument("--annotate", action="store_true", help="annotate=true on the uploads")
    p.add_argument("--env", action="append", default=[], metavar="K=V",
                   help="a setting of the server (e.g. INFERENCE_THREADS=1); repeatable")
    p.add_argument("--out", default=e("BENCH_OUT"), help="also write the report (markdown) here")
    return p.parse_args()


def prepare_model(args, work: str) -> str | None:
    """MODELS_DIR with the model as <name>/1/model.onnx; None (after a message) when the
    YOLOv8n source is absent."""
    if args.model:
        source, name = os.path.abspath(args.model), "bench-model"
    elif os.path.isfile(INT8_MODEL) and os.path.isfile(DEQUANTIZE):
        source, name = None, "yolov8n"
    else:
        print(f"detect_ratio: skipped: {INT8_MODEL} is absent (../shared holds the benchmark "
              "model; a clone of the project alone has none). Pass --model MODEL.onnx to "
              "measure another model.")
        return None
    target = os.path.join(work, "models", name, "1", "model.onnx")
    os.makedirs(os.path.dirname(target))
    if source:
        shutil.copyfile(source, target)
    else:
        subprocess.run([bl.PYTHON, DEQUANTIZE, INT8_MODEL, target], check=True,
                       stdout=subprocess.DEVNULL)
    return target


def raw_reference(model: str, photo: str, threads: int, runs: int, seconds: float) -> dict:
    out = subprocess.run([bl.bench_tool("bench_engine"), "--raw", model, "--photo", photo,
                          "--threads", str(threads), "--runs", str(runs), "--seconds",
                          str(seconds)], check=True, capture_output=True, text=True).stdout
    lines = {}
    for line in out.splitlines():
        key, _, rest = line.partition(" ")
        fields = dict(kv.split("=", 1) for kv in rest.split())
        lines.setdefault(key, []).append(fields)
    best = lines["raw_best"][0]
    return {"ms": float(lines["raw_latency_ms"][0]["median"]), "ips": float(best["ips"]),
            "layout": f"{best['sessions']} session(s) × {best['threads']} thread(s), "
                      f"{best['callers']} caller(s)",
            "layouts": lines.get("raw_throughput", [])}


def argon2_alone(settings: dict, runs: int = 10) -> float:
    """The median of `runs` verifications at the server's ARGON2_OPS / ARGON2_MEMORY_KIB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGON2_")}
    env.update({k: v for k, v in settings.items() if k.startswith("ARGON2_")})
    out = subprocess.run([bl.bench_tool("argon2_cost"), "--runs", str(runs)], check=True,
                         capture_output=True, text=True, env=env).stdout
    return float(re.search(r"median ([\d.]+)", out).group(1))


def vm_status(pid: int) -> dict:
    """VmRSS and VmHWM of a process, in MiB."""
    with open(f"/proc/{pid}/status") as f:
        found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", f.read(), re.M))
    return {k: int(v) / 1024 for k, v in found.items()}


class Api:
    """The signed-up user's requests against one serve."""

    def __init__(self, server: bl.Objectvision, photo: bytes, frame: bytes, annotate: bool,
                 large: bytes | None = None):
        self.port = server.port
        self.token = server.signup_and_login()
        self.auth = {"Authorization": f"Bearer {self.token}"}
        c = bl.Client(self.port)
        _, me = c.request("GET", "/api/v1/users/get-profile", headers=self.auth)
        status, key = c.request("POST", f"/api/v1/users/{json.loads(me)['id']}/api-key",
                                headers=self.auth)
        if status not in (200, 201):
            raise RuntimeError(f"api-key answered {status}: {key[:300]!r}")
        c.close()
        self.upload, ctype = bl.multipart({"annotate": "true" if annotate else "false"},
                                          {"image": ("dog.jpg", photo)})
        self.upload_headers = dict(self.auth, **{"Content-Type": ctype})
        self.large, ltype = bl.multipart({"annotate": "true" if annotate else "false"},
                                         {"image": ("large.jpg", large or photo)})
        self.large_headers = dict(self.auth, **{"Content-Type": ltype})
        self.frame, self.api_key = frame, json.loads(key)["api_key"]
        self.frames_sent = 0

    def detect_wait(self, client: bl.Client) -> tuple[int, bytes]:
        """200 with the finished job; 202 when the wait timed out."""
        return client.request("POST", "/api/v1/detect/image?wait=true", self.upload,
                              self.upload_headers)

    def detect_large(self, client: bl.Client) -> int:
        status, _ = client.request("POST", "/api/v1/detect/image?wait=true", self.large,
                                   self.large_headers)
        return status

    def deepstack(self, client: bl.Client) -> int:
        """0 when it answered 200 with success true; else the status."""
        self.frames_sent += 1
        frame = bl.with_comment(self.frame, f"frame {self.frames_sent}")
        body, ftype = bl.multipart({"api_key": self.api_key}, {"image": ("frame.jpg", frame)})
        status, body = client.request("POST", "/v1/vision/detection", body,
                                      {"Content-Type": ftype})
        return 0 if status == 200 and b'"success":true' in body else status

    def login_ms(self) -> float:
        """One login with curl (a process of its own: the load threads of this one do not
        delay it)."""
        out = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-X", "POST",
             "-H", "Content-Type: application/json", "--data-binary",
             json.dumps({"email": "bench@example.com", "password": bl.BENCH_PASSWORD}),
             f"http://127.0.0.1:{self.port}/api/v1/auth/login"],
            check=True, capture_output=True, text=True).stdout.split()
        if out[0] != "200":
            raise RuntimeError(f"login answered {out[0]}")
        return float(out[1]) * 1000


class Load:
    """`clients` threads, each posting wait=true detections back to back until stop()."""

    def __init__(self, api: Api, clients: int, failures: collections.Counter,
                 until_done: int | None = None):
        self.api, self.done, self.failures = api, 0, failures
        self.until_done = until_done
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(clients)]
        self.t0 = time.perf_counter()
        for t in self.threads:
            t.start()

    def _loop(self):
        client = bl.Client(self.api.port)
        while not self._stop.is_set():
            status, _ = self.api.detect_wait(client)
            with self._lock:
                if status == 200:
                    self.done += 1
                else:
                    self.failures[f"detect {status}"] += 1
                if self.until_done is not None and self.done >= self.until_done:
                    self._stop.set()
        client.close()

    def wait(self) -> float:
        """Waits for the threads (until_done); returns images/s."""
        for t in self.threads:
            t.join()
        return self.done / (time.perf_counter() - self.t0)

    def stop(self) -> float:
        """Images/s completed until now; then lets the requests in flight finish."""
        with self._lock:
            rate = self.done / (time.perf_counter() - self.t0)
            self._stop.set()
        for t in self.threads:
            t.join()
        return rate


def one_round(args, api: Api, model: str, threads: int, settings: dict) -> dict:
    r = {}
    raw = raw_reference(model, args.photo, threads, args.latency_requests, args.seconds / 2)
    r["raw_ms"], r["raw_ips"], r["raw_layout"] = raw["ms"], raw["ips"], raw["layout"]

    failures = r["failures"] = collections.Counter()
    c = bl.Client(api.port)
    latencies = []
    for _ in range(args.latency_requests):
        t = time.perf_counter()
        status, _ = api.detect_wait(c)
        latencies.append((time.perf_counter() - t) * 1000)
        if status != 200:
            failures[f"detect {status}"] += 1
    r["api_ms"] = statistics.median(latencies)
    large = []
    for _ in range(max(3, args.latency_requests // 2)):
        t = time.perf_counter()
        status = api.detect_large(c)
        large.append((time.perf_counter() - t) * 1000)
        if status != 200:
            failures[f"detect (12 MP) {status}"] += 1
    r["large_ms"] = statistics.median(large)

    load = Load(api, args.clients, failures)
    time.sleep(args.seconds)
    r["api_ips"] = load.stop()

    ds = []
    for _ in range(args.deepstack_requests):
        t = time.perf_counter()
        status = api.deepstack(c)
        ds.append((time.perf_counter() - t) * 1000)
        if status:
            failures[f"deepstack {status}"] += 1
    c.close()
    r["ds_p50"], r["ds_p99"] = bl.percentile(ds, 50), bl.percentile(ds, 99)

    r["argon2_ms"] = argon2_alone(settings)
    load = Load(api, args.waiting, failures)
    time.sleep(2)  # every client has a detection waiting
    health = bl.wrk(f"http://127.0.0.1:{api.port}/health", 1, 1, "5s")
    logins = [api.login_ms() for _ in range(args.logins)]
    load.stop()
    if health["errors"]:
        failures["/health (wrk)"] += health["errors"]
    r["busy_health_p50"], r["busy_health_p99"] = health["p50"], health["p99"]
    r["busy_health_n"] = health["requests"]
    r["busy_login_ms"] = statistics.median(logins)
    return r


def main():
    args = parse_args()
    bl.require([bl.ov_binary()] + [bl.bench_tool(t) for t in
                                   ("bench_engine", "bench_resize_jpeg", "argon2_cost")],
               "build them (cmake --build build --target objectvision bench_engine "
               "bench_resize_jpeg argon2_cost), or point OV_BINARY / OV_BENCH_DIR at a build")
    work = bl.work_dir("ov-bench-detect-")
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: str):
    model = prepare_model(args, work)
    if model is None:
        return
    context = bl.context_line()
    settings = dict(kv.split("=", 1) for kv in args.env)
    settings.setdefault("MODELS_DIR", os.path.dirname(os.path.dirname(os.path.dirname(model))))
    settings.setdefault("MAX_JOBS_IN_FLIGHT_PER_USER", "100000")
    threads = int(settings.get("INFERENCE_THREADS", "0")) or os.cpu_count()
    frame_path = os.path.join(work, "frame320.jpg")
    subprocess.run([bl.bench_tool("bench_resize_jpeg"), args.photo, frame_path, "320", "320"],
                   check=True)
    with open(args.photo, "rb") as f:
        photo = f.read()
    with open(frame_path, "rb") as f:
        frame = f.read()
    large_path = os.path.join(work, "large.jpg")
    subprocess.run([bl.bench_tool("bench_resize_jpeg"), args.photo, large_path, "4032", "3024"],
                   check=True)
    with open(large_path, "rb") as f:
        large = f.read()

    server = bl.Objectvision("ov_embedded", work, settings)
    try:
        api = Api(server, photo, frame, args.annotate, large)
        c = bl.Client(api.port)
        for _ in range(3):  # warm-up
            status, body = api.detect_wait(c)
            if status != 200:
                raise RuntimeError(f"detect?wait=true answered {status}: {body[:300]!r}")
        c.close()
        objects = len(re.findall(rb'"class(?:_name)?"\s*:', body))
        rss_start = vm_status(server.pid)
        print(f"# {context}\n# model {os.path.basename(os.path.dirname(os.path.dirname(model)))}"
              f", {threads} intra-op threads, {objects} objects on the photo; "
              f"{args.rounds} rounds", flush=True)
        rounds = []
        for i in range(1, args.rounds + 1):
            r = one_round(args, api, model, threads, settings)
            rounds.append(r)
            print(f"round {i}: raw {r['raw_ms']:.1f} ms / {r['raw_ips']:.1f} img/s; api "
                  f"{r['api_ms']:.1f} ms / {r['api_ips']:.1f} img/s; deepstack p50 "
                  f"{r['ds_p50']:.1f} p99 {r['ds_p99']:.1f} ms; busy: /health p99 "
                  f"{r['busy_health_p99']:.1f} ms, login {r['busy_login_ms']:.0f} ms (argon2 "
                  f"{r['argon2_ms']:.0f} ms); failures {dict(r['failures']) or 0}", flush=True)

        rss_before = vm_status(server.pid)
        rss_failures = collections.Counter()
        load = Load(api, args.clients, rss_failures, until_done=args.rss_detections)
        load.wait()
        rss_after = vm_status(server.pid)
        rss = {"start": rss_start, "before": rss_before, "after": rss_after,
               "detections": load.done, "failures": rss_failures}
        load_end = bl.load_average()
    finally:
        server.stop()
    report(args, context, threads, rounds, rss, load_end)


def report(args, context, threads, rounds, rss, load_end):
    def col(key):
        return bl.Spread([r[key] for r in rounds])

    def ratio(a, b):
        return bl.Spread([r[a] / r[b] for r in rounds])

    def over(a, b):
        return bl.Spread([r[a] - r[b] for r in rounds])

    figures = [
        ["raw Session::Run, median latency", col("raw_ms").fmt(1, " ms")],
        ["raw best throughput (" + rounds[-1]["raw_layout"] + ")", col("raw_ips").fmt(1, " img/s")],
        ["detect?wait=true, median latency", col("api_ms").fmt(1, " ms")],
        [f"detect?wait=true, {args.clients} clients", col("api_ips").fmt(1, " img/s")],
        ["detect?wait=true, the photo at 4032×3024, median", col("large_ms").fmt(1, " ms")],
        ["DeepStack 320×320, p50", col("ds_p50").fmt(1, " ms")],
        ["Argon2 verify alone", col("argon2_ms").fmt(1, " ms")],
        [f"{args.waiting} waiting: /health p50 (wrk -c1, 5 s: "
         f"{int(col('busy_health_n').median)} requests)", col("busy_health_p50").fmt(2, " ms")],
        [f"{args.waiting} waiting: login (median of {args.logins})",
         col("busy_login_ms").fmt(1, " ms")],
    ]
    targets = [
        ["wait=true latency / raw Session::Run", ratio("api_ms", "raw_ms").fmt(3, "×"),
         "≤ 1.10×", bl.verdict(ratio("api_ms", "raw_ms").median, 1.10, False)],
        [f"{args.clients}-client throughput / best raw", ratio("api_ips", "raw_ips").fmt(3, "×"),
         "≥ 0.9×", bl.verdict(ratio("api_ips", "raw_ips").median, 0.9, True)],
        ["12 MP wait=true latency / raw Session::Run", ratio("large_ms", "raw_ms").fmt(3, "×"),
         "—", "—"],
        [f"DeepStack 320×320 p99 ({args.deepstack_requests} requests)",
         col("ds_p99").fmt(1, " ms"), "≤ 40 ms", bl.verdict(col("ds_p99").median, 40, False)],
        [f"/health p99 with {args.waiting} detections waiting",
         col("busy_health_p99").fmt(2, " ms"), "≤ 20 ms",
         bl.verdict(col("busy_health_p99").median, 20, False)],
        [f"login − Argon2 alone, {args.waiting} waiting", over("busy_login_ms", "argon2_ms")
         .fmt(1, " ms"), "≤ 20 ms",
         bl.verdict(over("busy_login_ms", "argon2_ms").median, 20, False)],
    ]
    growth = ""
    if rss["detections"] >= 500:  # fewer say nothing about a slope
        per_k = (rss["after"]["VmRSS"] - rss["before"]["VmRSS"]) / rss["detections"] * 1000
        growth = (f"RSS growth over the last {rss['detections']} detections: {per_k:+.1f} MiB "
                  "per 1000.")
    memory = [
        ["after start and 3 detections", f"{rss['start']['VmRSS']:.0f}",
         f"{rss['start']['VmHWM']:.0f}"],
        ["after the rounds", f"{rss['before']['VmRSS']:.0f}", f"{rss['before']['VmHWM']:.0f}"],
        [f"after {rss['detections']} more detections ({args.clients} clients)",
         f"{rss['after']['VmRSS']:.0f}", f"{rss['after']['VmHWM']:.0f}"],
    ]
    failures = sum((r["failures"] for r in rounds), collections.Counter()) + rss["failures"]
    failed = ", ".join(f"{k}: {v}" for k, v in sorted(failures.items())) or "none"
    out = [f"## Detection ratios — {context}", "",
           f"{len(rounds)} rounds; median (min–max) of the rounds; {threads} intra-op threads "
           f"on both sides; load average {load_end:.2f} at the end; failed requests: {failed}.",
           "", bl.markdown_table(["measured", "median (min–max)"], figures), "",
           bl.markdown_table(["ratio / figure (per round, same run)", "median (min–max)",
                              "target", "verdict"], targets), "",
           bl.markdown_table(["serve process memory", "VmRSS MiB", "VmHWM MiB"], memory)]
    if growth:
        out += ["", growth]
    bl.emit("\n".join(out), args.out)


if __name__ == "__main__":
    main()
