"""Another user's jobs, images and events do not exist for you: 404, empty history, silence."""
import pytest

from ovtest import api, detect
from ovtest.ws import Socket


@pytest.fixture(scope="module")
def owned(deployment):
    owner = api.new_account(deployment.api, "owner")
    job = detect.detect(deployment.api, owner, "dog.jpg")
    return owner, job


def test_another_users_job_and_images_answer_404(deployment, owned, other_user):
    owner, job = owned
    image = job["images"][0]
    for server in (deployment.api, deployment.other):
        r = server.get(detect.job_path(job["job_id"]), headers=other_user.headers)
        assert r.status_code == 404, f"{server.name}: {r.status_code} {r.text}"
        for url in (image["original_url"], image["annotated_url"]):
            r = server.get(url, headers=other_user.headers)
            assert r.status_code == 404, f"{url}: {r.status_code}"
            assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    assert detect.history_total(deployment.api, other_user) == 0
    # and the owner still sees all of it
    assert detect.get_job(deployment.api, owner, job["job_id"])["status"] == "completed"
    assert deployment.api.get(image["original_url"], headers=owner.headers).status_code == 200


def test_another_user_cannot_delete_a_job(deployment, owned, other_user):
    owner, job = owned
    r = deployment.api.request("DELETE", detect.job_path(job["job_id"]),
                               headers=other_user.headers)
    assert r.status_code == 404, f"{r.status_code} {r.text}"
    assert detect.get_job(deployment.api, owner, job["job_id"])["status"] == "completed"
    assert deployment.api.get(job["images"][0]["annotated_url"],
                              headers=owner.headers).status_code == 200


def test_a_socket_sees_only_its_users_events(deployment, user, other_user):
    with Socket(deployment.other, user.access_token) as mine, \
            Socket(deployment.other, other_user.access_token) as theirs:
        mine.ready()
        theirs.ready()
        job_id = detect.submit(deployment.api, user, "eagle.jpg")
        mine.wait_job_event(job_id, "job.completed")
        # the other user's own job, submitted after: its completion orders the streams
        their_job = detect.submit(deployment.api, other_user, "eagle.jpg")
        theirs.wait_job_event(their_job, "job.completed")
        mine.drain(0.3)
        assert {e["job_id"] for e in theirs.all_job_events()} == {their_job}, theirs.messages
        assert {e["job_id"] for e in mine.all_job_events()} == {job_id}, mine.messages
