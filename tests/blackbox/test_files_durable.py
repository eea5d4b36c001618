"""Files that survive a crash and a full disk: an upload that does not fit answers 507 and
leaves no record and no file; an annotated image (drawn when first asked for) that does not
fit is still answered, and kept once there is room; a job deleted while a worker still runs it
leaves no file behind.

The full disk is real: DATA_DIR on a small tmpfs mounted for the test (needs root, which the
test run has; elsewhere these tests are skipped)."""
import contextlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from ovtest import api, detect, images


@pytest.fixture
def tiny_disk(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (root needed): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave_bytes: int) -> Path:
    """Fills the disk until about `leave_bytes` are free; returns the filler file."""
    filler = disk / "filler"
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with open(filler, "ab") as f:
        with contextlib.suppress(OSError):
            f.write(b"\0" * max(0, free - leave_bytes))
    return filler


def stored_files(data_dir: Path) -> list[str]:
    root = data_dir / "files"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) \
        if root.exists() else []


def server_on(launch, tmp_path, disk: Path, **settings):
    """One serve with its own worker (in both shapes); its DATA_DIR on the tiny disk."""
    settings = {"SERVE_WORKERS": "1", **settings}
    if not launch.scaled:
        settings["DATABASE_URL"] = f"sqlite://{tmp_path}/ov.db"  # the database off the tiny disk
    server = launch.server(start=False, **settings)
    server.data_dir = disk  # DATA_DIR on the tiny disk; the database elsewhere
    return server.start()


def test_an_upload_that_does_not_fit_is_507_and_leaves_nothing(launch, tmp_path, tiny_disk):
    server = server_on(launch, tmp_path, tiny_disk)
    account = api.new_account(server, "full")
    filler = fill(tiny_disk, 20_000)
    r = detect.upload(server, account, "dog.jpg")  # about 160 KB
    api.assert_error(r, 507)
    assert "storage" in r.json()["detail"].lower(), r.text
    assert detect.history(server, account).json()["total"] == 0, "a half record was left"
    assert stored_files(tiny_disk) == [], "a file of the refused upload was left"
    assert server.get("/health").status_code == 200
    filler.unlink()
    job_id = detect.submit(server, account, "dog.jpg")
    assert detect.completed(server, account, job_id)["status"] == "completed"


def test_an_annotated_image_that_does_not_fit_is_answered_and_kept_later(launch, tmp_path,
                                                                         tiny_disk):
    server = server_on(launch, tmp_path, tiny_disk)
    account = api.new_account(server, "annotate")
    job = detect.detect(server, account, "dog.jpg", annotate="true")
    assert job["status"] == "completed", job
    [image] = job["images"]
    filler = fill(tiny_disk, 4_000)
    r = server.get(image["annotated_url"], headers=account.headers)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == "image/jpeg"
    assert images.size(r.content) == images.jpeg_size(images.photo("dog.jpg"))
    assert not any(".annotated." in f or ".tmp-" in f for f in stored_files(tiny_disk)), \
        stored_files(tiny_disk)
    filler.unlink()
    again = server.get(image["annotated_url"], headers=account.headers)
    assert again.status_code == 200 and again.content == r.content
    assert any(".annotated." in f for f in stored_files(tiny_disk)), "kept once it fits"
    assert server.get("/health").status_code == 200


def test_deleting_a_job_while_it_runs_leaves_no_files(deployment, user):
    names = ["dog.jpg", "horses.jpg", "person.jpg", "eagle.jpg", "scream.jpg"] * 2
    r = detect.upload_batch(deployment.api, user, names, annotate="true")
    job_id = detect.accepted(r)["job_id"]
    detect.wait_job(deployment.api, user, job_id,
                    until=lambda j: j["status"] == "processing" or j["status"] in
                    detect.FINISHED, what="started")
    first = deployment.api.request("DELETE", detect.job_path(job_id), headers=user.headers)
    assert first.status_code in (202, 204), first.text
    if first.status_code == 202:  # cancelled while running: the second delete removes it
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            second = deployment.api.request("DELETE", detect.job_path(job_id), headers=user.headers)
            if second.status_code == 204:
                break
            assert second.status_code in (202, 409), second.text
            time.sleep(0.05)
        else:
            raise AssertionError("the cancelled job could not be deleted")
    job_dir = deployment.data_dir / "files" / job_id
    deadline = time.monotonic() + 30
    admin = deployment.admin_headers
    while time.monotonic() < deadline:
        busy = any(w.get("current_job") == job_id for w in
                   deployment.api.get("/health/workers", headers=admin).json()["workers"])
        if not busy and not job_dir.exists():
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"files left behind: {sorted(map(str, job_dir.rglob('*')))}")
    assert deployment.api.get(detect.job_path(job_id), headers=user.headers).status_code == 404
