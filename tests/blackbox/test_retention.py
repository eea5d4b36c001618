"""Retention (RETENTION_DAYS): the files.retention task deletes the originals of jobs that
ended longer ago than the retention period — and the annotated images too with
RETENTION_KEEP_ANNOTATED=false — from the file store; the results stay, the image routes answer
410 for a deleted file, and a job that has not ended keeps its files (the repository's unit
test covers the queued and processing cases)."""
import time

import pytest

from ovtest import api, detect

SCHEDULES = "/api/v1/admin/schedules"
# 0.0001 days = 8.64 s: long enough to see the files first, short enough to wait for.
QUICK = {"RETENTION_DAYS": "0.0001", "SCHEDULE_RETENTION": "@every 1s"}


def status_of(server, account, url: str) -> int:
    return server.get(url, headers=account.headers).status_code


def wait_status(server, account, url: str, want: int, timeout: float = 60, logs=lambda: ""):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = status_of(server, account, url)
        if got == want:
            return
        time.sleep(0.2)
    raise AssertionError(f"{url}: {got}, not {want}, within {timeout}s\n{logs()}")


def stored(data_dir, job_id: str, kind: str) -> list:
    return list((data_dir / "files" / job_id).glob(f"*.{kind}.*"))


@pytest.mark.parametrize("keep_annotated", [True, False])
def test_files_of_ended_jobs_are_deleted_after_the_retention_period(clusters, keep_annotated):
    settings = dict(QUICK)
    if not keep_annotated:
        settings["RETENTION_KEEP_ANNOTATED"] = "false"
    cluster = clusters(nodes=1, workers=1, **settings)
    server = cluster.api
    account = api.new_account(server, "retention")
    job = detect.detect(server, account, "dog.jpg")
    (image,) = job["images"]
    data_dir = server.data_dir
    assert status_of(server, account, image["original_url"]) == 200, "kept until the period ends"
    assert stored(data_dir, job["job_id"], "original")

    wait_status(server, account, image["original_url"], 410, logs=cluster.logs)
    r = server.get(image["original_url"], headers=account.headers)
    assert "RETENTION_DAYS" in r.json()["detail"], r.text
    assert not stored(data_dir, job["job_id"], "original"), "the file is gone from the store"

    if keep_annotated:
        assert status_of(server, account, image["annotated_url"]) == 200
        assert stored(data_dir, job["job_id"], "annotated")
    else:
        wait_status(server, account, image["annotated_url"], 410, logs=cluster.logs)
        assert not stored(data_dir, job["job_id"], "annotated")

    # The results stay, for the job and in the history.
    after = detect.get_job(server, account, job["job_id"])
    assert after["status"] == "completed"
    assert detect.counts(after["images"][0]) == detect.counts(image)
    assert detect.history_total(server, account) == 1

    # The task reports what it did.
    listed = server.get(SCHEDULES, headers=cluster.admin_headers).json()["tasks"]
    (task,) = [t for t in listed if t["name"] == "files.retention"]
    assert task["schedule"] == "@every 1000ms" and task["last_run"]["ok"], task
    assert "deleted" in task["last_run"]["result"], task


def test_without_retention_days_there_is_no_retention_task(launch):
    server = launch.server()
    admin = api.new_admin(server)
    names = [t["name"] for t in server.get(SCHEDULES, headers=admin.headers).json()["tasks"]]
    assert "files.retention" not in names, names
