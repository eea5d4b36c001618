"""POST /api/v1/auth/login: JSON and OAuth2 form, the tokens it returns, and refusals."""
import time

import pytest

from ovtest import api, jwt
from ovtest.api import LOGIN, PASSWORD

WRONG = {"detail": "Incorrect email or password"}


def test_login_with_json_returns_bearer_tokens(server):
    user = api.signup(server)
    r = server.post(LOGIN, json={"email": user["email"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert set(tokens) >= {"access_token", "refresh_token", "token_type", "expires_in"}, tokens
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60, "ACCESS_TOKEN_EXPIRE_MINUTES defaults to 15"
    assert tokens["access_token"] != tokens["refresh_token"]


def test_login_with_the_oauth2_password_form(server):
    user = api.signup(server)
    r = server.post(LOGIN, data={"username": user["email"], "password": PASSWORD,
                                 "grant_type": "password"})
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "bearer"
    profile = server.get(api.PROFILE, headers=api.bearer(tokens["access_token"]))
    assert profile.status_code == 200 and profile.json()["id"] == user["id"], profile.text


def test_login_form_without_password_is_422(server):
    r = server.post(LOGIN, data={"username": api.unique_email()})
    api.assert_validation_error(r, "password")


def test_login_email_is_case_insensitive(server):
    user = api.signup(server)
    r = server.post(LOGIN, json={"email": user["email"].upper(), "password": PASSWORD})
    assert r.status_code == 200, r.text


def test_access_token_carries_the_documented_claims(server):
    user = api.signup(server)
    before = int(time.time())
    tokens = api.login(server, user["email"])
    after = int(time.time())
    header, claims = jwt.decode(tokens["access_token"])
    assert header.get("alg") == "HS256", header
    assert jwt.signature_valid(tokens["access_token"], server.jwt_secret), \
        "the access token is signed with JWT_SECRET_KEY (HMAC-SHA256)"
    assert claims["sub"] == user["id"]
    assert claims["type"] == "access"
    assert claims["role"] == "user"
    assert api.UUID_RE.match(claims["jti"]), f"jti is a UUID: {claims}"
    assert before - 2 <= claims["iat"] <= after + 2, claims
    assert claims["nbf"] <= claims["iat"] + 1, claims
    assert abs(claims["exp"] - claims["iat"] - tokens["expires_in"]) <= 1, \
        f"exp - iat matches expires_in: {claims}"


def test_refresh_token_carries_type_refresh_and_a_family(server):
    user = api.signup(server)
    tokens = api.login(server, user["email"])
    _, claims = jwt.decode(tokens["refresh_token"])
    assert jwt.signature_valid(tokens["refresh_token"], server.jwt_secret)
    assert claims["sub"] == user["id"]
    assert claims["type"] == "refresh"
    assert claims.get("fid"), f"refresh tokens carry their family id: {claims}"
    lifetime = claims["exp"] - claims["iat"]
    assert abs(lifetime - 7 * 86400) <= 1, f"REFRESH_TOKEN_EXPIRE_DAYS defaults to 7: {claims}"


def test_two_logins_give_different_tokens(server):
    user = api.signup(server)
    first, second = api.login(server, user["email"]), api.login(server, user["email"])
    assert first["access_token"] != second["access_token"]
    assert first["refresh_token"] != second["refresh_token"]


def test_wrong_password_and_unknown_email_answer_the_same_401(server):
    user = api.signup(server)
    wrong = server.post(LOGIN, json={"email": user["email"], "password": "wrong-password-1"})
    unknown = server.post(LOGIN, json={"email": api.unique_email("ghost"),
                                       "password": PASSWORD})
    for r in (wrong, unknown):
        assert r.status_code == 401, r.text
        assert r.json() == WRONG, r.text
    assert wrong.content == unknown.content, "the two refusals must not be told apart"


def test_wrong_password_in_the_form_is_401(server):
    user = api.signup(server)
    r = server.post(LOGIN, data={"username": user["email"], "password": "wrong-password-1"})
    assert r.status_code == 401 and r.json() == WRONG, r.text


@pytest.mark.parametrize("body", [{"email": "a@example.com"}, {"password": PASSWORD}, {},
                                  {"email": 5, "password": PASSWORD},
                                  {"email": "a@example.com", "password": None}])
def test_login_with_missing_or_mistyped_fields_is_422(server, body):
    r = server.post(LOGIN, json=body)
    api.assert_validation_error(r)


def test_login_with_malformed_json_is_422(server):
    r = server.post(LOGIN, data=b'{"email": ', headers={"Content-Type": "application/json"})
    api.assert_validation_error(r, kind="json_invalid")


def test_login_with_an_unsupported_content_type_is_415(server):
    r = server.post(LOGIN, data=b"email=a@example.com", headers={"Content-Type": "text/plain"})
    api.assert_error(r, 415)
