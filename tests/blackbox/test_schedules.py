"""Scheduled tasks (the old Celery beat): GET /api/v1/admin/schedules, each due time run once
with two nodes up, `objectvision scheduler` alone, schedules checked at start."""
import re
import signal
import subprocess
import time

from ovtest import api
from ovtest.server import BINARY, _alive, build_env

SCHEDULES = "/api/v1/admin/schedules"
EVERY_SECOND = {"SCHEDULE_TOKENS_PURGE": "@every 1s", "RECONCILE_INTERVAL_SECONDS": "1"}
RUN_LINE = re.compile(r"scheduled task tokens\.purge run (\d+) starts")


def tasks(server, admin) -> dict[str, dict]:
    r = server.get(SCHEDULES, headers=admin.headers)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    return {t["name"]: t for t in r.json()["tasks"]}


def wait_runs(server, admin, name: str, count: int, timeout: float = 30) -> dict:
    """Polls the listing until task `name` has finished `count` runs."""
    deadline = time.monotonic() + timeout
    task = None
    while time.monotonic() < deadline:
        task = tasks(server, admin).get(name)
        last = task and task["last_run"]
        if last and last["number"] >= count and last["finished_at"]:
            return task
        time.sleep(0.1)
    raise AssertionError(f"{name} did not finish {count} runs within {timeout}s: {task}"
                         f"\n{server.logs()}")


def wait_for_logs(done, read, what: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return read()
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout}s: {read()}")


def test_admins_see_each_task_with_its_last_and_next_run(launch):
    server = launch.server(**EVERY_SECOND)
    admin = api.new_admin(server)
    purge = wait_runs(server, admin, "tokens.purge", 1)
    assert purge["schedule"] == "@every 1000ms", purge
    last = purge["last_run"]
    assert last["ok"] is True, purge
    assert re.fullmatch(r"\d+ expired refresh tokens and blacklist entries deleted",
                        last["result"]), purge
    assert last["node"].startswith("serve-"), purge
    assert last["started_at"] <= last["finished_at"] < purge["next_run_at"], purge
    assert purge["running"] is False
    reconcile = wait_runs(server, admin, "jobs.reconcile", 1)
    assert reconcile["schedule"] == "@every 1000ms", reconcile
    assert "outbox entries published" in reconcile["last_run"]["result"], reconcile
    assert server.get(SCHEDULES).status_code == 401
    user = api.new_account(server, "plain")
    r = server.get(SCHEDULES, headers=user.headers)
    assert r.status_code == 403 and r.json()["detail"], r.text


def test_each_due_time_runs_once_with_two_nodes_up(launch):
    first = launch.server(**EVERY_SECOND)
    second = launch.server(backend=first.backend, start=False, **EVERY_SECOND)
    second.data_dir = first.data_dir  # the shared volume (embedded: the same SQLite file)
    second.start()
    admin = api.new_admin(first)
    task = wait_runs(first, admin, "tokens.purge", 6)
    newest = task["last_run"]["number"]

    def logged() -> dict[int, list[str]]:
        runs: dict[int, list[str]] = {}
        for server in (first, second):
            for number in RUN_LINE.findall(server.stdout()):
                runs.setdefault(int(number), []).append(server.name)
        return runs

    # Log lines leave through an asynchronous writer: wait until runs 1..newest are there.
    runs = wait_for_logs(lambda: set(range(1, newest + 1)) <= set(logged()), logged,
                         f"runs 1..{newest} each logged")
    twice = {n: where for n, where in runs.items() if len(where) > 1}
    assert not twice, f"runs made by more than one node: {twice}"


def test_the_scheduler_runs_alone_beside_serve_nodes_without_one(launch):
    server = launch.server(SCHEDULER="off", **EVERY_SECOND)
    admin = api.new_admin(server)
    env = build_env({**server.settings, "DATA_DIR": str(server.data_dir), **EVERY_SECOND})
    log = server.workdir / "scheduler.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(BINARY), "scheduler"], cwd=server.workdir, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    _alive.add(proc)
    try:
        task = wait_runs(server, admin, "tokens.purge", 2)
        assert task["last_run"]["node"] == f"scheduler-{proc.pid}", task
        assert "scheduled task" not in server.stdout(), "serve with SCHEDULER=off runs nothing"
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=20)
        _alive.discard(proc)
    assert rc == 0, log.read_text()


def test_an_invalid_schedule_is_refused_naming_the_variable(launch):
    server = launch.server(start=False, SCHEDULE_BACKUP="61 * * * *")
    rc, out, err = server.run_until_exit()
    assert rc == 2, (rc, out, err)
    assert "SCHEDULE_BACKUP" in out + err and "minute" in out + err, (out, err)
    checked = server.cli("config", "check", SCHEDULE_TOKENS_PURGE="@every never")
    assert checked.returncode == 2 and "SCHEDULE_TOKENS_PURGE" in checked.stderr, checked
