"""PATCH /api/v1/users/{user_id} on oneself: name, settings, password."""
import pytest

from ovtest import api
from ovtest.api import LOGIN, PASSWORD, PROFILE, REFRESH, user_path

NEW_PASSWORD = "a-brand-new-passphrase"


def patch_self(server, account, body):
    return server.patch(user_path(account.id), headers=account.headers, json=body)


def test_patch_name(server, account):
    before = server.get(PROFILE, headers=account.headers).json()
    r = patch_self(server, account, {"name": "New Name"})
    assert r.status_code == 200, r.text
    user = r.json()
    assert user["name"] == "New Name"
    assert user["updated_at"] >= before["updated_at"]
    assert user["created_at"] == before["created_at"]
    assert server.get(PROFILE, headers=account.headers).json()["name"] == "New Name"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, 7])
def test_patch_an_invalid_name_is_422(server, account, name):
    api.assert_validation_error(patch_self(server, account, {"name": name}), "name")


def test_patch_settings_theme_and_notifications(server, account):
    r = patch_self(server, account, {"settings": {"theme": "dark"}})
    assert r.status_code == 200, r.text
    assert r.json()["settings"] == {"theme": "dark", "notifications": True,
                                    "daily_report": False, "has_api_key": False}
    r = patch_self(server, account, {"settings": {"notifications": False}})
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["theme"] == "dark", "a partial settings change keeps the rest"
    assert r.json()["settings"]["notifications"] is False
    profile = server.get(PROFILE, headers=account.headers).json()
    assert profile["settings"]["theme"] == "dark" and profile["settings"]["notifications"] is False
    r = patch_self(server, account, {"settings": {"daily_report": True}})
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["daily_report"] is True
    assert r.json()["settings"]["notifications"] is False, "the rest is kept"
    r = patch_self(server, account, {"settings": {"daily_report": "yes"}})
    api.assert_validation_error(r, "daily_report")


@pytest.mark.parametrize("theme", ["light", "dark", "system"])
def test_patch_each_documented_theme(server, account, theme):
    r = patch_self(server, account, {"settings": {"theme": theme}})
    assert r.status_code == 200 and r.json()["settings"]["theme"] == theme, r.text


@pytest.mark.parametrize("settings", [{"theme": "neon"}, {"theme": 1}, {"theme": "DARK-ish"},
                                      {"notifications": "maybe"}])
def test_patch_invalid_settings_is_422(server, account, settings):
    r = patch_self(server, account, {"settings": settings})
    api.assert_validation_error(r)
    assert server.get(PROFILE, headers=account.headers).json()["settings"]["theme"] == "system"


def test_patch_with_no_field_is_422(server, account):
    api.assert_validation_error(patch_self(server, account, {}))


def test_patch_with_malformed_json_is_422(server, account):
    r = server.patch(user_path(account.id), data=b"{", headers={
        **account.headers, "Content-Type": "application/json"})
    api.assert_validation_error(r, kind="json_invalid")


def test_patch_without_a_token_is_401(server, account):
    api.assert_unauthorized(server.patch(user_path(account.id), json={"name": "X"}))


def test_change_password_then_only_the_new_one_logs_in(server, account):
    r = patch_self(server, account, {"current_password": PASSWORD,
                                     "new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    assert "password" not in r.text.lower(), "the answer carries no password field"
    new = server.post(LOGIN, json={"email": account.email, "password": NEW_PASSWORD})
    assert new.status_code == 200, new.text
    old = server.post(LOGIN, json={"email": account.email, "password": PASSWORD})
    assert old.status_code == 401, old.text


def test_change_password_revokes_the_refresh_tokens(server, account):
    r = patch_self(server, account, {"current_password": PASSWORD,
                                     "new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    api.assert_unauthorized(server.post(REFRESH, json={"refresh_token": account.refresh_token}))


def test_change_password_with_a_wrong_current_password_is_403(server, account):
    r = patch_self(server, account, {"current_password": "not-my-password",
                                     "new_password": NEW_PASSWORD})
    api.assert_error(r, 403, "Current password is incorrect")
    assert server.post(LOGIN, json={"email": account.email, "password": PASSWORD}
                       ).status_code == 200, "the password is unchanged"


def test_change_password_without_the_current_password_is_422(server, account):
    r = patch_self(server, account, {"new_password": NEW_PASSWORD})
    api.assert_validation_error(r)
    assert server.post(LOGIN, json={"email": account.email, "password": PASSWORD}
                       ).status_code == 200, "the password is unchanged"


def test_current_password_without_a_new_one_is_422(server, account):
    api.assert_validation_error(patch_self(server, account, {"current_password": PASSWORD}))


@pytest.mark.parametrize("new", ["short", "z" * 129])
def test_change_to_a_password_outside_8_to_128_characters_is_422(server, account, new):
    r = patch_self(server, account, {"current_password": PASSWORD, "new_password": new})
    api.assert_validation_error(r, "new_password")
