"""Deleting jobs (finished: 204 and gone; queued: cancelled, never processed), ?wait=true that
runs out of time, and backpressure: a full queue and the per-user in-flight limit."""
import pytest

from ovtest import api, detect
from ovtest.api import assert_error
from ovtest.ws import Socket


def delete(server, account, job_id):
    return server.request("DELETE", detect.job_path(job_id), headers=account.headers)


def test_deleting_a_finished_job_removes_it_and_its_images(deployment, user):
    job = detect.detect(deployment.api, user, "dog.jpg")
    image = job["images"][0]
    r = delete(deployment.api, user, job["job_id"])
    assert r.status_code == 204 and r.content == b"", f"{r.status_code} {r.text}"
    for server in (deployment.api, deployment.other):
        assert server.get(detect.job_path(job["job_id"]),
                          headers=user.headers).status_code == 404
        for url in (image["original_url"], image["annotated_url"]):
            assert server.get(url, headers=user.headers).status_code == 404, url
    assert detect.history_total(deployment.api, user) == 0
    assert delete(deployment.other, user, job["job_id"]).status_code == 404


def test_unknown_and_malformed_job_ids(deployment, user):
    unknown = "00000000-0000-4000-8000-000000000000"
    assert deployment.api.get(detect.job_path(unknown), headers=user.headers).status_code == 404
    assert delete(deployment.api, user, unknown).status_code == 404
    assert deployment.api.get(detect.job_path("nope"), headers=user.headers).status_code == 422


def start_processing(cluster) -> None:
    """Gives a cluster without workers its first one: scaled, a worker process; embedded,
    the serve restarted (SIGTERM, exit 0) with its in-process worker."""
    if cluster.scaled:
        cluster.add_worker()
    else:
        cluster.api.settings.pop("SERVE_WORKERS")
        cluster.api.restart()


def test_a_queued_job_waits_and_a_cancelled_one_is_never_processed(clusters):
    cluster = clusters(nodes=1, workers=0, SERVE_WORKERS="0", WAIT_TIMEOUT_SECONDS="1")
    server = cluster.api
    account = api.new_account(server, "cancel")
    waited = detect.upload(server, account, "dog.jpg", wait=True)
    body = detect.accepted(waited)  # nobody processes it: 202 once WAIT_TIMEOUT_SECONDS ran out
    cancelled = body["job_id"]
    with Socket(server, account.access_token) as sock:
        sock.ready()
        r = delete(server, account, cancelled)
        assert r.status_code == 202, f"{r.status_code} {r.text}"
        assert r.json()["status"] == "cancelled", r.json()
        event = sock.wait_job_event(cancelled, "job.cancelled", timeout=10)
        assert event["status"] == "cancelled", event
    kept = detect.submit(server, account, "eagle.jpg")
    start_processing(cluster)
    detect.completed(server, account, kept)
    job = detect.get_job(server, account, cancelled)
    assert job["status"] == "cancelled" and job["started_at"] is None, job
    [image] = job["images"]
    assert image["status"] == "pending" and image["detections"] == [], image
    assert server.get(image["annotated_url"], headers=account.headers).status_code == 404
    history = detect.history(server, account, status="cancelled").json()
    assert [i["job_id"] for i in history["items"]] == [cancelled], history
    # a cancelled job is finished: deleting it removes it
    assert delete(server, account, cancelled).status_code == 204
    assert delete(server, account, cancelled).status_code == 404


def assert_backpressure(r) -> None:
    assert r.status_code in (429, 503), f"refused with 429 (or 503): {r.status_code} {r.text}"
    assert_error(r, r.status_code)
    retry = r.headers.get("Retry-After", "")
    assert retry.isdigit() and int(retry) >= 1, f"Retry-After in whole seconds: {retry!r}"


def test_a_full_queue_refuses_uploads_with_retry_after(clusters):
    cluster = clusters(nodes=1, workers=0, SERVE_WORKERS="0", QUEUE_MAX_DEPTH="1")
    server = cluster.api
    first, second = api.new_account(server, "q1"), api.new_account(server, "q2")
    detect.submit(server, first, "dog.jpg")
    assert_backpressure(detect.upload(server, second, "dog.jpg"))
    assert_backpressure(detect.upload_batch(server, second, ["dog.jpg", "eagle.jpg"]))
    assert_backpressure(detect.upload(server, first, "eagle.jpg"))
    assert detect.history_total(server, second) == 0, "a refused upload stores nothing"
    assert detect.history_total(server, first) == 1


def test_the_per_user_in_flight_limit(clusters):
    cluster = clusters(nodes=1, workers=0, SERVE_WORKERS="0", MAX_JOBS_IN_FLIGHT_PER_USER="2")
    server = cluster.api
    busy, calm = api.new_account(server, "busy"), api.new_account(server, "calm")
    jobs = [detect.submit(server, busy, name) for name in ("dog.jpg", "eagle.jpg")]
    assert_backpressure(detect.upload(server, busy, "giraffe.jpg"))
    assert detect.history_total(server, busy) == 2
    detect.submit(server, calm, "dog.jpg")  # the limit is per user
    # a cancelled job is no longer in flight
    assert delete(server, busy, jobs[0]).status_code == 202
    detect.submit(server, busy, "giraffe.jpg")


@pytest.mark.parametrize("path", ["/api/v1/detect/history", "/api/v1/detect/jobs/"
                                  "00000000-0000-4000-8000-000000000000"])
def test_job_routes_need_a_token(deployment, path):
    api.assert_unauthorized(deployment.api.get(path))


def test_history_filters_by_class_and_a_new_job_shows_at_once(deployment, user):
    """?class= lists the jobs where an object of that class was found (with every count of
    each), with or without ?status=; a page read before a new such job is not served stale
    after it, on either node."""
    dog = detect.detect(deployment.api, user, "dog.jpg")
    assert "dog" in detect.counts(dog["images"][0]), dog
    eagle = detect.detect(deployment.api, user, "eagle.jpg")
    assert "dog" not in detect.counts(eagle["images"][0]), eagle

    def ids(server, **params):
        r = detect.history(server, user, **params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["items"]), body
        return [item["job_id"] for item in body["items"]], body

    for server in (deployment.api, deployment.other):
        found, body = ids(server, **{"class": "dog"})
        assert found == [dog["job_id"]], body
        assert body["items"][0]["counts"] == dict(detect.counts(dog["images"][0])), body
        assert ids(server, **{"class": "dog", "status": "completed"})[0] == [dog["job_id"]]
        assert ids(server, **{"class": "dog", "status": "failed"})[0] == []
        assert ids(server, **{"class": "no such class"})[0] == []
    second = detect.detect(deployment.other, user, "dog.jpg")
    for server in (deployment.api, deployment.other):
        assert ids(server, **{"class": "dog"})[0] == [second["job_id"], dog["job_id"]]
    r = detect.history(deployment.api, user, **{"class": "x" * 101})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", "class"], r.text
