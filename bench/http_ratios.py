#!/usr/bin/python3
"""HTTP throughput and latency as ratios measured side by side in one run (issue 9, DESIGN.md §8).

Starts on loopback, all at once: PostgreSQL and Redis (tests/servers.sh), the old service's
stack (bench/old_stack: FastAPI + uvicorn with 2 workers + SQLAlchemy async + asyncpg), the
hello-world Beast server (hello_beast), and `objectvision serve` twice: embedded (SQLite) and
scaled (PostgreSQL + Redis). Rate limits are set far above what wrk sends; everything else,
the log level included, is the default. Then, in every round, one wrk run per target, the
targets in the same order every round (A B C ... A B C ...) so that the noise of a shared
machine hits them all alike:

  hello              hello_beast GET /
  health             ours GET /health                 (embedded, and scaled)
  profile            ours GET /api/v1/users/get-profile with a bearer token (embedded, scaled)
  old profile        the old stack's get-profile with its bearer token
  profile traced     with --traced: ours get-profile (embedded) with tracing on, every request
                     sampled, spans exported to hello_beast standing in for a collector

Reports req/s and p50 / p99 per target (median of the rounds, min–max), and per round the ratios
the issue's targets name: get-profile ours / old stack (>= 30), get-profile / our /health
(>= 0.6), our /health / hello-world (>= 0.5); the p99 of get-profile (<= 10 ms); with --traced,
get-profile traced / untraced (embedded), what tracing costs (>= 0.9).

Usage: bench/http_ratios.py [--rounds N] [--duration 10s] [--connections 64] [--threads 2]
                            [--shapes embedded,scaled] [--no-old-stack] [--traced]
                            [--out FILE.md]
Environment: ROUNDS, DURATION, CONNECTIONS, WRK_THREADS, SHAPES, BENCH_OUT set the defaults;
OV_BINARY, OV_BENCH_DIR pick the binaries (see benchlib.py).
"""
import argparse
import os
import secrets
import shutil
import subprocess
import sys

import benchlib as bl

OLD_STACK_USERS = 1000


def parse_args():
    e = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=int(e("ROUNDS", "3")))
    p.add_argument("--duration", default=e("DURATION", "10s"), help="wrk -d per run")
    p.add_argument("--connections", type=int, default=int(e("CONNECTIONS", "64")))
    p.add_argument("--threads", type=int, default=int(e("WRK_THREADS", "2")), help="wrk -t")
    p.add_argument("--shapes", default=e("SHAPES", "embedded,scaled"),
                   help="which shapes of ours: embedded, scaled or both")
    p.add_argument("--no-old-stack", action="store_true", help="skip the FastAPI stack")
    p.add_argument("--traced", action="store_true",
                   help="also get-profile (embedded) with every request traced and exported")
    p.add_argument("--out", default=e("BENCH_OUT"), help="also write the report (markdown) here")
    args = p.parse_args()
    args.shapes = [s for s in args.shapes.split(",") if s]
    if any(s not in ("embedded", "scaled") for s in args.shapes):
        p.error("--shapes takes embedded, scaled or both")
    return args


