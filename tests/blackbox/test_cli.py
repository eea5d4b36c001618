"""The other commands: version, migrate, user create, config check, --help."""
import re

import pytest

from ovtest import api
from ovtest.server import build_env, default_settings, run_binary

VERSION_LINE = re.compile(r"^\s*(\d{4})\b.*\b(applied|pending)\b", re.IGNORECASE)


def migration_states(output: str) -> dict[str, str]:
    """{version: 'applied' | 'pending'} from `migrate status` / `history` output."""
    states = {}
    for line in output.splitlines():
        m = VERSION_LINE.match(line)
        if m:
            states[m.group(1)] = m.group(2).lower()
    return states


def settings_of(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        name, sep, value = line.partition("=")
        if sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name.strip()):
            found[name.strip()] = value.strip()
    return found


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def cli(tmp_path, *args, **settings):
    """`objectvision ARGS` with the suite's defaults and no storage configured."""
    env = build_env({**default_settings(), "DATA_DIR": str(tmp_path / "data"), **settings})
    return run_binary(args, env, tmp_path)


def test_version_prints_the_version_health_reports(server, tmp_path):
    done = cli(tmp_path, "version")
    assert done.returncode == 0, done.stderr
    version = server.get("/health").json()["version"]
    assert version in done.stdout, f"{version!r} in {done.stdout!r}"


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["version", "--help"],
                                  ["migrate", "--help"], ["user", "--help"],
                                  ["user", "create", "--help"], ["config", "--help"],
                                  ["config", "check", "--help"]])
def test_every_command_has_help(tmp_path, args):
    done = cli(tmp_path, *args)
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stderr}"
    assert "usage" in (done.stdout + done.stderr).lower(), done.stdout


@pytest.mark.parametrize("args,word", [(["frobnicate"], "frobnicate"),
                                       (["frobnicate", "--help"], "frobnicate"),
                                       (["srve", "-h"], "srve"),
                                       (["user", "craete", "--help"], "craete"),
                                       (["migrate", "upp"], "upp")])
def test_an_unknown_command_fails(tmp_path, args, word):
    """Even with --help after it (CLI11 answers --help first): a typo is not a success."""
    done = cli(tmp_path, *args)
    assert done.returncode != 0, f"{args}: {done.stdout}"
    assert word in done.stderr, done.stderr


# ---- migrate --------------------------------------------------------------------------------

def test_migrate_status_lists_0001_as_applied_after_serve(launch):
    server = launch.server()
    done = server.cli("migrate", "status")
    assert done.returncode == 0, done.stderr
    states = migration_states(done.stdout)
    assert states.get("0001") == "applied", f"status output:\n{done.stdout}"
    assert set(states.values()) == {"applied"}, f"serve applied everything:\n{done.stdout}"
    history = server.cli("migrate", "history")
    assert history.returncode == 0, history.stderr
    assert "0001" in history.stdout, history.stdout


def test_migrate_down_one_then_up_again(launch):
    server = launch.server()
    account = api.new_account(server)
    server.stop_ok()
    latest = max(migration_states(server.cli("migrate", "status").stdout))
    down = server.cli("migrate", "down", "1")
    assert down.returncode == 0, f"{down.stdout}\n{down.stderr}"
    states = migration_states(server.cli("migrate", "status").stdout)
    assert states[latest] == "pending", f"{latest} is rolled back: {states}"
    assert all(v == "applied" for k, v in states.items() if k != latest), states
    up = server.cli("migrate", "up")
    assert up.returncode == 0, f"{up.stdout}\n{up.stderr}"
    states = migration_states(server.cli("migrate", "status").stdout)
    assert set(states.values()) == {"applied"}, states
    server.start()
    assert server.get("/health/ready").json()["checks"]["migrations"] == "ok"
    if latest != "0001":  # rolling back 0001 drops the users: only later ones keep them
        api.login(server, account.email)


def test_serve_applies_pending_migrations(launch):
    server = launch.server()
    server.stop_ok()
    assert server.cli("migrate", "down", "1").returncode == 0
    assert "pending" in migration_states(server.cli("migrate", "status").stdout).values()
    server.start()
    states = migration_states(server.cli("migrate", "status").stdout)
    assert set(states.values()) == {"applied"}, states


# ---- user create ------------------------------------------------------------------------

def test_user_create_admin_then_the_same_email_again_fails(server):
    email = api.unique_email("cli")
    first = server.cli("user", "create", "--email", email, "--password", api.PASSWORD,
                       "--name", "Cli Admin", "--admin")
    assert first.returncode == 0, f"{first.stdout}\n{first.stderr}"
    user_id = api.ANY_UUID_RE.search(first.stdout)
    assert user_id, f"prints the new user's id: {first.stdout!r}"
    tokens = api.login(server, email)
    me = server.get(api.PROFILE, headers=api.bearer(tokens["access_token"])).json()
    assert me["id"] == user_id.group(0).lower() and me["role"] == "admin", me
    assert me["name"] == "Cli Admin"
    again = server.cli("user", "create", "--email", email.upper(), "--password", api.PASSWORD)
    assert again.returncode == 1, f"a taken email: exit {again.returncode}\n{again.stdout}"
    assert (again.stdout + again.stderr).strip(), "says why"


