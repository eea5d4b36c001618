"""/health, /health/database, /health/redis, /health/ready, in each shape."""
import shutil
import subprocess
import time

import pytest

from ovtest.server import free_port


def test_health_is_ok_with_a_version(server):
    r = server.get("/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert isinstance(body["version"], str) and body["version"], body


def test_health_database_names_the_backend(server, shape):
    r = server.get("/health/database")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert body["backend"] == ("postgresql" if shape == "scaled" else "sqlite"), body
    assert isinstance(body["latency_ms"], (int, float)) and body["latency_ms"] >= 0, body


def test_health_redis(server, shape):
    r = server.get("/health/redis")
    assert r.status_code == 200, r.text
    body = r.json()
    if shape == "scaled":
        assert body["status"] == "ok", body
        assert isinstance(body["latency_ms"], (int, float)) and body["latency_ms"] >= 0, body
    else:
        assert body == {"status": "disabled"}, body


def test_health_ready(server, shape):
    r = server.get("/health/ready")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "checks": {
        "database": "ok", "migrations": "ok",
        "redis": "ok" if shape == "scaled" else "disabled"}}, r.text


def test_health_needs_no_token(server):
    for path in ("/health", "/health/database", "/health/redis", "/health/ready"):
        assert server.get(path).status_code == 200, path


@pytest.mark.scaled_only
def test_a_lost_database_makes_database_and_ready_503(launch):
    server = launch.server()
    server.backend.drop_database()  # closes the server's connections and removes the database
    deadline = time.monotonic() + 10
    while True:
        r = server.get("/health/database")
        if r.status_code == 503 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 503, r.text
    assert r.json()["status"] == "error", r.text
    ready = server.get("/health/ready")
    assert ready.status_code == 503, ready.text
    assert ready.json()["status"] == "not_ready"
    assert ready.json()["checks"]["database"] != "ok", ready.text
    assert server.get("/health").status_code == 200, "liveness does not depend on the database"


@pytest.mark.scaled_only
def test_a_lost_redis_makes_redis_and_ready_503(launch, tmp_path):
    """The server runs on a private Redis that the test then shuts down."""
    redis_bin = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    redis = subprocess.Popen([redis_bin, "--bind", "127.0.0.1", "--port", str(port), "--save",
                              "", "--appendonly", "no", "--dir", str(tmp_path)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        backend = launch.backend()
        backend.env["REDIS_URL"] = f"redis://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                             check=False).stdout.strip() != b"PONG":
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.1)
        server = launch.server(backend=backend)
        assert server.get("/health/redis").json()["status"] == "ok"
        redis.terminate()
        redis.wait(timeout=10)
        r = server.get("/health/redis")
        assert r.status_code == 503, r.text
        ready = server.get("/health/ready")
        assert ready.status_code == 503, ready.text
        assert ready.json()["status"] == "not_ready"
        assert ready.json()["checks"]["redis"] != "ok", ready.text
        assert server.get("/health").status_code == 200, "liveness does not depend on Redis"
    finally:
        if redis.poll() is None:
            redis.kill()
            redis.wait()
