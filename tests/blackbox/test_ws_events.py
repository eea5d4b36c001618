"""WS /api/v1/ws: the job events of one's own jobs, across nodes; auth by query or by the first
message; 4401 for a bad or missing token; ping/pong."""
import time

import pytest

from ovtest import api, detect, jwt
from ovtest.server import JWT_SECRET
from ovtest.ws import Socket

KINDS = ("job.queued", "job.started", "job.progress", "job.completed")


def check_events(events: list[dict], job_id: str, total: int) -> None:
    kinds = [e["type"] for e in events]
    for kind in KINDS:
        assert kind in kinds, f"{kind} among {kinds}"
    assert kinds[0] == "job.queued" and kinds[-1] == "job.completed", kinds
    assert kinds.index("job.started") < kinds.index("job.progress"), kinds
    for e in events:
        assert e["job_id"] == job_id and e["detection_id"] == job_id, e
        assert e["progress"]["total"] == total, e
        assert e["status"] in ("queued", "processing", "completed"), e
    assert events[0]["status"] == "queued" and events[0]["progress"]["done"] == 0, events[0]
    assert events[-1]["status"] == "completed", events[-1]
    assert events[-1]["progress"] == {"done": total, "total": total}, events[-1]
    done = [e["progress"]["done"] for e in events]
    assert done == sorted(done), f"progress never goes back: {done}"


def test_a_socket_on_one_node_follows_an_upload_on_another(deployment, user):
    """Scaled: the socket is on serve 2, the upload on serve 1, the work on a worker process."""
    with Socket(deployment.other, user.access_token) as sock:
        sock.ready()
        job_id = detect.submit(deployment.api, user, "dog.jpg")
        sock.wait_job_event(job_id, "job.completed")
        check_events(sock.job_events(job_id), job_id, 1)
    job = detect.get_job(deployment.api, user, job_id)
    assert job["status"] == "completed"


def test_a_batch_reports_progress_per_image(deployment, user):
    with Socket(deployment.api, user.access_token) as sock:
        sock.ready()
        names = ["dog.jpg", "horses.jpg", "person.jpg", "giraffe.jpg", "eagle.jpg"]
        job_id = detect.accepted(detect.upload_batch(deployment.other, user, names))["job_id"]
        sock.wait_job_event(job_id, "job.completed")
        events = sock.job_events(job_id)
        check_events(events, job_id, 5)
        progress = [e for e in events if e["type"] == "job.progress"]
        assert {e["progress"]["done"] for e in progress} >= {5}, progress
        image_ids = {e["image_id"] for e in progress if e.get("image_id")}
        job = detect.get_job(deployment.api, user, job_id)
        assert image_ids <= {img["image_id"] for img in job["images"]}, (image_ids, job)


def test_auth_by_the_first_message(deployment, user):
    with Socket(deployment.other) as sock:
        sock.send({"type": "auth", "token": user.access_token})
        sock.ready()
        job_id = detect.submit(deployment.api, user, "eagle.jpg")
        sock.wait_job_event(job_id, "job.completed")
        check_events(sock.job_events(job_id), job_id, 1)


def test_ping_is_answered_by_pong(deployment, user):
    with Socket(deployment.api, user.access_token) as sock:
        for _ in range(3):
            sock.send({"type": "ping"})
            sock.wait_for(lambda m: m.get("type") == "pong", 10, "pong")
        pongs = [m for m in sock.messages if m.get("type") == "pong"]
        assert pongs == [{"type": "pong"}] * 3, sock.messages


def bad_tokens(user) -> dict[str, str]:
    return {
        "garbage": "not-a-token",
        "signed with another key": jwt.sign(jwt.access_claims(user.id), "another-key-" * 4),
        "expired": jwt.sign(jwt.access_claims(user.id, exp=int(time.time()) - 60), JWT_SECRET),
        "a refresh token": user.refresh_token,
    }


@pytest.mark.parametrize("which", ["garbage", "signed with another key", "expired",
                                   "a refresh token"])
def test_a_bad_token_in_the_query_closes_with_4401(deployment, user, which):
    token = bad_tokens(user)[which]
    with Socket(deployment.api, token) as sock:
        assert sock.close_code() == 4401


@pytest.mark.parametrize("which", ["garbage", "expired"])
def test_a_bad_token_in_the_first_message_closes_with_4401(deployment, user, which):
    with Socket(deployment.api) as sock:
        sock.send({"type": "auth", "token": bad_tokens(user)[which]})
        assert sock.close_code() == 4401


def test_a_logged_out_token_is_refused(deployment):
    account = api.new_account(deployment.api, "wslogout")
    r = deployment.api.post(api.LOGOUT, headers=account.headers)
    assert r.status_code == 204, r.text
    with Socket(deployment.other, account.access_token) as sock:
        assert sock.close_code() == 4401


@pytest.mark.slow
def test_no_auth_within_10_seconds_closes_with_4401(deployment):
    started = time.monotonic()
    with Socket(deployment.api, timeout=20) as sock:
        assert sock.close_code(timeout=20) == 4401
    assert 8 < time.monotonic() - started < 16, "closed after about 10 s"
