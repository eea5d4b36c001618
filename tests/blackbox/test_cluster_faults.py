"""The loopback cluster of scripts/cluster.sh — nginx in front of 2 API nodes, 2 workers and a
scheduler on PostgreSQL, Redis and an S3 store (s3rver), every process with a DATA_DIR of its
own — brought up as an operator brings it up, then hurt: an API node killed under load, the
workers killed mid-batch, PostgreSQL restarted under load, the S3 store down for 10 s, Redis
restarted without persistence, a node whose disk is full. No accepted job is lost; what each
test accepted and completed is recorded as its "report" (printed at the end of the run by
conftest.py).

The cluster is the scaled shape: these run in the scaled run of the suite only.
"""
import errno
import os
import subprocess
import time
from pathlib import Path

import pytest

from ovtest.api import LOGIN, PROFILE, PASSWORD, new_account
from ovtest.backend import SCALED, shape_from_env
from ovtest.detect import accepted, by_filename, completed, counts, get_job, submit, upload, \
    upload_batch
from ovtest.images import photo
from ovtest.loopback_cluster import Load, LoopbackCluster
from ovtest.waiting import wait_for

pytestmark = pytest.mark.skipif(shape_from_env() != SCALED,
                                reason="the loopback cluster is the scaled shape")

SETTINGS = {
    # A job whose worker was killed is taken over within seconds; the reconciler repairs a
    # queue that Redis lost every second.
    "JOB_VISIBILITY_TIMEOUT_SECONDS": "3", "JOB_RETRY_BACKOFF_SECONDS": "1",
    "RECONCILE_INTERVAL_SECONDS": "1",
    # A store that is down is known at once (no retries inside one request).
    "S3_ATTEMPTS": "1", "S3_TIMEOUT_SECONDS": "2",
    "MAX_UPLOAD_MB": "8", "MAX_BATCH_IMAGES": "20",
    # The load's clients run flat out: no per-user cap on jobs in flight or on logins.
    "MAX_JOBS_IN_FLIGHT_PER_USER": "100000",
    "RATE_LIMIT_LOGIN_ACCOUNT_PER_MINUTE": "100000", "RATE_LIMIT_LOGIN_ACCOUNT_BURST": "100000",
}
PHOTOS = ["dog.jpg", "horses.jpg", "person.jpg", "eagle.jpg", "giraffe.jpg", "kite.jpg"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = LoopbackCluster(tmp_path_factory.mktemp("loopback"), **SETTINGS)
    try:
        yield c
    finally:
        c.down()


@pytest.fixture
def account(cluster):
    return new_account(cluster.lb, "cluster")


def get_profile(account):
    return lambda lb: lb.get(PROFILE, headers=account.headers)


def upload_dog(account):
    return lambda lb: upload(lb, account, "dog.jpg")


def log_in(account):
    return lambda lb: lb.post(LOGIN, json={"email": account.email, "password": PASSWORD})


def ok(call) -> bool:
    return call.status is not None and call.status < 300


def all_completed(cluster, account, job_ids, timeout=120) -> None:
    for job_id in job_ids:
        completed(cluster.lb, account, job_id, timeout=timeout)


def assert_unavailable_answers(calls) -> None:
    """Whatever failed while a server we depend on was down said so properly: 503 with
    Retry-After and a JSON detail — never a 500, never a dropped connection."""
    for c in calls:
        if ok(c):
            continue
        assert c.status == 503, f"{c.kind} answered {c.status}: {c.error}"
        assert c.retry_after, f"a 503 carries Retry-After: {c}"
        assert '"detail"' in c.error, f"a 503 carries a JSON detail: {c}"


def test_up_serves_through_nginx_without_a_shared_disk(cluster, account):
    status = cluster.status()
    assert status and set(status.values()) == {"running"}, status
    assert len(cluster.lb.get("/health/workers").json()["workers"]) == 2
    job = completed(cluster.lb, account, submit(cluster.lb, account, "dog.jpg"))
    image = job["images"][0]
    assert "dog" in counts(image), image
    # Either node serves the files: they live in the bucket, not on the node that took them.
    originals = {cluster.node(n).get(image["original_url"], headers=account.headers).content
                 for n in (1, 2)}
    assert originals == {photo("dog.jpg")}
    annotated = [cluster.node(n).get(image["annotated_url"], headers=account.headers)
                 for n in (1, 2)]
    assert [r.status_code for r in annotated] == [200, 200]
    assert annotated[0].content == annotated[1].content
    # No process keeps a file of the job on its own disk; the S3 store holds them.
    node_files = [p for part in ("api-1", "api-2", "worker-1", "worker-2", "scheduler")
                  for p in (cluster.dir / part).rglob("*") if job["job_id"] in str(p)]
    assert node_files == []
    servers = Path(cluster.info["OV_TEST_SERVERS_DIR"])
    bucket = servers / "s3" / "data" / cluster.info["CLUSTER_BUCKET"]
    assert any(job["job_id"] in str(p) for p in bucket.rglob("*"))


def test_an_api_node_killed_under_load_fails_only_its_requests_in_flight(cluster, account,
                                                                        record_property):
    clients = {"profile": get_profile(account), "upload": upload_dog(account)}
    with Load(cluster.lb, clients, threads_per_action=2) as load:
        load.wait_successes(20, after=0)
        killed_at = time.monotonic()
        cluster.kill("api-1")
        load.wait_successes(40, after=killed_at + 1)
    calls = load.snapshot()
    failed = [c for c in calls if not ok(c)]
    # Requests that reached api-1 before it died may fail (one per client at most); nginx
    # sends every later one to api-2. The second of slack covers the kill itself (the signal,
    # then the kernel closing the node's sockets).
    assert len(failed) <= 4, failed
    assert all(c.started < killed_at + 1 for c in failed), failed
    assert all(ok(c) for c in calls if c.started > killed_at + 1)
    all_completed(cluster, account, load.accepted_jobs())
    record_property("report", f"answers {load.report()}; {len(load.accepted_jobs())} jobs"
                              " accepted, all completed")
    cluster.start("api-1")
    cluster.wait_ready(cluster.node(1))


def test_workers_killed_mid_batch_lose_no_image(cluster, account, record_property):
    names = [(f"{i:02d}-{name}", photo(name)) for i in range(3) for name in PHOTOS]
    job_id = accepted(upload_batch(cluster.lb, account, names))["job_id"]

    def started():
        job = get_job(cluster.lb, account, job_id)
        return job if job["progress"]["done"] >= 1 else None
    at_kill = wait_for(started, "the batch has begun", timeout=60)
    cluster.kill("worker-1")
    cluster.kill("worker-2")
    done_at_kill = get_job(cluster.lb, account, job_id)["progress"]
    assert done_at_kill["done"] < done_at_kill["total"], f"killed too late: {at_kill}"
    cluster.start("worker-1")
    cluster.start("worker-2")
    job = completed(cluster.lb, account, job_id, timeout=120)
    record_property("report", f"killed at {done_at_kill['done']}/{done_at_kill['total']}"
                              f" images; the job completed with {len(job['images'])}")
    # The same batch on an unhurt cluster finds the same objects in every image.
    clean = completed(cluster.lb, account,
                      accepted(upload_batch(cluster.lb, account, names))["job_id"], timeout=120)
    assert ({name: counts(img) for name, img in by_filename(job).items()}
            == {name: counts(img) for name, img in by_filename(clean).items()})


def test_postgres_restarted_under_load_answers_503_then_recovers(cluster, account, record_property):
    clients = {"profile": get_profile(account), "upload": upload_dog(account),
               "login": log_in(account)}
    with Load(cluster.lb, clients, threads_per_action=1) as load:
        load.wait_successes(10, after=0)
        down_at = time.monotonic()
        cluster.stop("postgres")
        wait_for(lambda: sum(1 for c in load.snapshot()
                             if c.started > down_at and c.status == 503) >= 10,
                 "503 answers while PostgreSQL is down", timeout=30)
        cluster.start("postgres")
        back_at = time.monotonic()

        def recovered(kind):
            return next((c.ended for c in load.snapshot()
                         if c.kind == kind and c.started > back_at and ok(c)), None)
        upload_back = wait_for(lambda: recovered("upload"), "an upload accepted", timeout=30)
        login_back = wait_for(lambda: recovered("login"), "a login accepted", timeout=30)
    assert upload_back - back_at <= 5 and login_back - back_at <= 5
    assert_unavailable_answers(load.snapshot())
    all_completed(cluster, account, load.accepted_jobs())
    record_property("report", f"answers {load.report()}; uploads back {upload_back - back_at:.2f}"
                              f" s after PostgreSQL, logins {login_back - back_at:.2f} s;"
                              f" {len(load.accepted_jobs())} jobs accepted, all completed")


def test_the_s3_store_down_for_ten_seconds(cluster, account, record_property):
    earlier = completed(cluster.lb, account, submit(cluster.lb, account, "kite.jpg"))
    image_url = earlier["images"][0]["original_url"]
    cluster.stop("worker-1")
    cluster.stop("worker-2")
    queued = [submit(cluster.lb, account, name) for name in ("dog.jpg", "horses.jpg")]
    cluster.stop("s3")
    down_at = time.monotonic()
    cluster.start("worker-1")
    cluster.start("worker-2")
    refused = []
    # Ten seconds of outage, uploading all along: each is refused with 503, none is kept.
    while time.monotonic() - down_at < 10:
        r = upload(cluster.lb, account, "dog.jpg")
        assert r.status_code == 503, f"an upload while the store is down: {r.status_code} {r.text}"
        assert r.headers.get("Retry-After") and "detail" in r.json()
        refused.append(r)
        # Its files are in the store too: an image asked for meanwhile is 503, not 404.
        r = cluster.lb.get(image_url, headers=account.headers)
        assert r.status_code == 503 and r.headers.get("Retry-After"), f"{r.status_code} {r.text}"
    for job_id in queued:
        assert get_job(cluster.lb, account, job_id)["status"] in ("queued", "processing")
    cluster.start("s3")
    all_completed(cluster, account, queued)
    assert cluster.lb.get(image_url, headers=account.headers).content == photo("kite.jpg")
    after = completed(cluster.lb, account, submit(cluster.lb, account, "dog.jpg"))
    record_property("report", f"{len(refused)} uploads refused with 503 in 10 s; {len(queued)}"
                              " jobs queued before completed after the store came back")
    assert "dog" in counts(after["images"][0])


def test_redis_restarted_without_persistence_loses_no_job(cluster, account, record_property):
    clients = {"profile": get_profile(account), "upload": upload_dog(account)}
    with Load(cluster.lb, clients, threads_per_action=2) as load:
        load.wait_successes(10, after=0)
        cluster.stop("redis")
        cluster.start("redis")  # empty: its streams, consumer groups and caches are gone
        restarted_at = time.monotonic()
        load.wait_successes(20, after=restarted_at)
    assert_unavailable_answers(load.snapshot())
    all_completed(cluster, account, load.accepted_jobs())
    record_property("report", f"answers {load.report()}; {len(load.accepted_jobs())} jobs"
                              " accepted, all completed")


def mount_small_tmpfs(path: Path) -> bool:
    """A 128 KiB tmpfs on `path` (root only); False where mounting is not allowed."""
    if os.geteuid() != 0:
        return False
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(path)],
                       capture_output=True)
    return p.returncode == 0


