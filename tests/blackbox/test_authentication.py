"""GET /api/v1/users/get-profile, and every kind of token that must not get through."""
import time
import uuid

import pytest

from ovtest import api, jwt
from ovtest.api import PROFILE


def test_get_profile_returns_the_caller(server, account):
    r = server.get(PROFILE, headers=account.headers)
    assert r.status_code == 200, r.text
    user = r.json()
    assert user["id"] == account.id
    assert user["email"] == account.email
    assert user["settings"]["theme"] == "system"


def test_a_token_forged_with_the_right_key_is_accepted(server, account):
    """Proves the forging helper is right, so the refusals below are meaningful."""
    token = jwt.sign(jwt.access_claims(account.id), server.jwt_secret)
    r = server.get(PROFILE, headers=api.bearer(token))
    assert r.status_code == 200, r.text


def test_no_authorization_header_is_401(server):
    api.assert_unauthorized(server.get(PROFILE))


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "Bearer garbage", "Bearer a.b.c",
                                   "Basic dXNlcjpwYXNz", "garbage"])
def test_a_malformed_authorization_header_is_401(server, value):
    api.assert_unauthorized(server.get(PROFILE, headers={"Authorization": value}))


def test_the_token_of_another_scheme_is_401(server, account):
    r = server.get(PROFILE, headers={"Authorization": f"Token {account.access_token}"})
    api.assert_unauthorized(r)


def test_an_expired_token_is_401(server, account):
    now = int(time.time())
    claims = jwt.access_claims(account.id, iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(
        jwt.sign(claims, server.jwt_secret))))


def test_a_token_not_yet_valid_is_401(server, account):
    now = int(time.time())
    claims = jwt.access_claims(account.id, nbf=now + 3600, exp=now + 7200)
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(
        jwt.sign(claims, server.jwt_secret))))


def test_a_token_signed_with_another_key_is_401(server, account):
    token = jwt.sign(jwt.access_claims(account.id), "some-other-key-" + uuid.uuid4().hex)
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(token)))


def test_a_token_with_a_tampered_payload_is_401(server, account, admin):
    """Swaps the payload of a valid token for one naming another user."""
    head, _, sig = account.access_token.split(".")
    other = jwt.b64url_encode(jwt.json_bytes(jwt.access_claims(admin.id, role="admin")))
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(f"{head}.{other}.{sig}")))


def test_an_alg_none_token_is_401(server, account):
    token = jwt.unsigned(jwt.access_claims(account.id))
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(token)))


@pytest.mark.parametrize("alg", ["HS512", "HS384", "RS256", "none", "NONE"])
def test_a_token_claiming_another_algorithm_is_401(server, account, alg):
    """Even when HMAC-SHA256-signed with the right key: `alg` is pinned to HS256."""
    token = jwt.sign(jwt.access_claims(account.id), server.jwt_secret,
                     header={"alg": alg, "typ": "JWT"})
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(token)))


def test_a_refresh_token_used_as_access_token_is_401(server, account):
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(account.refresh_token)))


def test_a_forged_refresh_type_token_is_401(server, account):
    claims = jwt.access_claims(account.id, type="refresh", fid=str(uuid.uuid4()))
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(
        jwt.sign(claims, server.jwt_secret))))


@pytest.mark.parametrize("missing", ["sub", "exp", "type"])
def test_a_token_missing_a_required_claim_is_401(server, account, missing):
    claims = jwt.access_claims(account.id)
    del claims[missing]
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(
        jwt.sign(claims, server.jwt_secret))))


def test_a_token_for_a_user_that_does_not_exist_is_401(server):
    token = jwt.sign(jwt.access_claims(str(uuid.uuid4())), server.jwt_secret)
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(token)))


def test_a_token_whose_subject_is_not_a_uuid_is_401(server):
    token = jwt.sign(jwt.access_claims("not-a-uuid"), server.jwt_secret)
    api.assert_unauthorized(server.get(PROFILE, headers=api.bearer(token)))
