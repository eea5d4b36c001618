"""Body size (413) and rate limits (429): per IP, per user, and the stricter auth bucket."""
import json

import pytest

from ovtest import api, jwt
from ovtest.api import LOGIN, PASSWORD, PROFILE, REFRESH, SIGNUP

TIGHT = {"PER_MINUTE": "6", "BURST": "3"}


def tight(kind: str) -> dict[str, str]:
    """Settings for one bucket kind ('' = per IP, 'USER_', 'AUTH_') at 6/minute, burst 3."""
    return {f"RATE_LIMIT_{kind}{k}": v for k, v in TIGHT.items()}


def assert_429(r) -> None:
    assert r.status_code == 429, f"expected 429, got {r.status_code}: {r.text}"
    assert r.json() == {"detail": "Too Many Requests"}, r.text
    retry = r.headers.get("Retry-After")
    assert retry is not None and retry.isdigit() and int(retry) >= 1, \
        f"Retry-After is whole seconds >= 1: {retry!r}"
    assert r.headers.get("X-Request-ID"), "a 429 still carries X-Request-ID"


def bad_login(server):
    return server.post(LOGIN, json={"email": "nobody@example.com", "password": "whatever-1"})


# ---- 413 --------------------------------------------------------------------------------

@pytest.fixture
def small_server(launch):
    return launch.server(name="small-bodies", MAX_UPLOAD_MB="0.01")  # 10485 bytes


def test_a_body_over_max_upload_mb_is_413_json(small_server):
    body = json.dumps({"email": api.unique_email(), "password": PASSWORD,
                       "name": "n" * 20000}).encode()
    r = small_server.post(SIGNUP, data=body, fresh=True,
                          headers={"Content-Type": "application/json"})
    api.assert_error(r, 413)
    assert r.headers.get("X-Request-ID")


def test_the_server_answers_after_a_413(small_server):
    big = small_server.post(SIGNUP, data=b"x" * 50000, fresh=True,
                            headers={"Content-Type": "application/json"})
    assert big.status_code == 413
    assert small_server.get("/health").status_code == 200
    r = small_server.post(SIGNUP, json={"email": api.unique_email(), "password": PASSWORD})
    assert r.status_code == 201, f"a body under the limit still works: {r.text}"


# ---- 429 --------------------------------------------------------------------------------

def test_the_fourth_quick_login_is_429(module_launch):
    server = module_launch.server(name="auth-limited", **tight("AUTH_"))
    answers = [bad_login(server) for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [401, 401, 401], \
        [r.status_code for r in answers]
    assert_429(answers[3])
    assert server.get("/health").status_code == 200, "health is never limited"
    assert server.get("/openapi.json").status_code == 200, "other routes use the IP bucket"


def test_signup_and_refresh_share_the_auth_limit(module_launch):
    server = module_launch.server(name="auth-limited-2", **tight("AUTH_"))
    first = server.post(SIGNUP, json={"email": api.unique_email(), "password": PASSWORD})
    assert first.status_code == 201, first.text
    second = server.post(REFRESH, json={"refresh_token": "garbage"})
    assert second.status_code != 429, second.text
    assert bad_login(server).status_code == 401
    assert_429(server.post(SIGNUP, json={"email": api.unique_email(), "password": PASSWORD}))



def test_the_ip_limit_covers_every_route_but_health(module_launch):
    server = module_launch.server(name="ip-limited", **tight(""))
    answers = [server.get("/openapi.json") for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    assert_429(answers[3])
    for _ in range(10):
        assert server.get("/health").status_code == 200, "/health* is not rate limited"
    assert server.get("/health/ready").status_code == 200


def test_the_user_limit_is_per_user(module_launch):
    server = module_launch.server(name="user-limited", **tight("USER_"))
    ann, bob = api.new_account(server, "ann"), api.new_account(server, "bob")
    answers = [server.get(PROFILE, headers=ann.headers) for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    assert_429(answers[3])
    assert server.get(PROFILE, headers=bob.headers).status_code == 200, \
        "another user has their own bucket"
    forged = jwt.sign(jwt.access_claims(ann.id), server.jwt_secret)
    assert_429(server.get(PROFILE, headers=api.bearer(forged)))  # same user, another token


def test_a_zero_per_minute_disables_the_limit(module_launch):
    server = module_launch.server(name="auth-unlimited", RATE_LIMIT_AUTH_PER_MINUTE="0",
                                  RATE_LIMIT_AUTH_BURST="1")
    assert all(bad_login(server).status_code == 401 for _ in range(8))


@pytest.mark.scaled_only
def test_the_auth_limit_holds_across_two_nodes(launch):
    node_a = launch.server(name="node-a", **tight("AUTH_"))
    node_b = launch.server(backend=node_a.backend, name="node-b", **tight("AUTH_"))
    codes = [bad_login(node).status_code for node in (node_a, node_a, node_b)]
    assert codes == [401, 401, 401], codes
    assert_429(bad_login(node_b))
    assert_429(bad_login(node_a))
