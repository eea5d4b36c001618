#!/usr/bin/python3
"""The detection API against the raw engine, measured side by side in one run (DESIGN.md §8).

  1. POST /api/v1/detect/image?wait=true on dog.jpg (annotate=false), sequential: median
     latency, against the engine's own per-image cost on the same photo with the same threads
     (`objectvision detect` on 1 and on 41 copies: the difference over 40 images, so that
     process start and model load cancel out);
  2. throughput with 8 concurrent clients against the engine's (two `detect` processes, one per
     in-process worker);
  3. POST /v1/vision/detection with a 320x320 JPEG: p50 / p99 (Frigate gives up after 100 ms).

Usage: bench/detect_api.py [rounds]   (needs `make build`; runs the embedded shape)
"""
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, "build", "objectvision")
DOG = "/usr/share/darknet/data/dog.jpg"
WORKERS = 2  # in-process workers, one inference thread each: the two cores


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(fields, files):
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


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        return r.status, r.read()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def engine_per_image_ms(env):
    def run(n):
        t = time.perf_counter()
        subprocess.run([BIN, "detect", "--threads", "1"] + [DOG] * n, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        return time.perf_counter() - t
    return (run(41) - run(1)) / 40 * 1000


def engine_throughput(env, seconds_hint=40):
    t = time.perf_counter()
    procs = [subprocess.Popen([BIN, "detect", "--threads", "1"] + [DOG] * seconds_hint, env=env,
                              stdout=subprocess.DEVNULL) for _ in range(WORKERS)]
    for p in procs:
        p.wait()
    return WORKERS * seconds_hint / (time.perf_counter() - t)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    work = tempfile.mkdtemp(prefix="ov-bench-")
    port = free_port()
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), DATA_DIR=os.path.join(work, "data"),
               MODELS_DIR=os.path.join(REPO, "models"), LOG_LEVEL="warning",
               RATE_LIMIT_PER_MINUTE="0", RATE_LIMIT_USER_PER_MINUTE="0",
               RATE_LIMIT_AUTH_PER_MINUTE="0", SERVE_WORKERS=str(WORKERS),
               INFERENCE_THREADS="1", MAX_JOBS_IN_FLIGHT_PER_USER="100000")
    server = subprocess.Popen([BIN, "serve"], cwd=work, env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if Client(port).request("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        c = Client(port)
        creds = json.dumps({"email": "bench@example.com", "password": "bench-password"})
        c.request("POST", "/api/v1/auth/signup", creds, {"Content-Type": "application/json"})
        _, body = c.request("POST", "/api/v1/auth/login", creds, {"Content-Type": "application/json"})
        token = json.loads(body)["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        _, me = c.request("GET", "/api/v1/users/get-profile", headers=auth)
        _, key = c.request("POST", f"/api/v1/users/{json.loads(me)['id']}/api-key", headers=auth)
        api_key = json.loads(key)["api_key"]
        small = os.path.join(work, "frame320.jpg")
        subprocess.run([os.path.join(REPO, "build", "bench", "bench_resize_jpeg"), DOG, small,
                        "320", "320"], check=True)
        dog = open(DOG, "rb").read()
        frame = open(small, "rb").read()
        upload, upload_type = multipart({"annotate": "false"}, {"image": ("dog.jpg", dog)})
        frame_body, frame_type = multipart({"api_key": api_key}, {"image": ("f.jpg", frame)})

        def detect_wait(client):
            status, _ = client.request("POST", "/api/v1/detect/image?wait=true", upload,
                                       dict(auth, **{"Content-Type": upload_type}))
            assert status == 200, status

        for _ in range(3):
            detect_wait(c)  # warm-up
        print(f"{'round':>5} {'engine_ms':>9} {'api_ms':>7} {'ratio':>6} {'eng_img/s':>9} "
              f"{'api_img/s':>9} {'ratio':>6} {'ds_p50':>7} {'ds_p99':>7}")
        results = []
        for r in range(1, rounds + 1):
            engine_ms = engine_per_image_ms(env)
            latencies = []
            for _ in range(20):
                t = time.perf_counter()
                detect_wait(c)
                latencies.append((time.perf_counter() - t) * 1000)
            api_ms = statistics.median(latencies)

            eng_ips = engine_throughput(env)
            done = [0]
            lock = threading.Lock()
            stop = time.perf_counter() + 15

            def client_loop():
                cl = Client(port)
                while time.perf_counter() < stop:
                    detect_wait(cl)
                    with lock:
                        done[0] += 1
            t0 = time.perf_counter()
            threads = [threading.Thread(target=client_loop) for _ in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            api_ips = done[0] / (time.perf_counter() - t0)

            ds = []
            for _ in range(100):
                t = time.perf_counter()
                status, body = c.request("POST", "/v1/vision/detection", frame_body,
                                         {"Content-Type": frame_type})
                ds.append((time.perf_counter() - t) * 1000)
                assert status == 200 and json.loads(body)["success"], body
            row = (engine_ms, api_ms, api_ms / engine_ms, eng_ips, api_ips, api_ips / eng_ips,
                   percentile(ds, 50), percentile(ds, 99))
            results.append(row)
            print(f"{r:>5} {row[0]:9.1f} {row[1]:7.1f} {row[2]:6.2f} {row[3]:9.1f} {row[4]:9.1f} "
                  f"{row[5]:6.2f} {row[6]:7.1f} {row[7]:7.1f}")
        med = [statistics.median(col) for col in zip(*results)]
        print(f"{'med':>5} {med[0]:9.1f} {med[1]:7.1f} {med[2]:6.2f} {med[3]:9.1f} {med[4]:9.1f} "
              f"{med[5]:6.2f} {med[6]:7.1f} {med[7]:7.1f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
