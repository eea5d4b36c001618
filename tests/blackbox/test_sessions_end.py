"""Sessions that really end: logout ends its access token whatever the body says; a password
change or a deactivation ends every access token, refresh token, API key and open WebSocket
of the user (on every node); a WebSocket closes when its token expires; the logout blacklist
survives Redis losing everything; the JWT key is checked at start."""
import contextlib
import sqlite3
import time
import uuid

import psycopg2
import pytest

from ovtest import api, jwt, redis
from ovtest.api import LOGIN, LOGOUT, PASSWORD, PROFILE, REFRESH
from ovtest.server import JWT_SECRET
from ovtest.ws import Socket

DEEPSTACK = "/v1/vision/detection"
NEW_PASSWORD = "another-horse-battery-staple"


def profile_status(server, account_or_token) -> int:
    token = getattr(account_or_token, "access_token", account_or_token)
    return server.get(PROFILE, headers=api.bearer(token)).status_code


def second_login(server, account) -> dict:
    return api.login(server, account.email, account.password)


def new_api_key(server, account) -> str:
    r = server.post(f"/api/v1/users/{account.id}/api-key", headers=account.headers)
    assert r.status_code == 201, r.text
    return r.json()["api_key"]


def key_status(server, key: str) -> int:
    """401 when the key is dead; anything else (400 without an image) means it was accepted."""
    return server.post(DEEPSTACK, files={"api_key": (None, key)}).status_code


def change_password(server, account, **extra):
    return server.patch(api.user_path(account.id), headers=account.headers,
                        json={"current_password": account.password, "new_password": NEW_PASSWORD,
                              **extra})


def authenticated_socket(server, token: str) -> Socket:
    sock = Socket(server, token)
    sock.wait_for(lambda m: m.get("type") == "authenticated", 10, "authenticated")
    sock.ready()
    return sock


# ---- logout -----------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"refresh_token": "not-a-token"},
    {"refresh_token": jwt.sign({"sub": str(uuid.uuid4()), "jti": str(uuid.uuid4()),
                                "type": "refresh", "exp": int(time.time()) + 600}, JWT_SECRET)},
], ids=["garbage", "someone-elses"])
def test_logout_with_a_bad_refresh_token_still_ends_the_access_token(server, body):
    account = api.new_account(server, "logout")
    r = server.post(LOGOUT, headers=account.headers, json=body)
    api.assert_error(r, 401)
    assert profile_status(server, account) == 401, "the access token outlived the logout"
    # The refresh token was not named, so it still works: the client learns that from the 401.
    assert server.post(REFRESH, json={"refresh_token": account.refresh_token}).status_code == 200


def test_logout_closes_the_websocket_of_that_token_only(deployment):
    account = api.new_account(deployment.api, "ws-logout")
    other = second_login(deployment.api, account)
    with authenticated_socket(deployment.other, account.access_token) as mine, \
            authenticated_socket(deployment.other, other["access_token"]) as theirs:
        assert deployment.api.post(LOGOUT, headers=account.headers).status_code == 204
        assert mine.close_code(timeout=15) == 4401
        theirs.ready()  # still open and answering


# ---- password change and deactivation ---------------------------------------------------

def test_a_password_change_ends_every_session_of_the_user(deployment):
    server = deployment.api
    account = api.new_account(server, "pw")
    other = second_login(server, account)
    key = new_api_key(server, account)
    assert key_status(server, key) != 401
    bystander = api.new_account(server, "bystander")
    with authenticated_socket(deployment.other, other["access_token"]) as sock:
        r = change_password(server, account)
        assert r.status_code == 200, r.text
        assert sock.close_code(timeout=15) == 4401, "an open WebSocket of the user stays open"
    for token in (account.access_token, other["access_token"]):
        assert profile_status(server, token) == 401
        assert profile_status(deployment.other, token) == 401
    for refresh in (account.refresh_token, other["refresh_token"]):
        assert server.post(REFRESH, json={"refresh_token": refresh}).status_code == 401
    assert key_status(server, key) == 401, "the API key outlived the password change"
    assert server.get(PROFILE, headers=api.bearer(account.access_token)).json()["detail"] == \
        "Session has ended; please log in again"
    assert server.post(LOGIN, json={"email": account.email, "password": PASSWORD}).status_code \
        == 401
    fresh = api.login(server, account.email, NEW_PASSWORD)
    assert profile_status(server, fresh["access_token"]) == 200
    assert profile_status(server, bystander) == 200, "another user's session is untouched"


def test_keep_api_key_keeps_the_key_through_a_password_change(server):
    account = api.new_account(server, "keep")
    key = new_api_key(server, account)
    assert change_password(server, account, keep_api_key=True).status_code == 200
    assert key_status(server, key) != 401
    assert profile_status(server, account) == 401


