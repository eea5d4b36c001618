"""Every way a job can go wrong ends in a clear state with an event, in both shapes: an image
that cannot be decoded, retries used up, the job's time limit, cancelling a running job, a
worker that loses its lease mid-job (it stops writing; another finishes without duplicates),
Redis losing everything (FLUSHALL, a restart without persistence: every accepted job still
completes, none twice), and a crash of serve between accepting a job and running it."""
import shutil
import signal
import struct
import subprocess
import time
import zlib

import pytest

from ovtest import api, detect, images
from ovtest.cluster import listed_workers
from ovtest.redis import command as redis_command
from ovtest.ws import Socket

pytestmark = pytest.mark.slow

SLOW = {"tile": "128x128", "tile_overlap": "0.3"}  # about 55 model runs per dog.jpg
FAST_RECOVERY = {"JOB_VISIBILITY_TIMEOUT_SECONDS": "3", "JOB_RETRY_BACKOFF_SECONDS": "1",
                 "RECONCILE_INTERVAL_SECONDS": "1"}
COPIES = [(f"dog{i}.jpg", images.photo("dog.jpg")) for i in range(1, 5)]


def undecodable_png() -> bytes:
    """A PNG whose header, chunks and checksums are right but whose pixel data is no deflate
    stream: the probe accepts it (as the upload must), the decoder cannot make an image."""
    good = images.png(64, 64)
    ihdr_end = 8 + 8 + 13 + 4
    garbage = b"\x78\x9c" + bytes(range(256)) * 4
    idat = (struct.pack(">I", len(garbage)) + b"IDAT" + garbage
            + struct.pack(">I", zlib.crc32(b"IDAT" + garbage) & 0xFFFFFFFF))
    iend = good[-12:]
    return good[:ihdr_end] + idat + iend


def reference_counts(server, account):
    job = detect.detect(server, account, "dog.jpg", **SLOW)
    return detect.counts(job["images"][0])


def start_slow_batch(server, account, names=None, **extra) -> str:
    r = detect.upload_batch(server, account, names or COPIES, **SLOW, **extra)
    job_id = detect.accepted(r)["job_id"]
    job = detect.wait_job(server, account, job_id, timeout=60, what="processing",
                          until=lambda j: j["status"] != "queued")
    assert job["status"] == "processing", f"the job must still run: {job}"
    return job_id


def busy_worker(cluster, job_id, timeout: float = 15):
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


def assert_no_duplicates(job, want) -> None:
    for image in job["images"]:
        assert image["status"] == "completed", image
        assert detect.counts(image) == want, \
            f"{image['filename']}: {detect.counts(image)} instead of a clean run's {want}"


# ---- an image that cannot be decoded -----------------------------------------------------

def test_an_undecodable_image_fails_alone_and_a_job_of_only_those_fails(deployment, user):
    bad = undecodable_png()
    mixed = detect.accepted(detect.upload_batch(deployment.api, user,
                                                ["dog.jpg", ("broken.png", bad)]))["job_id"]
    job = detect.wait_job(deployment.api, user, mixed)
    assert job["status"] == "completed", job
    by_name = detect.by_filename(job)
    assert by_name["dog.jpg"]["status"] == "completed"
    assert by_name["broken.png"]["status"] == "failed" and by_name["broken.png"]["error"], job

    with Socket(deployment.other, user.access_token) as sock:
        sock.ready()
        only_bad = detect.accepted(detect.upload_batch(
            deployment.api, user, [("a.png", bad), ("b.png", bad)]))["job_id"]
        failed = sock.wait_job_event(only_bad, "job.failed")
    assert failed["status"] == "failed" and failed["error"], failed
    job = detect.get_job(deployment.api, user, only_bad)
    assert job["status"] == "failed" and job["error"], job
    assert all(i["status"] == "failed" for i in job["images"]), job


