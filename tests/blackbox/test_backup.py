"""Backups of the embedded database: `objectvision backup` while serve runs, `objectvision
restore FILE` (and a restored service that is what it was at the backup), the nightly task
with its pruning, files that are not backups refused; the scaled shape refuses politely."""
import os
import sqlite3
import time
from pathlib import Path

import pytest

from ovtest import api

SCHEDULES = "/api/v1/admin/schedules"


def backup_path(done) -> Path:
    assert done.returncode == 0, f"backup: {done.returncode}\n{done.stdout}\n{done.stderr}"
    path = Path(done.stdout.split(" (")[0].strip())
    assert path.is_file() and path.stat().st_size > 0, done.stdout
    return path


def can_log_in(server, account) -> bool:
    r = server.post("/api/v1/auth/login",
                    data={"username": account.email, "password": api.PASSWORD})
    return r.status_code == 200


@pytest.mark.embedded_only
def test_a_backup_taken_while_serving_restores_that_moment(launch):
    server = launch.server()
    before = api.new_account(server, "before")
    path = backup_path(server.cli("backup"))
    assert path.parent == server.data_dir / "backups", path
    after = api.new_account(server, "after")
    server.stop_ok()
    restored = server.cli("restore", str(path))
    assert restored.returncode == 0, f"{restored.stdout}\n{restored.stderr}"
    server.start()
    assert can_log_in(server, before), "what was there at the backup is back"
    assert not can_log_in(server, after), "what came after the backup is gone"


@pytest.mark.embedded_only
def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(launch, tmp_path):
    server = launch.server()
    account = api.new_account(server, "keep")
    server.stop_ok()
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    for bad in (junk, other, tmp_path / "missing.sqlite"):
        done = server.cli("restore", str(bad))
        assert done.returncode != 0 and "restore" in done.stderr, (bad, done.stderr)
    assert "not a backup of this service" in server.cli("restore", str(other)).stderr
    server.start()
    assert can_log_in(server, account), "a refused restore touches nothing"


@pytest.mark.embedded_only
def test_the_nightly_task_backs_up_and_prunes_old_backups(launch):
    server = launch.server(SCHEDULE_BACKUP="@every 1s", BACKUP_KEEP="2")
    backups = server.data_dir / "backups"
    backups.mkdir(parents=True, exist_ok=True)
    old = backups / "objectvision-20200101T000000.000Z.sqlite"
    old.write_bytes(b"an old backup")
    three_days_ago = time.time() - 3 * 86400
    os.utime(old, (three_days_ago, three_days_ago))
    stranger = backups / "notes.txt"  # not ours: never deleted
    stranger.write_text("keep me")
    os.utime(stranger, (three_days_ago, three_days_ago))
    admin = api.new_admin(server)
    deadline = time.monotonic() + 30
    task = None
    while time.monotonic() < deadline:
        r = server.get(SCHEDULES, headers=admin.headers)
        task = {t["name"]: t for t in r.json()["tasks"]}.get("database.backup")
        if task and task["last_run"] and task["last_run"]["ok"] and not old.exists():
            break
        time.sleep(0.1)
    assert task and task["last_run"]["ok"] is True, task
    assert not old.exists(), f"a backup older than BACKUP_KEEP is deleted: {task}"
    assert stranger.exists()
    made = sorted(backups.glob("objectvision-2*.sqlite"))
    assert made, list(backups.iterdir())
    assert any(str(m) in task["last_run"]["result"] for m in made), task


@pytest.mark.scaled_only
def test_postgresql_is_left_to_its_own_tools(launch):
    server = launch.server()
    done = server.cli("backup")
    assert done.returncode == 1 and "pg_dump" in done.stderr, done.stderr
    admin = api.new_admin(server)
    r = server.get(SCHEDULES, headers=admin.headers)
    assert "database.backup" not in {t["name"] for t in r.json()["tasks"]}, r.text
