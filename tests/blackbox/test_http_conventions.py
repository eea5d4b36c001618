"""What every route shares: 404 / 405 JSON, HEAD, OPTIONS, X-Request-ID, X-Process-Time,
security headers, the header size limit, JSON logs with the request id."""
import json
import time
import uuid

import pytest

from ovtest import api, raw
from ovtest.api import PROFILE, SIGNUP

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "no-referrer"}


def allow_set(r) -> set[str]:
    return {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/api/v1/users/get-profile/extra",
                                  "/api/v2/auth/login"])
def test_an_unknown_path_is_404_json(server, path):
    api.assert_error(server.get(path), 404)


@pytest.mark.parametrize("method,path,allowed", [
    ("GET", SIGNUP, "POST"), ("DELETE", "/api/v1/auth/login", "POST"),
    ("POST", PROFILE, "GET"), ("PUT", "/api/v1/users/0f8fad5b-d9cb-469f-a165-70867728950e",
                               "PATCH"), ("DELETE", "/health", "GET")])
def test_a_known_path_with_another_method_is_405_with_allow(server, method, path, allowed):
    r = server.request(method, path)
    api.assert_error(r, 405)
    assert allowed in allow_set(r), f"Allow lists {allowed}: {r.headers.get('Allow')!r}"
    assert method not in allow_set(r), r.headers.get("Allow")


@pytest.mark.parametrize("path", ["/health", "/openapi.json"])
def test_head_answers_the_get_headers_without_a_body(server, path):
    get = server.get(path, headers={"Accept-Encoding": "identity"})
    sock = raw.connect(server.port)
    with sock:
        sock.sendall(raw.request_bytes("HEAD", path, server.port, {
            "Accept-Encoding": "identity", "Connection": "close"}))
        status, headers, body = raw.parse(raw.read_until_close(sock))
    assert status == 200, headers
    assert body == b"", f"HEAD must send no body, got {body[:100]!r}"
    assert headers.get("content-type") == get.headers.get("Content-Type")
    if "content-length" in headers:
        assert int(headers["content-length"]) == len(get.content), \
            "HEAD announces the length of the GET body"
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, f"HEAD carries {name}"
    assert "x-request-id" in headers and "x-process-time" in headers


def test_head_on_an_authenticated_get_route(server, account):
    r = server.head(PROFILE, headers=account.headers)
    assert r.status_code == 200 and r.content == b""
    assert server.head(PROFILE).status_code == 401


def test_a_plain_options_answers_204_with_allow(server):
    r = server.options(PROFILE)
    assert r.status_code == 204, r.text
    assert "GET" in allow_set(r), r.headers.get("Allow")
    r = server.options(SIGNUP)
    assert r.status_code == 204 and "POST" in allow_set(r), r.headers
    r = server.options("/api/v1/users/0f8fad5b-d9cb-469f-a165-70867728950e")
    assert r.status_code == 204 and {"GET", "PATCH"} <= allow_set(r), r.headers


# ---- request ids and timing -------------------------------------------------------------

# A fixed UUID: parameters must be the same in every pytest-xdist process (scripts/test.sh).
@pytest.mark.parametrize("rid", ["abc-123", "req.2024:01_AB-cd", "a" * 128,
                                 "6f1c2b3a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"])
def test_a_valid_request_id_is_echoed(server, rid):
    r = server.get("/health", headers={"X-Request-ID": rid})
    assert r.headers.get("X-Request-ID") == rid


@pytest.mark.parametrize("rid", ["a" * 129, "b" * 300, "has spaces in it", "semi;colon",
                                 "slash/id", "quote\"d"])
def test_an_invalid_request_id_is_replaced_by_a_uuid(server, rid):
    r = server.get("/health", headers={"X-Request-ID": rid})
    got = r.headers.get("X-Request-ID", "")
    assert got != rid
    assert api.UUID_RE.match(got.lower()), f"a new UUID replaces {rid[:40]!r}: {got!r}"


def test_a_request_id_is_generated_when_absent_and_differs_per_request(server):
    ids = {server.get("/health").headers.get("X-Request-ID") for _ in range(3)}
    assert len(ids) == 3 and all(api.UUID_RE.match(i.lower()) for i in ids), ids


@pytest.mark.parametrize("method,path,status", [("GET", "/nope", 404), ("GET", PROFILE, 401),
                                                ("DELETE", "/health", 405),
                                                ("POST", SIGNUP, 422)])
def test_error_answers_carry_request_id_and_process_time(server, method, path, status):
    r = server.request(method, path, headers={"X-Request-ID": "err-probe-1"}, json={})
    assert r.status_code == status, r.text
    assert r.headers.get("X-Request-ID") == "err-probe-1"
    assert float(r.headers["X-Process-Time"]) >= 0


def test_process_time_is_a_non_negative_float(server, account):
    for r in (server.get("/health"), server.get(PROFILE, headers=account.headers)):
        value = r.headers.get("X-Process-Time")
        assert value is not None, r.headers
        assert float(value) >= 0 and float(value) < 60, value


# ---- security headers -------------------------------------------------------------------

@pytest.mark.parametrize("path,status", [("/health", 200), ("/nope", 404),
                                         (PROFILE, 401), ("/openapi.json", 200)])
def test_security_headers_on_every_answer(server, path, status):
    r = server.get(path)
    assert r.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, f"{name} on {path}: {r.headers.get(name)!r}"


def test_api_answers_are_not_cached(server, account):
    for r in (server.get(PROFILE, headers=account.headers),
              server.post(api.LOGIN, json={"email": account.email, "password": api.PASSWORD})):
        assert "no-store" in r.headers.get("Cache-Control", ""), r.headers


# ---- limits -----------------------------------------------------------------------------

def test_request_headers_over_16_kib_are_431(server):
    r = server.get("/health", headers={"X-Filler": "f" * (17 * 1024)})
    assert r.status_code == 431, r.status_code
    assert server.get("/health").status_code == 200, "the server answers the next request"


def test_request_headers_of_12_kib_are_accepted(server):
    r = server.get("/health", headers={"X-Filler": "f" * (12 * 1024)})
    assert r.status_code == 200, "the header limit is 16 KiB, not 8"


# ---- logs -------------------------------------------------------------------------------

def test_logs_are_json_lines_carrying_the_request_id(server):
    rid = "log-probe-" + uuid.uuid4().hex
    assert server.get(PROFILE, headers={"X-Request-ID": rid}).status_code == 401
    deadline = time.monotonic() + 5
    found = []
    while not found and time.monotonic() < deadline:
        lines = [line for line in server.stdout().splitlines() if line.strip()]
        found = [line for line in lines if rid in line]
        time.sleep(0.1)
    assert found, f"no log line names request id {rid}\n{server.logs(2000)}"
    assert json.loads(found[0]).get("request_id") == rid, found[0]
    for line in lines:
        try:
            parsed = json.loads(line)
        except ValueError:
            parsed = None
        assert isinstance(parsed, dict), f"a log line that is not a JSON object: {line}"