def fill(path: Path) -> None:
    """Writes into `path` until its file system has no byte left."""
    with open(path / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
    assert os.statvfs(path).f_bavail == 0


def test_a_full_disk_on_one_node(cluster, account, record_property):
    """api-1 and worker-1 on a full disk: with the files in the bucket neither writes a byte of
    a job locally, so uploads through api-1 are accepted and worker-1 completes them."""
    parts = ("api-1", "worker-1")
    for part in (*parts, "worker-2"):
        cluster.stop(part)  # worker-1 alone does the work
    mounted = []
    try:
        for part in parts:
            data = cluster.dir / part / "data"
            if not mount_small_tmpfs(data):
                pytest.skip("mounting a small file system needs root and the right to mount")
            mounted.append(data)
            fill(data)
        for part in parts:
            cluster.start(part)
        node = cluster.node(1)
        cluster.wait_ready(node)
        wait_for(lambda: len(node.get("/health/workers").json()["workers"]) == 1,
                 "worker-1 alone is listed")
        job = completed(node, account, submit(node, account, "dog.jpg"))
        assert "dog" in counts(job["images"][0])
        r = node.get(job["images"][0]["annotated_url"], headers=account.headers)
        assert r.status_code == 200 and r.content
        for data in mounted:
            assert os.statvfs(data).f_bavail == 0
        record_property("report", "a job accepted by api-1 and run by worker-1, both on a full"
                                  " disk")
    finally:
        for part in parts:
            cluster.stop(part)
        for data in mounted:
            subprocess.run(["umount", str(data)], check=True)
        for part in (*parts, "worker-2"):
            cluster.start(part)
        cluster.wait_ready(cluster.node(1))


def test_status_and_down(tmp_path):
    """An operator's view: status says what runs; down stops every process and removes it all."""
    c = LoopbackCluster(tmp_path, api_nodes=1, workers=1)
    try:
        c.kill("worker-1")
        wait_for(lambda: c.status().get("worker-1") == "stopped", "status shows the kill")
        pids = [c.pid(p) for p in ("api-1", "scheduler", "nginx")]
    finally:
        c.down()
    assert not c.dir.exists()
    for pid in pids:
        assert not _alive(pid), f"pid {pid} still runs after down"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False

