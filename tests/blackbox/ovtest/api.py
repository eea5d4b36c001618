"""Client-side helpers: accounts, tokens and the assertions every test file shares."""
import re
import uuid
from dataclasses import dataclass

import requests

PASSWORD = "correct-horse-battery-staple"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ANY_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                         r"[0-9a-fA-F]{12}")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PROFILE = "/api/v1/users/get-profile"


def user_path(user_id: str) -> str:
    return f"/api/v1/users/{user_id}"


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


def signup(server, email: str | None = None, password: str = PASSWORD,
           name: str | None = "Test User") -> dict:
    body = {"email": email or unique_email(), "password": password}
    if name is not None:
        body["name"] = name
    r = server.post(SIGNUP, json=body)
    assert r.status_code == 201, f"signup: {r.status_code} {r.text}"
    return r.json()


def login(server, email: str, password: str = PASSWORD) -> dict:
    r = server.post(LOGIN, json={"email": email, "password": password})
    assert r.status_code == 200, f"login {email}: {r.status_code} {r.text}"
    return r.json()


def new_account(server, tag: str = "user", password: str = PASSWORD) -> Account:
    """Signs a new user up and logs them in."""
    user = signup(server, unique_email(tag), password)
    tokens = login(server, user["email"], password)
    return Account(user["id"], user["email"], password, tokens["access_token"],
                   tokens["refresh_token"])


def new_admin(server) -> Account:
    """An admin made with `objectvision user create --admin` against the server's storage, while
    it runs, then logged in over HTTP."""
    email = unique_email("admin")
    done = server.cli("user", "create", "--email", email, "--password", PASSWORD, "--name",
                      "Admin", "--admin")
    assert done.returncode == 0, f"user create --admin: {done.returncode}\n{done.stdout}\n" \
                                 f"{done.stderr}"
    found = ANY_UUID_RE.search(done.stdout)
    assert found, f"user create printed no user id: {done.stdout!r}"
    tokens = login(server, email)
    return Account(found.group(0).lower(), email, PASSWORD, tokens["access_token"],
                   tokens["refresh_token"])


def detail(r: requests.Response):
    assert r.headers.get("Content-Type", "").startswith("application/json"), \
        f"error answers are JSON: {r.status_code} {r.headers.get('Content-Type')} {r.text!r}"
    body = r.json()
    assert "detail" in body, f"error answers carry detail: {body}"
    return body["detail"]


def assert_error(r: requests.Response, status: int, text: str | None = None) -> None:
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text}"
    got = detail(r)
    assert isinstance(got, str) and got, f"detail is a non-empty string: {got!r}"
    if text is not None:
        assert got == text, f"detail {got!r}, expected {text!r}"


def assert_unauthorized(r: requests.Response) -> None:
    assert_error(r, 401)
    assert "bearer" in r.headers.get("WWW-Authenticate", "").lower(), \
        f"401 carries WWW-Authenticate: Bearer, got {r.headers.get('WWW-Authenticate')!r}"


def assert_validation_error(r: requests.Response, field: str | None = None,
                            kind: str | None = None) -> list:
    """422 with detail as a list of {loc, msg, type}; `field` must appear in some loc."""
    assert r.status_code == 422, f"expected 422, got {r.status_code}: {r.text}"
    errors = detail(r)
    assert isinstance(errors, list) and errors, f"422 detail is a non-empty list: {errors!r}"
    for e in errors:
        assert isinstance(e, dict) and {"loc", "msg", "type"} <= e.keys(), \
            f"each validation error has loc, msg, type: {e!r}"
        assert isinstance(e["loc"], list), f"loc is a list: {e!r}"
    if field is not None:
        assert any(field in e["loc"] for e in errors), f"{field!r} named in a loc: {errors}"
    if kind is not None:
        assert any(e["type"] == kind for e in errors), f"type {kind!r} among {errors}"
    return errors
