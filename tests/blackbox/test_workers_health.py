"""GET /health/workers: the live workers (scaled: the worker processes; embedded: the serve's
in-process worker), their heartbeats and counts, the queue; 503 without any worker. Hosts,
pids and the jobs being run (other users' ids) are shown to admins only."""
import time

from ovtest import api, detect, images
from ovtest.api import TIMESTAMP_RE, UUID_RE
from ovtest.cluster import WORKERS_HEALTH
from ovtest.waiting import wait_for


def workers_health(server, headers=None) -> dict:
    r = server.get(WORKERS_HEALTH, headers=headers)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    return r.json()


def test_the_live_workers_are_listed(deployment):
    body = workers_health(deployment.other, deployment.admin_headers)
    assert body["status"] == "ok", body
    pids = {w["pid"] for w in body["workers"]}
    if deployment.scaled:
        assert {w.pid for w in deployment.workers} <= pids, (body, deployment.workers)
        assert deployment.api.proc.pid not in pids, "API nodes run no worker when scaled"
    else:
        assert pids == {deployment.api.proc.pid}, body
    for w in body["workers"]:
        assert isinstance(w["id"], str) and w["id"], w
        assert isinstance(w["host"], str) and w["host"], w
        assert TIMESTAMP_RE.match(w["started_at"]) and TIMESTAMP_RE.match(w["last_heartbeat"]), w
        assert w["started_at"] <= w["last_heartbeat"], w
        assert isinstance(w["jobs_done"], int) and w["jobs_done"] >= 0, w
        assert w["current_job"] is None or UUID_RE.match(w["current_job"]), w
    queue = body["queue"]
    assert isinstance(queue["depth"], int) and isinstance(queue["in_flight"], int), queue
    assert queue["oldest_queued_age_s"] is None or queue["oldest_queued_age_s"] >= 0, queue


def test_anonymous_callers_see_no_hosts_pids_or_job_ids(deployment, user):
    job_id = detect.submit(deployment.api, user, "dog.jpg")
    for headers in (None, user.headers):  # anonymous, and an ordinary user
        body = workers_health(deployment.other, headers)
        assert body["workers"], body
        for w in body["workers"]:
            assert not {"host", "pid", "current_job", "error"} & set(w), w
            assert w["id"] and isinstance(w["jobs_done"], int), w
        assert job_id not in str(body), body
    detect.wait_job(deployment.api, user, job_id)


def test_a_bad_token_is_served_as_anonymous(deployment):
    r = deployment.other.get(WORKERS_HEALTH, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 200 and "pid" not in r.json()["workers"][0], r.text


def test_jobs_done_counts_finished_jobs(deployment, user):
    before = sum(w["jobs_done"] for w in workers_health(deployment.api)["workers"])
    for _ in range(2):
        detect.detect(deployment.api, user, "eagle.jpg")
    # A worker counts a job after it has committed it (the job shows completed first) and
    # reports the count with its next heartbeat: the count follows a moment later.

    def counted():
        after = sum(w["jobs_done"] for w in workers_health(deployment.api)["workers"])
        return after if after >= before + 2 else None
    wait_for(counted, f"jobs_done grows by 2 from {before}", timeout=30)


def test_without_workers_it_answers_503_and_counts_the_queue(clusters):
    cluster = clusters(nodes=1, workers=0, SERVE_WORKERS="0")
    server = cluster.api
    r = server.get(WORKERS_HEALTH)
    assert r.status_code == 503, f"{r.status_code} {r.text}"
    account = api.new_account(server, "queue")
    for name in ("dog.jpg", "eagle.jpg"):
        detect.submit(server, account, name)
    r = server.get(WORKERS_HEALTH)
    assert r.status_code == 503 and r.json()["workers"] == [], r.text
    queue = r.json()["queue"]
    assert queue["depth"] == 2 and queue["in_flight"] == 0, queue
    assert queue["oldest_queued_age_s"] >= 0, queue


def test_a_worker_busy_longer_than_the_window_stays_listed(clusters):
    """A job that outlasts WORKER_HEARTBEAT_WINDOW_SECONDS must not make its worker look dead:
    the worker keeps sending heartbeats while it runs the job (it used to send them only
    between jobs, so /health/workers answered 503 during any job longer than 30 s)."""
    window = 1.5
    cluster = clusters(workers=1, WORKER_HEARTBEAT_WINDOW_SECONDS=str(window))
    server = cluster.api
    account = api.new_account(server, "busy")
    copies = [(f"dog{i}.jpg", images.photo("dog.jpg")) for i in range(6)]
    r = detect.upload_batch(server, account, copies, tile="128x128", tile_overlap="0.3")
    job_id = detect.accepted(r)["job_id"]
    detect.wait_job(server, account, job_id, timeout=60, what="processing",
                    until=lambda j: j["status"] != "queued")
    started = time.monotonic()
    watched = 0.0
    while watched < 3 * window:
        r = server.get(WORKERS_HEALTH, headers=cluster.admin_headers)
        still_running = detect.get_job(server, account, job_id)["status"] == "processing"
        if not still_running:
            break
        assert r.status_code == 200, f"the busy worker dropped out: {r.status_code} {r.text}"
        busy = [w for w in r.json()["workers"] if w["current_job"] == job_id]
        assert len(busy) == 1, r.text
        watched = time.monotonic() - started
        time.sleep(0.1)
    assert watched >= 3 * window, f"the job ended after {watched:.1f}s: too fast to tell"
    r = server.request("DELETE", detect.job_path(job_id), headers=account.headers)
    assert r.status_code < 500, r.text