def test_an_admin_sees_every_users_failed_jobs_latest_first(deployment, user):
    """GET /api/v1/admin/failures: the failed jobs of every user with whose they are and why,
    the latest failure first, on any node; admins only."""
    bad = undecodable_png()
    failed = []
    for name in ("first.png", "second.png"):
        job_id = detect.accepted(detect.upload_batch(deployment.api, user, [(name, bad)]))["job_id"]
        assert detect.wait_job(deployment.api, user, job_id)["status"] == "failed"
        failed.append(job_id)
    admin = api.new_admin(deployment.api)
    r = deployment.other.get("/api/v1/admin/failures", headers=admin.headers)
    assert r.status_code == 200, r.text
    mine = [f for f in r.json()["failures"] if f["user_id"] == user.id]
    assert [f["job_id"] for f in mine] == failed[::-1], r.json()
    for f in mine:
        assert f["user_email"] == user.email and f["error"], f
        assert f["image_count"] == 1 and f["failed_at"] >= f["created_at"], f
    one = deployment.api.get("/api/v1/admin/failures", headers=admin.headers,
                             params={"limit": 1}).json()
    assert len(one["failures"]) == 1 and one["limit"] == 1, one
    assert deployment.api.get("/api/v1/admin/failures", headers=admin.headers,
                              params={"limit": 0}).status_code == 422
    refused = deployment.api.get("/api/v1/admin/failures", headers=user.headers)
    assert refused.status_code == 403 and refused.json()["detail"], refused.text


# ---- retries used up ---------------------------------------------------------------------

def test_a_job_whose_worker_keeps_dying_fails_when_its_retries_are_used_up(clusters):
    cluster = clusters(workers=1, JOB_MAX_ATTEMPTS="1", **FAST_RECOVERY)
    server = cluster.api
    account = api.new_account(server, "retries")
    job_id = start_slow_batch(server, account)
    if cluster.scaled:
        busy_worker(cluster, job_id).kill()
        cluster.add_worker()
    else:
        server.proc.send_signal(signal.SIGKILL)
        server.returncode = server.proc.wait()
        server.start()
    job = detect.wait_job(server, account, job_id, timeout=90)
    assert job["status"] == "failed", job
    assert "repeatedly" in (job["error"] or ""), job


# ---- the job's time limit -----------------------------------------------------------------

def test_a_job_past_its_time_limit_fails(clusters):
    cluster = clusters(workers=1, JOB_TIMEOUT_SECONDS="2")
    account = api.new_account(cluster.api, "timeout")
    job_id = detect.accepted(detect.upload_batch(cluster.api, account, COPIES, **SLOW))["job_id"]
    job = detect.wait_job(cluster.api, account, job_id, timeout=90)
    assert job["status"] == "failed" and job["error"] == "Job timed out", job
    assert job["progress"]["done"] < len(COPIES), job
    assert cluster.api.get("/health").status_code == 200


# ---- cancelling a running job ---------------------------------------------------------------

def test_cancelling_a_running_job_stops_it_and_keeps_the_images_done(clusters):
    cluster = clusters(workers=1)
    server = cluster.api
    account = api.new_account(server, "cancel")
    job_id = start_slow_batch(server, account)
    detect.wait_job(server, account, job_id, timeout=60, what="one image done",
                    until=lambda j: j["progress"]["done"] >= 1 or j["status"] != "processing")
    with Socket(cluster.other, account.access_token) as sock:
        sock.ready()
        r = server.request("DELETE", detect.job_path(job_id), headers=account.headers)
        assert r.status_code == 202 and r.json()["status"] == "cancelled", r.text
        sock.wait_job_event(job_id, "job.cancelled", timeout=15)
    cancelled_at = time.monotonic()
    # The worker lets go within the time of a few tiles, not of the rest of the batch.
    deadline = cancelled_at + 20
    while time.monotonic() < deadline:
        listed = listed_workers(server, cluster.admin_headers)
        if listed and not any(w.get("current_job") == job_id for w in listed):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"a worker still runs the cancelled job: {listed}")
    job = detect.get_job(server, account, job_id)
    assert job["status"] == "cancelled", job
    done = [i for i in job["images"] if i["status"] == "completed"]
    assert 1 <= len(done) < len(COPIES), job
    assert all(i["detections"] for i in done), "the images done keep their detections"
    assert detect.get_job(server, account, job_id)["progress"]["done"] == job["progress"]["done"]


# ---- a worker that loses its lease mid-job ------------------------------------------------------

def lease_holder(cluster, job_id) -> str | None:
    """Who holds the job's lease in the embedded queue's table (read straight from SQLite)."""
    import sqlite3
    with sqlite3.connect(cluster.data_dir / "objectvision.db", timeout=10) as conn:
        row = conn.execute("SELECT locked_by FROM job_queue WHERE detection_id = ?",
                           (job_id,)).fetchone()
    return row[0] if row else None