def start_old_stack(work: str, servers: dict) -> tuple[bl.Process, int, str]:
    """Seeds a database of its own and starts uvicorn with 2 workers; returns it, its port and a
    user's token."""
    admin = servers["OV_TEST_DATABASE_URL"]
    url = bl.create_database(admin, "old_stack").replace("postgresql://", "postgresql+asyncpg://")
    env = dict(os.environ, OLD_STACK_DATABASE_URL=url,
               OLD_STACK_JWT_SECRET=secrets.token_urlsafe(32),
               PYTHONPATH=os.path.join(bl.REPO, "bench"), PYTHONDONTWRITEBYTECODE="1")
    token = subprocess.run([bl.PYTHON, "-m", "old_stack.seed", str(OLD_STACK_USERS)], env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    port = bl.free_port()
    proc = bl.Process("old_stack", [bl.PYTHON, "-m", "uvicorn", "old_stack.app:app", "--host",
                                    "127.0.0.1", "--port", str(port), "--workers", "2"],
                      env, work, work)
    bl.wait_http(port, "/health", proc)
    return proc, port, token


def start_hello(work: str) -> tuple[bl.Process, int]:
    port = bl.free_port()
    proc = bl.Process("hello_beast", [bl.bench_tool("hello_beast"), "--port", str(port)],
                      dict(os.environ), work, work)
    bl.wait_http(port, "/", proc)
    return proc, port


def main():
    args = parse_args()
    bl.require([bl.ov_binary(), bl.bench_tool("hello_beast")],
               "build them (cmake --build build --target objectvision hello_beast), or point "
               "OV_BINARY / OV_BENCH_DIR at another build")
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: scripts/setup.sh installs it")
    context = bl.context_line()
    work = bl.work_dir("ov-bench-http-")
    wrk_headers = {}
    targets = []  # (key, label, url)
    started = []
    notes = []
    need_pg = "scaled" in args.shapes or not args.no_old_stack
    try:
        with (bl.test_servers() if need_pg else _no_servers()) as servers:
            hello, hello_port = start_hello(work)
            started.append(hello)
            targets.append(("hello", "hello_beast GET /", f"http://127.0.0.1:{hello_port}/"))
            for shape in args.shapes:
                settings = {}
                if shape == "scaled":
                    if servers is None:
                        notes.append("scaled shape skipped: PostgreSQL / Redis did not start")
                        continue
                    settings = {"DATABASE_URL": bl.create_database(
                                    servers["OV_TEST_DATABASE_URL"], "ov_bench"),
                                "REDIS_URL": servers["OV_TEST_REDIS_URL"] + "/1"}
                ours = bl.Objectvision(f"ov_{shape}", work, settings)
                started.append(ours.process)
                token = ours.signup_and_login()
                base = f"http://127.0.0.1:{ours.port}"
                targets.append((f"health_{shape}", f"ours GET /health ({shape})",
                                f"{base}/health"))
                targets.append((f"profile_{shape}", f"ours get-profile ({shape})",
                                f"{base}/api/v1/users/get-profile"))
                wrk_headers[f"profile_{shape}"] = [f"Authorization: Bearer {token}"]
            if args.traced:
                # Every request sampled; spans batched to hello_beast (POST -> 200) as they
                # would be to a collector on the same machine.
                traced = bl.Objectvision("ov_traced", work, {
                    "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{hello_port}",
                    "OTEL_TRACES_SAMPLER": "always_on", "OTEL_BSP_SCHEDULE_DELAY": "1000"})
                started.append(traced.process)
                token = traced.signup_and_login()
                targets.append(("profile_traced", "ours get-profile (embedded, traced)",
                                f"http://127.0.0.1:{traced.port}/api/v1/users/get-profile"))
                wrk_headers["profile_traced"] = [f"Authorization: Bearer {token}"]
            if not args.no_old_stack:
                if servers is None:
                    notes.append("old stack skipped: PostgreSQL did not start")
                else:
                    old, old_port, old_token = start_old_stack(work, servers)
                    started.append(old)
                    targets.append(("old", "old stack get-profile (FastAPI, 2 workers)",
                                    f"http://127.0.0.1:{old_port}/api/v1/users/get-profile"))
                    wrk_headers["old"] = [f"Authorization: Bearer {old_token}"]

            print(f"# {context}\n# {len(targets)} targets, {args.rounds} rounds of wrk "
                  f"-t{args.threads} -c{args.connections} -d{args.duration}", flush=True)
            for key, _, url in targets:  # warm-up: connection pools, caches, page faults
                bl.wrk(url, args.threads, args.connections, "2s", wrk_headers.get(key, ()))
            results = {key: [] for key, _, _ in targets}
            for r in range(1, args.rounds + 1):
                for key, label, url in targets:
                    res = bl.wrk(url, args.threads, args.connections, args.duration,
                                 wrk_headers.get(key, ()))
                    results[key].append(res)
                    print(f"round {r}  {label:<45} {res['rps']:>10,.0f} req/s  p50 "
                          f"{res['p50']:8.2f} ms  p99 {res['p99']:8.2f} ms  errors "
                          f"{res['errors']}", flush=True)
            load_end = bl.load_average()
    finally:
        for proc in reversed(started):
            proc.stop()
    report(args, context, targets, results, notes, load_end)
    shutil.rmtree(work, ignore_errors=True)


class _no_servers:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def report(args, context, targets, results, notes, load_end):
    rows = []
    for key, label, _ in targets:
        runs = results[key]
        rows.append([label,
                     bl.Spread([x["rps"] for x in runs]).fmt(0),
                     bl.Spread([x["p50"] for x in runs]).fmt(2),
                     bl.Spread([x["p99"] for x in runs]).fmt(2),
                     str(sum(x["errors"] for x in runs))])

    def per_round(a, b):
        if a not in results or b not in results:
            return None
        return bl.Spread([x["rps"] / y["rps"] if y["rps"] else float("nan")
                          for x, y in zip(results[a], results[b])])

    ratio_rows = []
    for shape in args.shapes:
        for name, a, b, target in (
                ("get-profile ours / old stack", f"profile_{shape}", "old", 30.0),
                ("get-profile / our /health", f"profile_{shape}", f"health_{shape}", 0.6),
                ("our /health / hello-world Beast", f"health_{shape}", "hello", 0.5)):
            s = per_round(a, b)
            if s is not None:
                ratio_rows.append([f"{name} ({shape})", s.fmt(3, "×"), f"≥ {target:g}×",
                                   bl.verdict(s.median, target, True)])
        if f"profile_{shape}" in results:
            p99 = bl.Spread([x["p99"] for x in results[f"profile_{shape}"]])
            ratio_rows.append([f"get-profile p99 at {args.connections} connections ({shape})",
                               p99.fmt(2, " ms"), "≤ 10 ms", bl.verdict(p99.median, 10, False)])
    out = [f"## HTTP ratios — {context}", "",
           f"wrk -t{args.threads} -c{args.connections} -d{args.duration} --latency, "
           f"{args.rounds} rounds interleaved; median (min–max) of the rounds; load average "
           f"{bl.load_average() if load_end is None else load_end:.2f} at the end.", "",
           bl.markdown_table(["target", "req/s", "p50 ms", "p99 ms", "errors"], rows), "",
           bl.markdown_table(["ratio (per round, same run)", "median (min–max)", "target",
                              "verdict"], ratio_rows)]
    traced = per_round("profile_traced", "profile_embedded")
    if traced is not None:
        out += ["", bl.markdown_table(
            ["ratio (per round, same run)", "median (min–max)", "target", "verdict"],
            [["get-profile traced / untraced (embedded)", traced.fmt(3, "×"), "≥ 0.9×",
              bl.verdict(traced.median, 0.9, True)]])]
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    if any(sum(x["errors"] for x in results[k]) for k in results):
        out += ["", "- errors above zero: some requests failed; their targets' figures are "
                    "not comparable (see the server logs)."]
    bl.emit("\n".join(out), args.out)


if __name__ == "__main__":
    main()