def test_deactivation_ends_the_sessions_and_closes_the_websockets(deployment):
    server = deployment.api
    admin_headers = deployment.admin_headers
    account = api.new_account(server, "deact")
    with authenticated_socket(deployment.other, account.access_token) as sock:
        r = server.patch(api.user_path(account.id), headers=admin_headers,
                         json={"is_active": False})
        assert r.status_code == 200 and r.json()["is_active"] is False, r.text
        assert sock.close_code(timeout=15) == 4401
    assert profile_status(server, account) in (401, 403)
    assert server.post(REFRESH, json={"refresh_token": account.refresh_token}).status_code == 401


# ---- WebSocket token lifetime -----------------------------------------------------------

def test_a_websocket_closes_when_its_token_expires(deployment):
    account = api.new_account(deployment.api, "expiry")
    short = jwt.sign(jwt.access_claims(account.id, lifetime_s=3), JWT_SECRET)
    assert profile_status(deployment.api, short) == 200
    with authenticated_socket(deployment.other, short) as sock:
        started = time.monotonic()
        assert sock.close_code(timeout=20) == 4401
        assert time.monotonic() - started < 15


def end_sessions_behind_the_servers_back(server, user_id: str) -> None:
    """What a lost session event leaves: the database says the session ended, no node heard."""
    statement = "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = %s"
    if server.backend.scaled:
        with contextlib.closing(psycopg2.connect(server.backend.database_url)) as conn:
            with conn, conn.cursor() as cur:
                cur.execute(statement, (user_id,))
    else:
        with contextlib.closing(sqlite3.connect(server.data_dir / "objectvision.db",
                                                timeout=10)) as conn:
            with conn:
                conn.execute(statement.replace("%s", "?"), (user_id,))


def test_an_open_websocket_is_rechecked(launch):
    server = launch.server(WS_RECHECK_SECONDS="1")
    account = api.new_account(server, "recheck")
    with authenticated_socket(server, account.access_token) as sock:
        end_sessions_behind_the_servers_back(server, account.id)
        assert sock.close_code(timeout=15) == 4401


# ---- the blacklist survives Redis -------------------------------------------------------

@pytest.mark.scaled_only
def test_a_logout_survives_redis_losing_everything(deployment):
    server = deployment.api
    account = api.new_account(server, "flush")
    assert profile_status(server, account) == 200  # the blacklist cache is filled
    assert server.post(LOGOUT, headers=account.headers).status_code == 204
    assert profile_status(server, account) == 401
    redis.command(deployment.backend.redis_url, "FLUSHDB")
    for node in deployment.servers:
        assert profile_status(node, account) == 401, "the logout was forgotten with Redis"


# ---- the per-account login throttle ------------------------------------------------------

def test_login_attempts_per_account_are_throttled(launch):
    server = launch.server(RATE_LIMIT_LOGIN_ACCOUNT_PER_MINUTE="1",
                           RATE_LIMIT_LOGIN_ACCOUNT_BURST="4")
    account = api.new_account(server, "throttle")  # its login takes the first of the four
    wrong = {"email": account.email, "password": "wrong-password-1"}
    answers = [server.post(LOGIN, json=wrong).status_code for _ in range(3)]
    assert answers == [401, 401, 401], answers
    r = server.post(LOGIN, json={"email": account.email.upper(), "password": PASSWORD})
    assert r.status_code == 429, f"the right password too, once the account is throttled: {r.text}"
    retry = r.headers.get("Retry-After")
    assert retry and retry.isdigit() and int(retry) >= 1, r.headers
    assert "detail" in r.json()
    other = api.new_account(server, "untouched")  # another account logs in as usual
    assert api.login(server, other.email)["access_token"]


# ---- the JWT key at start ----------------------------------------------------------------

def test_a_short_jwt_key_is_refused_in_production(launch):
    server = launch.server(start=False)
    rc, out, err = server.run_until_exit(
        settings={"ENVIRONMENT": "production", "JWT_SECRET_KEY": "k" * 20})
    assert rc == 2, f"exit code {rc}\n{out}\n{err}"
    assert "JWT_SECRET_KEY" in err and "32" in err, err


@pytest.mark.parametrize("content", [b"short", b"", b"\x00\xff" * 40],
                         ids=["truncated", "empty", "binary"])
def test_a_damaged_jwt_secret_file_stops_the_start_naming_it(launch, content):
    server = launch.server(start=False)
    server.data_dir.mkdir(parents=True, exist_ok=True)
    key = server.data_dir / "jwt_secret"
    key.write_bytes(content)
    rc, out, err = server.run_until_exit(settings={"JWT_SECRET_KEY": None}, timeout=20)
    assert rc == 2, f"exit code {rc}\n{out}\n{err}"
    assert str(key) in out + err, out + err
    assert key.read_bytes() == content, "the damaged key is left for the operator to look at"
