"""Hostile requests get a clear 4xx and the server keeps serving: malformed bodies, headers and
queries; uploads whose credentials fail are refused before their body is read; slow clients
are cut off by a minimum transfer rate (408) without stalling anyone; MAX_CONNECTIONS and the
WebSockets per user are capped; only trusted proxies name the client's address."""
import json
import socket
import time

import pytest

from ovtest import api, raw
from ovtest.api import PROFILE
from ovtest.ws import Socket

UPLOAD = "/api/v1/detect/image"


def head(method: str, path: str, port: int, headers: dict[str, str]) -> bytes:
    """A request line and headers only: the body (Content-Length says how long) comes later."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_detail(body: bytes):
    return json.loads(body)["detail"]


def health_answers_quickly(server, within: float = 2.0) -> None:
    started = time.monotonic()
    r = server.get("/health", fresh=True, timeout=within + 5)
    assert r.status_code == 200
    assert time.monotonic() - started < within, "a slow client stalled /health"


# ---- malformed input: 4xx with a detail, never 500 -----------------------------------------

MULTIPART = "multipart/form-data; boundary=XyZ"
PART = b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nabc\r\n'


@pytest.mark.parametrize("content_type,body", [
    (MULTIPART, b"x" + PART + b"--XyZ--\r\n"),             # a stray byte before the boundary
    (MULTIPART, b"\r\n" + PART + b"--XyZ--\r\n"),          # a bare CRLF preamble
    (MULTIPART, PART),                                      # no closing delimiter
    (MULTIPART, b"--XyZ--"),                                # no part at all
    (MULTIPART, b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--XyZ--\r\n"),
    (MULTIPART, b"--XyZ\r\n" + b"X-A: b\r\n" * 2000 + b"\r\nabc\r\n--XyZ--\r\n"),
    ("multipart/form-data", PART),                          # no boundary parameter
    ("multipart/form-data; boundary=" + "b" * 200, PART),   # an over-long boundary
    ("application/json", b'{"image": 1}'),
], ids=["stray-byte", "crlf-preamble", "truncated", "empty", "nameless", "huge-part-headers",
        "no-boundary", "long-boundary", "json"])
def test_a_malformed_upload_is_a_4xx_with_a_detail(server, account, content_type, body):
    r = server.post(UPLOAD, data=body, headers={**account.headers, "Content-Type": content_type})
    assert 400 <= r.status_code < 500, f"{r.status_code} {r.text}"
    assert r.json()["detail"], r.text
    assert server.get("/health").status_code == 200


@pytest.mark.parametrize("path", [
    "/api/v1/detect/history?limit=abc", "/api/v1/detect/history?limit=%zz",
    "/api/v1/detect/history?offset=-1", "/api/v1/detect/jobs/not-a-uuid",
    "/api/v1/users/%ff%fe", "/api/v1/detect/history?status=" + "x" * 3000,
])
def test_a_malformed_query_or_path_is_a_4xx(server, account, path):
    r = server.get(path, headers=account.headers)
    assert 400 <= r.status_code < 500, f"{path}: {r.status_code} {r.text}"
    assert r.json()["detail"], r.text


@pytest.mark.parametrize("head", [
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n"
    b"\r\nhello",
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n",
    b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS hello
])
def test_a_malformed_request_is_a_400_and_the_server_goes_on(server, head):
    with raw.connect(server.port) as sock:
        sock.sendall(head)
        reply = raw.read_until_close(sock)
    if reply:  # a reset is acceptable for garbage; an answer must be a clean 4xx
        status, headers, body = raw.parse(reply)
        assert 400 <= status < 500, reply[:300]
        assert json_detail(body), body
    assert server.get("/health").status_code == 200


# ---- the body of an unauthenticated upload is never read -------------------------------------

def test_an_upload_without_credentials_is_refused_before_100_continue(server):
    with raw.connect(server.port) as sock:
        sock.sendall(head("POST", UPLOAD, server.port, {
            "Content-Type": MULTIPART, "Expect": "100-continue",
            "Content-Length": str(8 * 1024 * 1024)}))
        status, headers, body = raw.read_response(sock)
    assert status == 401, f"got {status} before the body was sent (100 Continue means read)"
    assert json_detail(body)


def test_an_upload_with_a_bad_token_is_answered_before_its_body_arrives(server):
    with raw.connect(server.port, timeout=5) as sock:
        sock.sendall(head("POST", UPLOAD, server.port, {
            "Authorization": "Bearer forged.token.here", "Content-Type": MULTIPART,
            "Content-Length": str(9 * 1024 * 1024)}))
        sock.sendall(b"x" * 1000)  # the start of a body the server never waits for
        status, headers, body = raw.read_response(sock)
    assert status == 401 and headers.get("www-authenticate") == "Bearer", (status, headers)


def test_an_upload_to_an_unknown_path_is_refused_before_its_body(server):
    with raw.connect(server.port, timeout=5) as sock:
        sock.sendall(head("POST", "/api/v1/nowhere", server.port, {
            "Content-Length": str(9 * 1024 * 1024)}))
        status, _, _ = raw.read_response(sock)
    assert status == 404


# ---- slow clients -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def strict(module_launch):
    return module_launch.server(name="strict", REQUEST_TIMEOUT_SECONDS="2",
                                MIN_UPLOAD_BYTES_PER_SECOND="2000", UPLOAD_GRACE_SECONDS="1",
                                MAX_CONNECTIONS="40")


def test_a_slow_header_gets_408(strict):
    with raw.connect(strict.port, timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finishes the headers
        started = time.monotonic()
        status, _, body = raw.read_response(sock)
        assert status == 408 and json_detail(body) == "Request Timeout"
        assert time.monotonic() - started < 8
        assert raw.read_until_close(sock) == b"", "the connection closes after a 408"


def test_a_trickling_upload_is_cut_at_the_minimum_rate_and_others_are_served(strict):
    account = api.new_account(strict, "slow")
    with raw.connect(strict.port, timeout=20) as sock:
        sock.sendall(head("POST", UPLOAD, strict.port, {
            **account.headers, "Content-Type": MULTIPART,
            "Content-Length": "200000"}))
        started = time.monotonic()
        sock.settimeout(0.5)
        reply = b""
        while time.monotonic() - started < 15 and not reply:
            try:
                sock.sendall(b"y" * 100)  # 200 bytes a second: well under 2000
            except OSError:
                break
            health_answers_quickly(strict)
            try:
                reply = sock.recv(65536)
            except socket.timeout:
                pass
        sock.settimeout(5)
        while b"\r\n\r\n" not in reply:
            more = sock.recv(65536)
            assert more, f"closed without an answer: {reply!r}"
            reply += more
    status, _, _ = raw.parse(reply)
    assert status == 408, reply[:300]
    assert time.monotonic() - started < 10, "the rate is enforced, not a fixed window"


def test_an_upload_at_a_steady_rate_is_not_cut(strict):
    account = api.new_account(strict, "steady")
    body = b"z" * 12000
    with raw.connect(strict.port, timeout=20) as sock:
        sock.sendall(head("POST", UPLOAD, strict.port, {
            **account.headers, "Content-Type": MULTIPART,
            "Content-Length": str(len(body))}))
        for i in range(0, len(body), 3000):  # 3000 bytes a second for four seconds
            sock.sendall(body[i:i + 3000])
            time.sleep(1)
        status, _, _ = raw.read_response(sock)
    assert status == 400, "the body arrived whole (and is no multipart): not a 408"


# ---- connection caps ----------------------------------------------------------------------

def test_connections_beyond_max_connections_get_503_and_the_server_recovers(launch):
    server = launch.server(MAX_CONNECTIONS="4")
    held = [raw.connect(server.port) for _ in range(4)]
    try:
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:  # the server accepts the four first
            with raw.connect(server.port, timeout=5) as extra:
                extra.sendall(raw.request_bytes("GET", "/health", server.port))
                reply = raw.read_until_close(extra)
            status, headers, body = raw.parse(reply)
            if status == 503:
                break
            time.sleep(0.05)
        assert status == 503, reply[:300]
        assert headers.get("retry-after") and json_detail(body), headers
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.get("/health", fresh=True).status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError("the server did not serve again once the connections closed")


def test_websockets_per_user_are_capped(launch):
    server = launch.server(MAX_WEBSOCKETS_PER_USER="2")
    account = api.new_account(server, "ws-cap")
    first, second = Socket(server, account.access_token), Socket(server, account.access_token)
    try:
        for sock in (first, second):
            sock.wait_for(lambda m: m.get("type") == "authenticated", 10, "authenticated")
        with Socket(server, account.access_token) as third:
            assert third.close_code() == 4429
        other = api.new_account(server, "ws-other")
        with Socket(server, other.access_token) as theirs:
            theirs.wait_for(lambda m: m.get("type") == "authenticated", 10, "authenticated")
    finally:
        first.close()
        second.close()


# ---- trusted proxies ------------------------------------------------------------------------

def access_ips(server, path_marker: str) -> list[str]:
    ips = []
    for line in server.stdout().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "request" and path_marker in entry.get("path", ""):
            ips.append(entry.get("ip"))
    return ips


def wait_access_ip(server, marker: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ips = access_ips(server, marker)
        if ips:
            return ips[-1]
        time.sleep(0.05)
    raise AssertionError(f"no access log line for {marker}:\n{server.logs()}")


@pytest.mark.parametrize("trusted,headers,expected", [
    ("", {"X-Forwarded-For": "203.0.113.7"}, "127.0.0.1"),
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}, "203.0.113.7"),
    ("127.0.0.0/8", {"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 127.0.0.5"}, "203.0.113.7"),
    ("127.0.0.1", {"Forwarded": 'for="[2001:db8::1]:4711";proto=https'}, "2001:db8::1"),
    ("10.0.0.0/8", {"X-Forwarded-For": "203.0.113.7"}, "127.0.0.1"),
], ids=["untrusted-peer", "trusted-peer", "chain", "forwarded-v6", "other-network"])
def test_only_trusted_proxies_name_the_client(launch, trusted, headers, expected):
    server = launch.server(TRUSTED_PROXIES=trusted)
    marker = f"/probe-{time.monotonic_ns()}"
    assert server.get(marker, headers=headers).status_code == 404
    assert wait_access_ip(server, marker) == expected


def test_an_invalid_trusted_proxies_value_stops_the_start(launch):
    server = launch.server(start=False)
    rc, out, err = server.run_until_exit(settings={"TRUSTED_PROXIES": "10.0.0.0/99"})
    assert rc == 2 and "TRUSTED_PROXIES" in err, (rc, err)


def test_rate_limits_count_the_forwarded_client(launch):
    server = launch.server(TRUSTED_PROXIES="127.0.0.1", RATE_LIMIT_PER_MINUTE="6",
                           RATE_LIMIT_BURST="2")
    a = {"X-Forwarded-For": "203.0.113.1"}
    b = {"X-Forwarded-For": "203.0.113.2"}
    statuses = [server.get("/api/v1/models", headers=a).status_code for _ in range(3)]
    assert statuses[-1] == 429, statuses
    assert server.get("/api/v1/models", headers=b).status_code != 429, "another client's bucket"


def test_profile_still_works_behind_all_this(server, account):
    assert server.get(PROFILE, headers=account.headers).status_code == 200
