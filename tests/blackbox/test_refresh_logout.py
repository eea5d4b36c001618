"""POST /api/v1/auth/refresh (rotation, replay detection) and /api/v1/auth/logout."""
import time

import pytest

from ovtest import api, jwt
from ovtest.api import LOGOUT, PROFILE, REFRESH


def refresh(server, token):
    return server.post(REFRESH, json={"refresh_token": token})


def test_refresh_returns_a_new_working_pair(server, account):
    r = refresh(server, account.refresh_token)
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 15 * 60, tokens
    assert tokens["access_token"] != account.access_token
    assert tokens["refresh_token"] != account.refresh_token
    profile = server.get(PROFILE, headers=api.bearer(tokens["access_token"]))
    assert profile.status_code == 200 and profile.json()["id"] == account.id, profile.text
    again = refresh(server, tokens["refresh_token"])
    assert again.status_code == 200, f"the new refresh token works once: {again.text}"


def test_rotation_keeps_the_family(server, account):
    tokens = refresh(server, account.refresh_token).json()
    old_family = jwt.decode(account.refresh_token)[1]["fid"]
    assert jwt.decode(tokens["refresh_token"])[1]["fid"] == old_family


def test_replaying_a_used_refresh_token_revokes_the_family(server, account):
    first = refresh(server, account.refresh_token)
    assert first.status_code == 200, first.text
    newest = first.json()["refresh_token"]
    api.assert_unauthorized(refresh(server, account.refresh_token))
    api.assert_unauthorized(refresh(server, newest))


def test_a_replay_does_not_touch_another_login_of_the_same_user(server, account):
    other_session = api.login(server, account.email)
    refresh(server, account.refresh_token)
    refresh(server, account.refresh_token)  # replay: this family dies
    r = refresh(server, other_session["refresh_token"])
    assert r.status_code == 200, f"another family survives: {r.text}"


def test_an_access_token_presented_to_refresh_is_401(server, account):
    api.assert_unauthorized(refresh(server, account.access_token))


def test_a_refresh_token_signed_with_another_key_is_401(server, account):
    _, claims = jwt.decode(account.refresh_token)
    api.assert_unauthorized(refresh(server, jwt.sign(claims, "another-key-entirely")))


def test_a_forged_refresh_token_never_issued_is_401(server, account):
    """Right key and shape, but no such token in the store."""
    _, claims = jwt.decode(account.refresh_token)
    claims["jti"] = "00000000-0000-4000-8000-000000000000"
    api.assert_unauthorized(refresh(server, jwt.sign(claims, server.jwt_secret)))


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"])
def test_refresh_with_garbage_is_401(server, token):
    r = refresh(server, token)
    assert r.status_code in (401, 422), r.text
    if r.status_code == 401:
        api.assert_unauthorized(r)


def test_refresh_without_the_field_is_422(server):
    api.assert_validation_error(server.post(REFRESH, json={}), "refresh_token")


def test_logout_blacklists_the_access_token_and_revokes_the_refresh_token(server, account):
    r = server.post(LOGOUT, headers=account.headers,
                    json={"refresh_token": account.refresh_token})
    assert r.status_code == 204, r.text
    assert r.content == b"", "204 has no body"
    api.assert_unauthorized(server.get(PROFILE, headers=account.headers))
    api.assert_unauthorized(server.get(api.user_path(account.id), headers=account.headers))
    api.assert_unauthorized(refresh(server, account.refresh_token))


def test_logout_without_a_body_blacklists_the_access_token(server, account):
    r = server.post(LOGOUT, headers=account.headers)
    assert r.status_code == 204, r.text
    api.assert_unauthorized(server.get(PROFILE, headers=account.headers))


def test_logout_leaves_other_sessions_alone(server, account):
    other = api.login(server, account.email)
    r = server.post(LOGOUT, headers=account.headers,
                    json={"refresh_token": account.refresh_token})
    assert r.status_code == 204, r.text
    assert server.get(PROFILE, headers=api.bearer(other["access_token"])).status_code == 200
    assert refresh(server, other["refresh_token"]).status_code == 200


def test_logout_without_a_token_is_401(server):
    api.assert_unauthorized(server.post(LOGOUT))


def test_logout_twice_is_401_the_second_time(server, account):
    assert server.post(LOGOUT, headers=account.headers).status_code == 204
    api.assert_unauthorized(server.post(LOGOUT, headers=account.headers))


@pytest.mark.scaled_only
def test_logout_on_one_node_is_refused_on_the_other(launch):
    node_a = launch.server(name="node-a")
    node_b = launch.server(backend=node_a.backend, name="node-b")
    account = api.new_account(node_a)
    assert node_b.get(PROFILE, headers=account.headers).status_code == 200, \
        "a token from node A works on node B (one deployment, one key)"
    assert node_a.post(LOGOUT, headers=account.headers,
                       json={"refresh_token": account.refresh_token}).status_code == 204
    # Node B keeps the verified token in memory and forgets it when node A's logout reaches it
    # over Redis pub/sub: a few milliseconds (docs/architecture.md, the caches), not at once.
    deadline = time.monotonic() + 5
    r = node_b.get(PROFILE, headers=account.headers)
    while r.status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.01)
        r = node_b.get(PROFILE, headers=account.headers)
    api.assert_unauthorized(r)
    api.assert_unauthorized(node_b.post(REFRESH, json={"refresh_token": account.refresh_token}))


@pytest.mark.scaled_only
def test_a_refresh_replay_across_nodes_revokes_the_family(launch):
    node_a = launch.server(name="node-a")
    node_b = launch.server(backend=node_a.backend, name="node-b")
    account = api.new_account(node_a)
    newest = refresh(node_a, account.refresh_token)
    assert newest.status_code == 200, newest.text
    api.assert_unauthorized(refresh(node_b, account.refresh_token))
    api.assert_unauthorized(refresh(node_a, newest.json()["refresh_token"]))


@pytest.mark.scaled_only
def test_scaled_state_lives_in_the_redis_database_named_by_redis_url(launch):
    """The suite isolates backends by Redis database index (redis://host:port/N): the
    blacklist and the rate-limit buckets must land in database N."""
    from ovtest import redis

    server = launch.server()
    account = api.new_account(server)
    assert server.post(LOGOUT, headers=account.headers).status_code == 204
    assert redis.command(server.backend.redis_url, "DBSIZE") > 0, \
        f"nothing written to {server.backend.redis_url}"
