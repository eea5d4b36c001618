#!/usr/bin/python3
"""Frigate-shaped DeepStack load (issue 11): N cameras at F frames/s each post a 320x320 JPEG
to /v1/vision/detection on one `objectvision serve` (embedded, the default model, anonymous
access), open-loop: a frame is sent at its time whatever the earlier ones did, as cameras do.
Every frame differs (a JPEG comment with its number), so the duplicate-frame cache answers none
of them. Then the same frame twice, one at a time: the second is the duplicate.

References measured in the same run, on the same server:
  raw      `bench_engine --raw`: Session::Run of the default model's input, the server's threads
  health   GET /health one at a time on a keep-alive connection: the cost of any request

Reports per round p50 / p99 of the camera frames (target p99 <= 60 ms at 5 cameras x 4 fps)
and their ratio to the raw Session::Run; errors by status (Frigate gives up at 100 ms: frames
slower than that are counted too); the duplicate's median latency (target <= 2 ms) and its
ratio to /health's.

Usage: bench/deepstack_cameras.py [--rounds 3] [--cameras 5] [--fps 4] [--seconds 20]
                                  [--env K=V ...] [--out FILE.md]
"""
import argparse
import collections
import os
import shutil
import statistics
import subprocess
import threading
import time

import benchlib as bl

PHOTO = "/usr/share/darknet/data/dog.jpg"
DEFAULT_MODEL = os.path.join(bl.REPO, "models", "nanodet-m", "1", "model.onnx")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cameras", type=int, default=5)
    p.add_argument("--fps", type=float, default=4)
    p.add_argument("--seconds", type=float, default=20, help="of camera load per round")
    p.add_argument("--duplicates", type=int, default=50, help="duplicate pairs per round")
    p.add_argument("--env", action="append", default=[], metavar="K=V")
    p.add_argument("--out")
    return p.parse_args()


class Cameras:
    """`cameras` threads, each posting one frame every 1/fps s until `seconds` have passed."""

    def __init__(self, port: int, frame: bytes, cameras: int, fps: float, seconds: float):
        self.latencies: list[float] = []
        self.statuses = collections.Counter()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.camera, daemon=True,
                                         args=(port, frame, i, fps, seconds))
                        for i in range(cameras)]

    def run(self):
        for t in self.threads:
            t.start()
        for t in self.threads:
            t.join()

    def camera(self, port, frame, index, fps, seconds):
        client = bl.Client(port, timeout=30)
        start = time.perf_counter() + index / (fps * len(self.threads))  # cameras out of step
        n = 0
        while True:
            due = start + n / fps
            if due - start > seconds:
                break
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            body, ctype = bl.multipart({}, {"image": ("frame.jpg",
                                                      bl.with_comment(frame, f"cam{index}-{n}"))})
            t0 = time.perf_counter()
            status, reply = client.request("POST", "/v1/vision/detection", body,
                                           {"Content-Type": ctype})
            ms = (time.perf_counter() - t0) * 1000
            ok = status == 200 and b'"success":true' in reply
            with self.lock:
                self.latencies.append(ms)
                self.statuses[str(status) if not ok else ("200 > 100 ms" if ms > 100 else "200")] += 1
            n += 1
        client.close()


def one_round(args, port: int, frame_path: str, frame: bytes, threads: int) -> dict:
    r = {}
    out = subprocess.run([bl.bench_tool("bench_engine"), "--raw", DEFAULT_MODEL, "--photo",
                          frame_path, "--threads", str(threads), "--runs", "20",
                          "--seconds", "0.5"], check=True, capture_output=True, text=True).stdout
    r["raw_ms"] = float(out.split("median=")[1].split()[0])

    cams = Cameras(port, frame, args.cameras, args.fps, args.seconds)
    cams.run()
    r["p50"] = bl.percentile(cams.latencies, 50)
    r["p99"] = bl.percentile(cams.latencies, 99)
    r["frames"] = len(cams.latencies)
    r["statuses"] = cams.statuses

    c = bl.Client(port)
    health = []
    for _ in range(200):
        t0 = time.perf_counter()
        c.request("GET", "/health")
        health.append((time.perf_counter() - t0) * 1000)
    r["health_ms"] = statistics.median(health)
    dup = []
    for i in range(args.duplicates):
        body, ctype = bl.multipart({}, {"image": ("frame.jpg", bl.with_comment(frame, f"dup{i}-"
                                                                           f"{time.time()}"))})
        c.request("POST", "/v1/vision/detection", body, {"Content-Type": ctype})  # the first
        t0 = time.perf_counter()
        status, _ = c.request("POST", "/v1/vision/detection", body, {"Content-Type": ctype})
        dup.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            r["statuses"][f"duplicate {status}"] += 1
    c.close()
    r["dup_ms"] = statistics.median(dup)
    return r


