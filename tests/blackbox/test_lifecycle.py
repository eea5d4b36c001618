"""Restarts keep the data and the JWT key; SIGTERM drains in-flight requests and exits 0."""
import json
import signal
import socket
import time

import pytest

from ovtest import api, raw
from ovtest.api import PASSWORD, PROFILE, SIGNUP


def test_a_restart_keeps_users_and_tokens(launch):
    server = launch.server(JWT_SECRET_KEY=None)  # development: the key is generated and kept
    account = api.new_account(server)
    server.restart()
    tokens = api.login(server, account.email)
    assert server.get(PROFILE, headers=api.bearer(tokens["access_token"])).status_code == 200
    r = server.get(PROFILE, headers=account.headers)
    assert r.status_code == 200, f"an access token from before the restart still works: {r.text}"
    refreshed = server.post(api.REFRESH, json={"refresh_token": account.refresh_token})
    assert refreshed.status_code == 200, f"so does the refresh token: {refreshed.text}"


def test_a_restart_keeps_the_logout_blacklist(launch):
    server = launch.server()
    account = api.new_account(server)
    assert server.post(api.LOGOUT, headers=account.headers).status_code == 204
    server.restart()
    api.assert_unauthorized(server.get(PROFILE, headers=account.headers))


def test_sigterm_completes_a_request_whose_body_is_still_arriving(launch):
    server = launch.server()
    body = json.dumps({"email": api.unique_email("slow"), "password": PASSWORD,
                       "name": "Slow Sender"}).encode()
    half = len(body) // 2
    request = raw.request_bytes("POST", SIGNUP, server.port, {
        "Content-Type": "application/json", "Connection": "close"}, body)
    first_part = len(request) - len(body) + half  # the headers and half the body
    sock = raw.connect(server.port)
    with sock:
        sock.sendall(request[:first_part])
        time.sleep(0.3)  # the server has read the headers and waits for the body
        server.signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
        sock.sendall(request[first_part:])
        status, _, answer = raw.parse(raw.read_until_close(sock))
    assert status == 201, f"the in-flight signup completes: {status} {answer!r}"
    assert json.loads(answer)["name"] == "Slow Sender"
    rc = server.wait_exit()
    assert rc == 0, f"exit code after SIGTERM: {rc}\n{server.logs()}"


def test_sigterm_does_not_wait_for_idle_keep_alive_connections(launch):
    server = launch.server()
    sock = raw.connect(server.port)
    with sock:
        sock.sendall(raw.request_bytes("GET", "/health", server.port))
        status, _, _ = raw.read_response(sock)  # the connection stays open, idle
        assert status == 200
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        rc = server.wait_exit(timeout=10)
        assert rc == 0, server.logs()
        assert time.monotonic() - started < 10
        sock.settimeout(5)
        try:
            rest = sock.recv(1024)
        except ConnectionResetError:
            rest = b""
        assert rest == b"", "the idle connection is closed"


def test_sigint_also_exits_0(launch):
    server = launch.server()
    server.signal(signal.SIGINT)
    assert server.wait_exit() == 0, server.logs()
