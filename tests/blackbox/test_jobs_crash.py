"""A worker killed in the middle of a job (kill -9; embedded: the serve process itself) or
stopped with SIGTERM: the job still completes, and no image's results are duplicated — each
image has exactly the detections of a clean run of the same image with the same settings.

The job is made slow enough to catch mid-way: four copies of dog.jpg cut in 128x128 tiles with
half overlap (about 90 model runs per image)."""
import signal
import time

import pytest

from ovtest import api, detect, images
from ovtest.cluster import listed_workers

pytestmark = pytest.mark.slow

SLOW = {"tile": "128x128", "tile_overlap": "0.3"}
SETTINGS = {"JOB_VISIBILITY_TIMEOUT_SECONDS": "3", "JOB_RETRY_BACKOFF_SECONDS": "1"}
COPIES = [(f"dog{i}.jpg", images.photo("dog.jpg")) for i in range(1, 5)]


def reference(server, account) -> list[dict]:
    """The detections of a clean run of one copy."""
    job = detect.detect(server, account, "dog.jpg", **SLOW)
    return job["images"][0]["detections"]


def start_slow_job(server, account) -> str:
    job_id = detect.accepted(detect.upload_batch(server, account, COPIES, **SLOW))["job_id"]
    job = detect.wait_job(server, account, job_id, timeout=60, what="processing, part done",
                          until=lambda j: j["status"] != "queued"
                          and (j["status"] != "processing" or j["progress"]["done"] >= 1))
    assert job["status"] == "processing", f"the job must still run to be interrupted: {job}"
    assert job["progress"]["done"] < job["progress"]["total"], job
    return job_id


def check_no_duplicates(server, account, job_id, expected: list[dict]) -> None:
    job = detect.completed(server, account, job_id, timeout=180)
    assert len(job["images"]) == len(COPIES), job["images"]
    want = detect.counts({"detections": expected})
    for image in job["images"]:
        assert image["status"] == "completed", image
        assert detect.counts(image) == want, \
            f"{image['filename']}: {detect.counts(image)} instead of a clean run's {want}"
        assert len(image["detections"]) == len(expected)
    [item] = detect.history(server, account).json()["items"][:1]
    assert item["job_id"] == job_id and item["object_count"] == len(COPIES) * len(expected), item


def busy_worker(cluster, job_id, timeout: float = 10):
    """The worker process whose current job is `job_id` (from /health/workers)."""
    deadline = time.monotonic() + timeout
    listed = []
    while time.monotonic() < deadline:
        listed = listed_workers(cluster.api, cluster.admin_headers)
        pids = {w["pid"] for w in listed if w.get("current_job") == job_id}
        for worker in cluster.workers:
            if worker.running and worker.pid in pids:
                return worker
        time.sleep(0.05)
    raise AssertionError(f"no worker process reports current_job {job_id}: {listed}")


def still_running(server, account, job_id) -> None:
    job = detect.get_job(server, account, job_id)
    assert job["status"] == "processing" and job["progress"]["done"] < job["progress"]["total"], \
        f"the job finished before it could be interrupted: {job}"


def test_kill_9_in_the_middle_of_a_job(clusters):
    cluster = clusters(nodes=1, workers=2, **SETTINGS)
    server = cluster.api
    account = api.new_account(server, "crash")
    expected = reference(server, account)
    job_id = start_slow_job(server, account)
    if cluster.scaled:
        worker = busy_worker(cluster, job_id)
        still_running(server, account, job_id)
        worker.kill()
    else:
        server.proc.send_signal(signal.SIGKILL)
        server.returncode = server.proc.wait()
        server.start()  # the same DATA_DIR: the job is reclaimed from the database queue
    check_no_duplicates(server, account, job_id, expected)


def test_sigterm_in_the_middle_of_a_job_exits_0_and_the_job_completes(clusters):
    cluster = clusters(nodes=1, workers=2, **SETTINGS)
    server = cluster.api
    account = api.new_account(server, "sigterm")
    expected = reference(server, account)
    job_id = start_slow_job(server, account)
    stopping = busy_worker(cluster, job_id) if cluster.scaled else server
    still_running(server, account, job_id)
    assert stopping.stop(timeout=60) == 0, f"exit 0 after SIGTERM\n{stopping.logs()}"
    if not cluster.scaled:
        server.start()
    check_no_duplicates(server, account, job_id, expected)
