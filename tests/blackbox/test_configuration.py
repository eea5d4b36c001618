"""Configuration from the environment: invalid values stop the start with exit code 2 and a
message naming the variable; the generated JWT key is private to its owner."""
import stat

import pytest

from ovtest import api


@pytest.fixture(scope="module")
def backend(module_launch):
    return module_launch.backend()


@pytest.mark.parametrize("name,value", [
    ("JWT_ALGORITHM", "RS256"), ("JWT_ALGORITHM", "none"), ("PORT", "abc"),
    ("PORT", "70000"), ("ACCESS_TOKEN_EXPIRE_MINUTES", "-1"),
    ("ACCESS_TOKEN_EXPIRE_MINUTES", "soon"), ("REFRESH_TOKEN_EXPIRE_DAYS", "0x"),
    ("LOG_FORMAT", "xml"), ("LOG_LEVEL", "loud"), ("ENVIRONMENT", "staging-ish"),
    ("MAX_UPLOAD_MB", "-5"), ("MAX_UPLOAD_MB", "ten"), ("RATE_LIMIT_PER_MINUTE", "-1"),
    ("ARGON2_OPS", "zero")])
def test_an_invalid_setting_stops_the_start_with_exit_2(module_launch, backend, name, value):
    server = module_launch.server(backend=backend, start=False)
    rc, out, err = server.run_until_exit(settings={name: value})
    assert rc == 2, f"exit code {rc} for {name}={value}\n{out}\n{err}"
    assert name in err, f"stderr names {name}: {err!r}"


def test_production_without_a_jwt_key_refuses_to_start(module_launch, backend):
    server = module_launch.server(backend=backend, start=False)
    rc, out, err = server.run_until_exit(
        settings={"ENVIRONMENT": "production", "JWT_SECRET_KEY": None})
    assert rc == 2, f"exit code {rc}\n{out}\n{err}"
    assert "JWT_SECRET_KEY" in err, err


def test_production_with_a_jwt_key_starts(module_launch):
    server = module_launch.server(ENVIRONMENT="production")
    assert server.get("/health").status_code == 200
    assert not (server.data_dir / "jwt_secret").exists(), "no key is generated when one is set"


def test_the_generated_jwt_key_has_mode_0600(launch):
    server = launch.server(JWT_SECRET_KEY=None)
    key = server.data_dir / "jwt_secret"
    assert key.is_file(), f"{key} is written on the first start"
    mode = stat.S_IMODE(key.stat().st_mode)
    assert mode == 0o600, f"{key} has mode {oct(mode)}, expected 0o600"
    assert key.stat().st_size >= 32, "the key has at least 256 bits"
    before = key.read_bytes()
    account = api.new_account(server)
    server.restart()
    assert key.read_bytes() == before, "the key is written once and reused"
    assert server.get(api.PROFILE, headers=account.headers).status_code == 200


def test_a_dot_env_file_in_the_working_directory_is_read(launch):
    server = launch.server(start=False, ACCESS_TOKEN_EXPIRE_MINUTES=None)
    server.workdir.joinpath(".env").write_text("ACCESS_TOKEN_EXPIRE_MINUTES=3\n")
    server.start()
    tokens = api.login(server, api.signup(server)["email"])
    assert tokens["expires_in"] == 180, tokens


def test_the_environment_wins_over_a_dot_env_file(launch):
    server = launch.server(start=False, ACCESS_TOKEN_EXPIRE_MINUTES="2")
    server.workdir.joinpath(".env").write_text("ACCESS_TOKEN_EXPIRE_MINUTES=3\n")
    server.start()
    tokens = api.login(server, api.signup(server)["email"])
    assert tokens["expires_in"] == 120, tokens