def test_user_create_without_admin_makes_a_user(server):
    email = api.unique_email("cli")
    done = server.cli("user", "create", "--email", email, "--password", api.PASSWORD)
    assert done.returncode == 0, done.stderr
    tokens = api.login(server, email)
    assert server.get(api.PROFILE, headers=api.bearer(tokens["access_token"])
                      ).json()["role"] == "user"


@pytest.mark.parametrize("email,password", [("not-an-email", api.PASSWORD),
                                            ("short@example.com", "short")])
def test_user_create_with_invalid_input_fails(server, email, password):
    done = server.cli("user", "create", "--email", email, "--password", password)
    assert done.returncode != 0, done.stdout
    assert server.post(api.LOGIN, json={"email": email, "password": password}
                       ).status_code in (401, 422)


# ---- config check -----------------------------------------------------------------------

def test_config_check_prints_defaults_and_masks_the_jwt_key(tmp_path):
    done = cli(tmp_path, "config", "check", JWT_SECRET_KEY="supersecretvalue", HOST=None,
               ARGON2_OPS=None, ARGON2_MEMORY_KIB=None, **{
                   k: None for k in default_settings() if k.startswith("RATE_LIMIT")})
    assert done.returncode == 0, done.stderr
    assert "supersecretvalue" not in done.stdout + done.stderr, "the JWT key is printed"
    found = settings_of(done.stdout)
    assert found.get("JWT_SECRET_KEY") == "****", found
    expected = {"HOST": "0.0.0.0", "PORT": "8000", "JWT_ALGORITHM": "HS256",
                "ACCESS_TOKEN_EXPIRE_MINUTES": "15", "REFRESH_TOKEN_EXPIRE_DAYS": "7",
                "RATE_LIMIT_PER_MINUTE": "600", "RATE_LIMIT_BURST": "120",
                "RATE_LIMIT_USER_PER_MINUTE": "300", "RATE_LIMIT_USER_BURST": "60",
                "RATE_LIMIT_AUTH_PER_MINUTE": "30", "RATE_LIMIT_AUTH_BURST": "10",
                "ARGON2_OPS": "2", "ARGON2_MEMORY_KIB": "19456"}
    for name, value in expected.items():
        got = found.get(name)
        same = got == value or (value.isdigit() and got is not None and _number(got) == int(value))
        assert same, f"{name}={got!r}, default {value}"
    for name in ("ENVIRONMENT", "DATA_DIR", "LOG_LEVEL", "LOG_FORMAT", "MAX_UPLOAD_MB",
                 "CORS_ORIGINS"):
        assert name in found, f"{name} is printed"


def test_config_check_masks_passwords_inside_urls(tmp_path):
    done = cli(tmp_path, "config", "check",
               DATABASE_URL="postgresql://ov:dbpass-7731@127.0.0.1:5432/ov",
               REDIS_URL="redis://:redispass-5512@127.0.0.1:6379/0",
               BREVO_API_KEY="brevo-key-4242")
    assert done.returncode == 0, done.stderr
    printed = done.stdout + done.stderr
    for secret in ("dbpass-7731", "redispass-5512", "brevo-key-4242"):
        assert secret not in printed, f"{secret} is printed"
    found = settings_of(done.stdout)
    assert "****" in found.get("DATABASE_URL", ""), found.get("DATABASE_URL")
    assert "127.0.0.1:5432" in found["DATABASE_URL"], "only the password is hidden"
    assert "****" in found.get("REDIS_URL", ""), found.get("REDIS_URL")


def test_config_check_masks_db_password(tmp_path):
    done = cli(tmp_path, "config", "check", DB_HOST="127.0.0.1", DB_PORT="5432", DB_USER="ov",
               DB_PASSWORD="dbpw-9911", DB_NAME="ov")
    assert done.returncode == 0, done.stderr
    assert "dbpw-9911" not in done.stdout + done.stderr
    assert settings_of(done.stdout).get("DB_PASSWORD") == "****"


@pytest.mark.parametrize("name,value", [("LOG_FORMAT", "xml"), ("PORT", "abc"),
                                        ("JWT_ALGORITHM", "RS256")])
def test_config_check_exits_2_on_an_invalid_value(tmp_path, name, value):
    done = cli(tmp_path, "config", "check", **{name: value})
    assert done.returncode == 2, f"{done.returncode}\n{done.stdout}\n{done.stderr}"
    assert name in done.stderr, done.stderr
