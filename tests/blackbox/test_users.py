"""GET / PATCH /api/v1/users/{user_id}: ownership, ids, and what admins may do."""
import uuid

import pytest

from ovtest import api, jwt
from ovtest.api import LOGIN, PASSWORD, PROFILE, user_path


def test_reading_oneself_by_id_is_200(server, account):
    r = server.get(user_path(account.id), headers=account.headers)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == account.id
    assert r.json() == server.get(PROFILE, headers=account.headers).json()


def test_reading_another_user_is_404(server, account):
    other = api.new_account(server, "other")
    api.assert_error(server.get(user_path(other.id), headers=account.headers), 404)


def test_reading_a_random_uuid_is_404(server, account):
    api.assert_error(server.get(user_path(str(uuid.uuid4())), headers=account.headers), 404)


def test_another_users_id_and_a_missing_id_answer_alike(server, account):
    other = api.new_account(server, "other")
    foreign = server.get(user_path(other.id), headers=account.headers)
    missing = server.get(user_path(str(uuid.uuid4())), headers=account.headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json(), "a foreign id must not be told from a missing one"


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "0f8fad5b-d9cb-469f-a165-70867728950",
                                 "0f8fad5b-d9cb-469f-a165-70867728950ez"])
def test_a_path_id_that_is_not_a_uuid_is_422(server, account, bad):
    api.assert_validation_error(server.get(user_path(bad), headers=account.headers), "user_id")


def test_reading_a_user_without_a_token_is_401(server, account):
    api.assert_unauthorized(server.get(user_path(account.id)))


def test_patching_another_user_is_404(server, account):
    other = api.new_account(server, "other")
    r = server.patch(user_path(other.id), headers=account.headers, json={"name": "Mallory"})
    api.assert_error(r, 404)
    assert server.get(PROFILE, headers=other.headers).json()["name"] != "Mallory"


def test_patching_a_random_uuid_is_404(server, account):
    r = server.patch(user_path(str(uuid.uuid4())), headers=account.headers, json={"name": "X"})
    api.assert_error(r, 404)


def test_patching_a_path_id_that_is_not_a_uuid_is_422(server, account):
    r = server.patch(user_path("nope"), headers=account.headers, json={"name": "X"})
    api.assert_validation_error(r, "user_id")


@pytest.mark.parametrize("change", [{"role": "admin"}, {"is_active": False}])
def test_a_normal_user_cannot_change_role_or_activity_403(server, account, change):
    r = server.patch(user_path(account.id), headers=account.headers, json=change)
    api.assert_error(r, 403)
    user = server.get(PROFILE, headers=account.headers).json()
    assert user["role"] == "user" and user["is_active"] is True, user


# ---- admins (created with `objectvision user create --admin` while the server runs) ---------

def test_an_admin_token_carries_role_admin(server, admin):
    _, claims = jwt.decode(admin.access_token)
    assert claims["role"] == "admin", claims
    assert server.get(PROFILE, headers=admin.headers).json()["role"] == "admin"


def test_an_admin_reads_another_user(server, admin, account):
    r = server.get(user_path(account.id), headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["email"] == account.email


def test_an_admin_gets_404_for_a_random_uuid(server, admin):
    api.assert_error(server.get(user_path(str(uuid.uuid4())), headers=admin.headers), 404)


def test_an_admin_patches_another_users_name(server, admin, account):
    r = server.patch(user_path(account.id), headers=admin.headers, json={"name": "Renamed"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Renamed"
    assert server.get(PROFILE, headers=account.headers).json()["name"] == "Renamed"


def test_an_admin_promotes_a_user_to_admin(server, admin, account):
    r = server.patch(user_path(account.id), headers=admin.headers, json={"role": "admin"})
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "admin"
    tokens = api.login(server, account.email)
    assert jwt.decode(tokens["access_token"])[1]["role"] == "admin", \
        "a login after the promotion carries role admin"
    other = api.new_account(server, "other")
    assert server.get(user_path(other.id), headers=api.bearer(tokens["access_token"])
                      ).status_code == 200, "the promoted user reads others"


def test_an_admin_cannot_set_an_unknown_role(server, admin, account):
    r = server.patch(user_path(account.id), headers=admin.headers, json={"role": "superuser"})
    api.assert_validation_error(r, "role")


def test_an_admin_changes_another_users_password_without_the_current_one(server, admin,
                                                                         account):
    r = server.patch(user_path(account.id), headers=admin.headers,
                     json={"new_password": "set-by-the-admin-1"})
    assert r.status_code == 200, r.text
    assert server.post(LOGIN, json={"email": account.email, "password": "set-by-the-admin-1"}
                       ).status_code == 200
    assert server.post(LOGIN, json={"email": account.email, "password": PASSWORD}
                       ).status_code == 401


def test_a_deactivated_user_gets_403_inactive_only_with_the_right_password(server, admin,
                                                                          account):
    r = server.patch(user_path(account.id), headers=admin.headers, json={"is_active": False})
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False
    right = server.post(LOGIN, json={"email": account.email, "password": PASSWORD})
    api.assert_error(right, 403, "Inactive user")
    wrong = server.post(LOGIN, json={"email": account.email, "password": "not-the-password"})
    assert wrong.status_code == 401 and wrong.json() == {
        "detail": "Incorrect email or password"}, wrong.text


def test_a_reactivated_user_logs_in_again(server, admin, account):
    for active in (False, True):
        r = server.patch(user_path(account.id), headers=admin.headers,
                         json={"is_active": active})
        assert r.status_code == 200, r.text
    assert server.post(LOGIN, json={"email": account.email, "password": PASSWORD}
                       ).status_code == 200
