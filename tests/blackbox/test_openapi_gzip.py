"""GET /openapi.json (generated from the route table) and gzip compression."""
import gzip
import json

import pytest

DOCUMENTED = {
    "/api/v1/auth/signup": {"post"},
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/refresh": {"post"},
    "/api/v1/auth/logout": {"post"},
    "/api/v1/users/get-profile": {"get"},
    "/api/v1/users/{user_id}": {"get", "patch"},
    "/health": {"get"},
    "/health/database": {"get"},
    "/health/redis": {"get"},
    "/health/ready": {"get"},
}


def raw_body(r) -> bytes:
    return r.raw.read(decode_content=False)


def test_openapi_is_3_1_and_lists_every_documented_route(server):
    r = server.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    doc = r.json()
    assert str(doc.get("openapi", "")).startswith("3.1"), doc.get("openapi")
    assert doc.get("info", {}).get("title"), "info.title is set"
    for path, methods in DOCUMENTED.items():
        assert path in doc["paths"], f"{path} missing from /openapi.json"
        assert methods <= set(doc["paths"][path]), f"{path}: {sorted(doc['paths'][path])}"


def test_gzip_when_the_client_accepts_it(server):
    r = server.get("/openapi.json", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == "gzip", r.headers
    assert "accept-encoding" in r.headers.get("Vary", "").lower(), r.headers
    body = raw_body(r)
    assert body[:2] == b"\x1f\x8b", "a gzip stream"
    doc = json.loads(gzip.decompress(body))
    assert "/api/v1/auth/signup" in doc["paths"]


@pytest.mark.parametrize("accept", ["br, gzip;q=0.8, deflate", "deflate, gzip"])
def test_gzip_among_other_encodings(server, accept):
    r = server.get("/openapi.json", headers={"Accept-Encoding": accept}, stream=True)
    assert r.headers.get("Content-Encoding") == "gzip", r.headers
    json.loads(gzip.decompress(raw_body(r)))


def test_no_compression_without_accept_encoding(server):
    r = server.get("/openapi.json", headers={"Accept-Encoding": "identity"}, stream=True)
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding", "identity") == "identity", r.headers
    body = raw_body(r)
    assert len(body) >= 1000
    json.loads(body)


def test_gzip_refused_with_q_zero_is_not_used(server):
    r = server.get("/openapi.json", headers={"Accept-Encoding": "gzip;q=0"}, stream=True)
    assert r.headers.get("Content-Encoding", "identity") == "identity", r.headers
    json.loads(raw_body(r))


def test_small_answers_are_not_compressed(server):
    r = server.get("/health", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.headers.get("Content-Encoding", "identity") == "identity", \
        "answers under 1000 bytes stay plain"
    assert json.loads(raw_body(r))["status"] == "ok"