def test_a_worker_that_loses_its_lease_stops_writing_and_another_finishes(clusters):
    """The busy worker is frozen (SIGSTOP) past the visibility timeout: another takes the job
    over and finishes it; thawed, the first finds the job is no longer its own (its lease is
    gone, its fence is old) and writes nothing more. Embedded, the serve's own worker is frozen
    with the serve, and an `objectvision worker` process on the same database takes over."""
    cluster = clusters(workers=2, **FAST_RECOVERY)
    server = cluster.api
    account = api.new_account(server, "lease")
    want = reference_counts(server, account)
    job_id = start_slow_batch(server, account)
    if cluster.scaled:
        frozen_worker = busy_worker(cluster, job_id)
        frozen = frozen_worker.proc
    else:
        first_holder = lease_holder(cluster, job_id)
        assert first_holder and first_holder.startswith("serve-"), first_holder
        cluster.add_worker(wait=False)  # idle until the serve's lease runs out
        frozen = server.proc
    frozen.send_signal(signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, "no other worker took the job over"
            if cluster.scaled:
                others = [w for w in cluster.workers if w is not frozen_worker]
                listed = listed_workers(cluster.api, cluster.admin_headers)
                pids = {w["pid"] for w in listed if w.get("current_job") == job_id}
                if any(w.pid in pids for w in others):
                    break
            else:
                holder = lease_holder(cluster, job_id)
                if holder and holder.startswith("worker-"):
                    break
            time.sleep(0.1)
    finally:
        frozen.send_signal(signal.SIGCONT)
    job = detect.completed(server, account, job_id, timeout=180)
    assert_no_duplicates(job, want)


# ---- Redis loses everything ------------------------------------------------------------------

@pytest.mark.scaled_only
def test_after_flushall_every_accepted_job_completes_once(clusters):
    cluster = clusters(nodes=1, workers=1, **FAST_RECOVERY)
    server = cluster.api
    account = api.new_account(server, "flush")
    want = reference_counts(server, account)
    running = start_slow_batch(server, account, names=COPIES[:2])
    queued = [detect.submit(server, account, "dog.jpg", **SLOW) for _ in range(3)]
    redis_command(cluster.backend.redis_url, "FLUSHDB")
    for job_id in [running, *queued]:
        job = detect.completed(server, account, job_id, timeout=240)
        assert_no_duplicates(job, want)


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own (restarted by the test), without persistence."""
    port = _free_port()
    data = tmp_path / "redis"
    data.mkdir()
    args = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
            "--appendonly", "no", "--dir", str(data)]
    procs = []

    def start():
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)
        procs.append(proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis_command(f"redis://127.0.0.1:{port}/0", "PING") == "PONG":
                    return proc
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    start()
    yield f"redis://127.0.0.1:{port}/0", start, procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.scaled_only
def test_a_redis_restart_without_persistence_loses_no_job(clusters, private_redis):
    url, start_redis, procs = private_redis
    cluster = clusters(nodes=1, workers=1, REDIS_URL=url, **FAST_RECOVERY)
    server = cluster.api
    account = api.new_account(server, "restart")
    want = reference_counts(server, account)
    running = start_slow_batch(server, account, names=COPIES[:2])
    queued = [detect.submit(server, account, "dog.jpg", **SLOW) for _ in range(2)]
    procs[-1].kill()
    procs[-1].wait()
    start_redis()  # empty: no RDB, no AOF
    for job_id in [running, *queued]:
        job = detect.completed(server, account, job_id, timeout=240)
        assert_no_duplicates(job, want)


# ---- a crash between accepting and running ------------------------------------------------

def test_a_job_accepted_before_a_crash_runs_after_the_restart(launch):
    """kill -9 of a serve that accepted a job but runs no worker; the restarted serve runs it."""
    server = launch.server(SERVE_WORKERS="0", MAX_UPLOAD_MB="2",
                           MODELS_DIR=str(detect.MODELS_DIR))
    account = api.new_account(server, "crash")
    job_id = detect.submit(server, account, "dog.jpg")
    server.proc.send_signal(signal.SIGKILL)
    server.returncode = server.proc.wait()
    server.settings["SERVE_WORKERS"] = "1"
    server.start()
    job = detect.completed(server, account, job_id, timeout=90)
    assert detect.counts(job["images"][0])["dog"] == 1, job
