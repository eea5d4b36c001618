#!/usr/bin/python3
"""Where the milliseconds of one `POST /api/v1/detect/image?wait=true` go, read from the server's
own trace (issue 9: what the wait=true ratio of bench/detect_ratio.py is made of). `objectvision
serve` runs embedded with its defaults and the same model and photo as detect_ratio.py (the
YOLOv8n float twin, dog.jpg, annotate=false); it exports its spans over OTLP/HTTP JSON to a
collector in this script. --requests uploads, one at a time, each with a sampled `traceparent`,
after 5 unsampled to warm up. For each span name: how many per request, and the median start,
end and duration in ms from the start of the request's server span; then the client's median
time against the server span's. Tracing adds its own small cost to every span (see
docs/performance.md); no target: a breakdown, not a ratio.

Usage: bench/detect_spans.py [--requests 40] [--model MODEL.onnx] [--photo PATH] [--env K=V]...
                             [--out FILE.md]
"""
import argparse
import collections
import json
import os
import secrets
import shutil
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import benchlib as bl
import detect_ratio


class Collector:
    """An OTLP/HTTP JSON endpoint on loopback: keeps every span it is sent, by trace id."""

    def __init__(self):
        self.lock = threading.Lock()
        self.spans: dict[str, list[dict]] = collections.defaultdict(list)
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with collector.lock:
                    for rs in json.loads(body).get("resourceSpans", []):
                        for ss in rs.get("scopeSpans", []):
                            for span in ss.get("spans", []):
                                collector.spans[span["traceId"]].append(span)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def of_trace(self, trace_id: str) -> list[dict]:
        with self.lock:
            return list(self.spans.get(trace_id, []))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int, default=40)
    p.add_argument("--model", help="an ONNX model instead of the YOLOv8n float twin")
    p.add_argument("--photo", default=detect_ratio.DOG)
    p.add_argument("--annotate", action="store_true", help="annotate=true on the uploads")
    p.add_argument("--env", action="append", default=[], metavar="K=V",
                   help="a setting of the server (e.g. INFERENCE_NICE=0); repeatable")
    p.add_argument("--out", help="also write the report (markdown) here")
    return p.parse_args()


def spans_of(collector: Collector, trace_ids: list[str], seconds: float = 30) -> dict:
    """Every trace's spans, once its server span has arrived (the exporter sends in batches)."""
    deadline = time.monotonic() + seconds
    while True:
        traces = {t: collector.of_trace(t) for t in trace_ids}
        missing = [t for t, spans in traces.items() if not any(
            s.get("kind") == 2 for s in spans)]  # SPAN_KIND_SERVER
        if not missing:
            return traces
        if time.monotonic() > deadline:
            raise SystemExit(f"detect_spans: {len(missing)} of {len(trace_ids)} traces never "
                             "arrived at the collector")
        time.sleep(0.2)


def main():
    args = parse_args()
    bl.require([bl.ov_binary()], "build it (cmake --build build --target objectvision), or "
               "point OV_BINARY at a build")
    work = bl.work_dir("ov-bench-spans-")
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: str):
    model = detect_ratio.prepare_model(args, work)
    if model is None:
        return
    collector = Collector()
    settings = dict(kv.split("=", 1) for kv in args.env)
    settings.setdefault("MODELS_DIR", os.path.dirname(os.path.dirname(os.path.dirname(model))))
    settings.setdefault("MAX_JOBS_IN_FLIGHT_PER_USER", "100000")
    settings.update({
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://127.0.0.1:{collector.port}/v1/traces",
        "OTEL_TRACES_SAMPLER": "parentbased_always_off", "OTEL_BSP_SCHEDULE_DELAY": "500"})
    context = bl.context_line()
    server = bl.Objectvision("ov_traced", work, settings)
    try:
        token = server.signup_and_login()
        with open(args.photo, "rb") as f:
            photo = f.read()
        body, ctype = bl.multipart({"annotate": "true" if args.annotate else "false"},
                                   {"image": (os.path.basename(args.photo), photo)})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": ctype}
        client = bl.Client(server.port)
        path = "/api/v1/detect/image?wait=true"
        for _ in range(5):
            client.request("POST", path, body, headers)
        trace_ids, client_ms = [], []
        for _ in range(args.requests):
            trace_id = secrets.token_hex(16)
            traced = dict(headers, traceparent=f"00-{trace_id}-{secrets.token_hex(8)}-01")
            t0 = time.perf_counter()
            status, answer = client.request("POST", path, body, traced)
            client_ms.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise SystemExit(f"detect_spans: answered {status}: {answer[:300]!r}")
            trace_ids.append(trace_id)
        client.close()
        traces = spans_of(collector, trace_ids)
    finally:
        server.stop()
        collector.close()

    by_name = collections.defaultdict(list)  # name -> [(start, end)] in ms from the server span
    server_ms = []
    for spans in traces.values():
        root = next(s for s in spans if s.get("kind") == 2)
        t0 = int(root["startTimeUnixNano"])
        server_ms.append((int(root["endTimeUnixNano"]) - t0) / 1e6)
        for s in spans:
            by_name[s["name"]].append(((int(s["startTimeUnixNano"]) - t0) / 1e6,
                                       (int(s["endTimeUnixNano"]) - t0) / 1e6))
    med = statistics.median
    rows = []
    for name, times in sorted(by_name.items(), key=lambda kv: (med([a for a, _ in kv[1]]),
                                                               -med([b for _, b in kv[1]]))):
        rows.append([f"`{name}`", f"{len(times) / len(traces):.1f}",
                     f"{med([a for a, _ in times]):.2f}", f"{med([b for _, b in times]):.2f}",
                     f"{med([b - a for a, b in times]):.2f}"])
    out = [f"{context}; {args.requests} traced requests of {os.path.basename(args.photo)}, "
           f"model {os.path.basename(os.path.dirname(os.path.dirname(model)))}, "
           f"annotate={'true' if args.annotate else 'false'}.", "",
           bl.markdown_table(["span", "per request", "start (ms)", "end (ms)", "duration (ms)"],
                             rows), "",
           f"The client's median: {med(client_ms):.2f} ms; the server span's: "
           f"{med(server_ms):.2f} ms (the rest is the client and the loopback)."]
    bl.emit("\n".join(out), args.out)


if __name__ == "__main__":
    main()