def main():
    args = parse_args()
    bl.require([bl.ov_binary()] + [bl.bench_tool(t) for t in ("bench_engine", "bench_resize_jpeg")],
               "build them (cmake --build build --target objectvision bench_engine "
               "bench_resize_jpeg)")
    work = bl.work_dir("ov-bench-cameras-")
    try:
        frame_path = os.path.join(work, "frame320.jpg")
        subprocess.run([bl.bench_tool("bench_resize_jpeg"), PHOTO, frame_path, "320", "320"],
                       check=True)
        with open(frame_path, "rb") as f:
            frame = f.read()
        settings = dict(kv.split("=", 1) for kv in args.env)
        settings.setdefault("DEEPSTACK_ANONYMOUS", "true")
        settings.setdefault("DEEPSTACK_RATE_LIMIT_PER_MINUTE", "1000000000")
        threads = int(settings.get("INFERENCE_THREADS", "0")) or os.cpu_count()
        context = bl.context_line()
        server = bl.Objectvision("ov_cameras", work, settings)
        try:
            rounds = []
            for i in range(1, args.rounds + 1):
                r = one_round(args, server.port, frame_path, frame, threads)
                rounds.append(r)
                print(f"round {i}: raw {r['raw_ms']:.1f} ms; {r['frames']} frames p50 "
                      f"{r['p50']:.1f} p99 {r['p99']:.1f} ms {dict(r['statuses'])}; duplicate "
                      f"{r['dup_ms']:.2f} ms, /health {r['health_ms']:.2f} ms", flush=True)
        finally:
            server.stop()
        report(args, context, rounds, threads)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(args, context: str, rounds: list[dict], threads: int):
    col = lambda k: bl.Spread([r[k] for r in rounds])  # noqa: E731
    ratio = lambda a, b: bl.Spread([r[a] / r[b] for r in rounds])  # noqa: E731
    statuses = collections.Counter()
    for r in rounds:
        statuses.update(r["statuses"])
    out = [f"## DeepStack cameras — {context}", "",
           f"{args.rounds} rounds; {args.cameras} cameras × {args.fps:g} frames/s for "
           f"{args.seconds:g} s (320×320 JPEG, every frame different), the default model "
           f"(NanoDet-m), {threads} intra-op threads; median (min–max) of the rounds; answers: "
           + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())), ""]
    out.append(bl.markdown_table(["measured", "median (min–max)"], [
        ["raw Session::Run of the 320×320 frame", col("raw_ms").fmt(1, " ms")],
        ["camera frames, p50", col("p50").fmt(1, " ms")],
        ["camera frames, p99", col("p99").fmt(1, " ms")],
        ["GET /health, median", col("health_ms").fmt(2, " ms")],
        ["the same frame again (duplicate), median", col("dup_ms").fmt(2, " ms")]]))
    out.append("")
    out.append(bl.markdown_table(["ratio / figure (per round, same run)", "median (min–max)",
                                  "target", "verdict"], [
        ["camera p99", col("p99").fmt(1, " ms"), "≤ 60 ms",
         bl.verdict(col("p99").median, 60, False)],
        ["camera p50 / raw Session::Run", ratio("p50", "raw_ms").fmt(2, "×"), "", ""],
        ["duplicate", col("dup_ms").fmt(2, " ms"), "≤ 2 ms",
         bl.verdict(col("dup_ms").median, 2, False)],
        ["duplicate / GET /health", ratio("dup_ms", "health_ms").fmt(2, "×"), "", ""]]))
    bl.emit("\n".join(out) + "\n", args.out)


if __name__ == "__main__":
    main()
