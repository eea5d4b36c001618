"""CORS: listed origins (the shared server allows two), wildcard, and refusals."""
import pytest

from ovtest.api import LOGIN

ALLOWED = "https://app.example.com"
OTHER_ALLOWED = "http://localhost:3000"
DENIED = "https://evil.example.net"


def preflight(server, origin, method="POST", headers="content-type,authorization", path=LOGIN):
    return server.options(path, headers={"Origin": origin,
                                         "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": headers})


def vary(r) -> set[str]:
    return {v.strip().lower() for v in r.headers.get("Vary", "").split(",")}


def csv(r, name) -> set[str]:
    return {v.strip().lower() for v in r.headers.get(name, "").split(",") if v.strip()}


@pytest.mark.parametrize("origin", [ALLOWED, OTHER_ALLOWED])
def test_a_preflight_from_an_allowed_origin_is_204_with_the_cors_headers(server, origin):
    r = preflight(server, origin)
    assert r.status_code == 204, r.text
    assert r.headers.get("Access-Control-Allow-Origin") == origin
    assert r.headers.get("Access-Control-Allow-Credentials") == "true"
    assert "post" in csv(r, "Access-Control-Allow-Methods"), r.headers
    allowed_headers = csv(r, "Access-Control-Allow-Headers")
    assert "*" in allowed_headers or {"content-type", "authorization"} <= allowed_headers, \
        r.headers
    assert r.headers.get("Access-Control-Max-Age") == "600"
    assert "origin" in vary(r), r.headers.get("Vary")


def test_a_preflight_from_a_disallowed_origin_is_400(server):
    r = preflight(server, DENIED)
    assert r.status_code == 400, r.text
    assert r.json() == {"detail": "Disallowed CORS origin"}
    assert "Access-Control-Allow-Origin" not in r.headers


def test_a_simple_request_from_an_allowed_origin_gets_acao(server):
    r = server.get("/health", headers={"Origin": ALLOWED})
    assert r.status_code == 200
    assert r.headers.get("Access-Control-Allow-Origin") == ALLOWED
    assert r.headers.get("Access-Control-Allow-Credentials") == "true"
    assert {"x-request-id", "x-process-time", "retry-after"} <= csv(
        r, "Access-Control-Expose-Headers"), r.headers
    assert "origin" in vary(r)


def test_an_error_answer_to_an_allowed_origin_gets_acao(server):
    r = server.get("/api/v1/users/get-profile", headers={"Origin": ALLOWED})
    assert r.status_code == 401
    assert r.headers.get("Access-Control-Allow-Origin") == ALLOWED, \
        "browsers can only read the error when ACAO is there"


def test_a_simple_request_from_a_disallowed_origin_gets_no_acao(server):
    r = server.get("/health", headers={"Origin": DENIED})
    assert r.status_code == 200, "the request itself is served; the browser blocks the read"
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_an_origin_must_match_exactly(server):
    for origin in ("https://app.example.com.evil.net", "http://app.example.com",
                   "https://app.example.com:8443"):
        r = server.get("/health", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in r.headers, origin


def test_without_cors_origins_no_origin_is_allowed(module_launch):
    server = module_launch.server(name="no-cors", CORS_ORIGINS="")
    assert preflight(server, ALLOWED).status_code == 400
    assert "Access-Control-Allow-Origin" not in server.get(
        "/health", headers={"Origin": ALLOWED}).headers


def test_a_wildcard_allows_any_origin_without_credentials(module_launch):
    server = module_launch.server(name="wildcard", CORS_ORIGINS="*")
    origin = "https://anything.example.org"
    r = preflight(server, origin)
    assert r.status_code == 204, r.text
    assert r.headers.get("Access-Control-Allow-Origin") in (origin, "*")
    assert "Access-Control-Allow-Credentials" not in r.headers, "no credentials with *"
    simple = server.get("/health", headers={"Origin": origin})
    assert simple.headers.get("Access-Control-Allow-Origin") in (origin, "*")
    assert "Access-Control-Allow-Credentials" not in simple.headers
