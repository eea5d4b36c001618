"""POST /api/v1/auth/signup: the user it creates, and every way to get it wrong."""
import json

import pytest

from ovtest import api
from ovtest.api import PASSWORD, SIGNUP


def test_signup_answers_201_with_the_documented_user(server):
    email = api.unique_email("ann")
    r = server.post(SIGNUP, json={"email": email, "password": PASSWORD, "name": "Ann"})
    assert r.status_code == 201, r.text
    user = r.json()
    assert set(user) == {"id", "email", "name", "role", "is_active", "created_at",
                         "updated_at", "settings"}, f"user fields: {sorted(user)}"
    assert api.UUID_RE.match(user["id"]), f"id is a UUID: {user['id']!r}"
    assert user["email"] == email
    assert user["name"] == "Ann"
    assert user["role"] == "user"
    assert user["is_active"] is True
    for field in ("created_at", "updated_at"):
        assert api.TIMESTAMP_RE.match(user[field]), f"{field} is RFC 3339 UTC with ms: {user}"
    assert user["settings"] == {"theme": "system", "notifications": True, "daily_report": False,
                                "has_api_key": False}


def test_signup_answer_contains_no_password_or_hash(server):
    password = "Unmistakable-Passw0rd-771"
    r = server.post(SIGNUP, json={"email": api.unique_email(), "password": password})
    assert r.status_code == 201, r.text
    text = r.text.lower()
    assert password.lower() not in text, "the password is echoed back"
    for word in ("password", "hash", "argon2"):
        assert word not in text, f"{word!r} appears in the signup answer: {r.text}"


def test_signup_lower_cases_the_email(server):
    local = "Mixed.Case-" + api.unique_email().split("@")[0]
    r = server.post(SIGNUP, json={"email": f"{local}@Example.COM", "password": PASSWORD})
    assert r.status_code == 201, r.text
    assert r.json()["email"] == f"{local.lower()}@example.com"


def test_signup_name_defaults_to_the_local_part_of_the_email(server):
    email = api.unique_email("noname")
    r = server.post(SIGNUP, json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == email.split("@")[0]


def test_signup_trims_the_name(server):
    r = server.post(SIGNUP, json={"email": api.unique_email(), "password": PASSWORD,
                                  "name": "  Bob Stone  "})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Bob Stone"


def test_signup_twice_with_the_same_email_is_409(server):
    email = api.unique_email("dup")
    api.signup(server, email)
    r = server.post(SIGNUP, json={"email": email, "password": PASSWORD})
    api.assert_error(r, 409)


def test_signup_with_the_same_email_in_other_case_is_409(server):
    email = api.unique_email("case")
    api.signup(server, email)
    r = server.post(SIGNUP, json={"email": email.upper(), "password": PASSWORD})
    api.assert_error(r, 409)


@pytest.mark.parametrize("email", ["not-an-email", "missing-domain@", "@missing-local.com",
                                   "two@@example.com", "spaces in@example.com", ""])
def test_signup_with_an_invalid_email_is_422(server, email):
    r = server.post(SIGNUP, json={"email": email, "password": PASSWORD})
    api.assert_validation_error(r, "email")


def test_signup_with_an_email_over_254_characters_is_422(server):
    domain = ".".join(["d" * 60] * 4) + ".com"  # 247 characters, labels under 64
    email = "abcdefg@" + domain  # 255 characters
    assert len(email) == 255
    r = server.post(SIGNUP, json={"email": email, "password": PASSWORD})
    api.assert_validation_error(r, "email")


@pytest.mark.parametrize("password", ["short", "7chars!", "x" * 129])
def test_signup_with_a_password_outside_8_to_128_characters_is_422(server, password):
    r = server.post(SIGNUP, json={"email": api.unique_email(), "password": password})
    api.assert_validation_error(r, "password")


@pytest.mark.parametrize("password", ["8charsOK", "y" * 128])
def test_signup_accepts_passwords_of_8_and_128_characters(server, password):
    r = server.post(SIGNUP, json={"email": api.unique_email(), "password": password})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("name", ["   ", "n" * 101])
def test_signup_with_a_blank_or_too_long_name_is_422(server, name):
    r = server.post(SIGNUP, json={"email": api.unique_email(), "password": PASSWORD,
                                  "name": name})
    api.assert_validation_error(r, "name")


@pytest.mark.parametrize("missing", ["email", "password"])
def test_signup_with_a_missing_field_is_422(server, missing):
    body = {"email": api.unique_email(), "password": PASSWORD}
    del body[missing]
    r = server.post(SIGNUP, json=body)
    api.assert_validation_error(r, missing)


@pytest.mark.parametrize("field,value", [("email", 12345), ("email", None),
                                         ("password", 12345678), ("password", ["a" * 8]),
                                         ("name", 42), ("name", {"first": "A"})])
def test_signup_with_a_wrong_type_is_422(server, field, value):
    body = {"email": api.unique_email(), "password": PASSWORD, field: value}
    r = server.post(SIGNUP, json=body)
    api.assert_validation_error(r, field)


@pytest.mark.parametrize("body", ["[]", '"a string"', "42", "null"])
def test_signup_with_a_body_that_is_not_an_object_is_422(server, body):
    r = server.post(SIGNUP, data=body, headers={"Content-Type": "application/json"})
    api.assert_validation_error(r)


@pytest.mark.parametrize("raw", [b'{"email": "a@example.com", "password": ', b"{not json}",
                                 b'{"email": "a@example.com"} trailing', b"\xff\xfe{}"])
def test_signup_with_malformed_json_is_422_json_invalid(server, raw):
    r = server.post(SIGNUP, data=raw, headers={"Content-Type": "application/json"})
    api.assert_validation_error(r, kind="json_invalid")


def test_signup_with_an_empty_body_is_422(server):
    r = server.post(SIGNUP, data=b"", headers={"Content-Type": "application/json"})
    api.assert_validation_error(r)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml"])
def test_signup_with_another_content_type_is_415(server, content_type):
    body = json.dumps({"email": api.unique_email(), "password": PASSWORD})
    r = server.post(SIGNUP, data=body, headers={"Content-Type": content_type})
    api.assert_error(r, 415)


def test_signup_accepts_json_with_a_charset_parameter(server):
    body = json.dumps({"email": api.unique_email(), "password": PASSWORD})
    r = server.post(SIGNUP, data=body,
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 201, r.text
