"""History: paging (limit, offset, total), newest first, the status filter, the counts per class,
and 422 for values out of range."""
import pytest

from ovtest import api, detect
from ovtest.api import assert_validation_error

SLOW = {"tile": "128x128", "tile_overlap": "0.3"}  # dozens of model runs: seconds of work


@pytest.fixture(scope="module")
def filled(deployment):
    """A user with three completed jobs and a cancelled one, in this order of creation."""
    account = api.new_account(deployment.api, "history")
    job_ids = []
    for photo in ("dog.jpg", "giraffe.jpg", "eagle.jpg"):
        job_ids.append(detect.detect(deployment.api, account, photo)["job_id"])
    cancelled = detect.submit(deployment.api, account, "horses.jpg", **SLOW)
    r = deployment.api.request("DELETE", detect.job_path(cancelled), headers=account.headers)
    assert r.status_code == 202, f"a queued or running job is cancelled: {r.status_code} {r.text}"
    detect.wait_job(deployment.api, account, cancelled,
                    until=lambda j: j["status"] == "cancelled", timeout=30, what="cancelled")
    job_ids.append(cancelled)
    return account, job_ids


def page(deployment, account, **params) -> dict:
    r = detect.history(deployment.api, account, **params)
    assert r.status_code == 200, f"history {params}: {r.status_code} {r.text}"
    return r.json()


def test_newest_first_with_total_and_defaults(deployment, filled):
    account, job_ids = filled
    body = page(deployment, account)
    assert body["total"] == 4 and body["limit"] == 10 and body["offset"] == 0, body
    assert [i["job_id"] for i in body["items"]] == job_ids[::-1], "newest first"


def test_pages_cover_everything_once(deployment, filled):
    account, job_ids = filled
    seen = []
    for offset in (0, 2, 4):
        body = page(deployment, account, limit=2, offset=offset)
        assert body["total"] == 4 and body["limit"] == 2 and body["offset"] == offset, body
        assert len(body["items"]) == (2 if offset < 4 else 0), body
        seen += [i["job_id"] for i in body["items"]]
    assert seen == job_ids[::-1]


def test_the_status_filter(deployment, filled):
    account, job_ids = filled
    done = page(deployment, account, status="completed")
    assert done["total"] == 3 and [i["job_id"] for i in done["items"]] == job_ids[2::-1], done
    assert all(i["status"] == "completed" for i in done["items"])
    cancelled = page(deployment, account, status="cancelled")
    assert [i["job_id"] for i in cancelled["items"]] == [job_ids[3]], cancelled
    assert cancelled["items"][0]["status"] == "cancelled"
    assert page(deployment, account, status="failed")["total"] == 0
    assert page(deployment, account, status="queued")["total"] == 0


def test_items_count_objects_per_class(deployment, filled):
    account, job_ids = filled
    items = {i["job_id"]: i for i in page(deployment, account)["items"]}
    for job_id in job_ids[:3]:
        item, job = items[job_id], detect.get_job(deployment.api, account, job_id)
        for key in ("job_id", "detection_id", "name", "status", "progress", "created_at",
                    "finished_at", "image_count", "object_count", "counts"):
            assert key in item, f"a history item carries {key}: {item}"
        expected = detect.counts(job["images"][0])
        assert item["counts"] == dict(expected), (item, job)
        assert item["object_count"] == sum(expected.values()) > 0, item
        assert item["image_count"] == 1 and item["progress"] == job["progress"], item
        assert item["created_at"] == job["created_at"], item


@pytest.mark.parametrize("params,field", [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": "ten"}, "limit"),
    ({"offset": -1}, "offset"), ({"status": "done"}, "status")])
def test_values_out_of_range_answer_422(deployment, user, params, field):
    assert_validation_error(detect.history(deployment.api, user, **params), field)


def test_limit_100_is_allowed(deployment, user):
    assert page(deployment, user, limit=100) == {"items": [], "total": 0, "limit": 100,
                                                 "offset": 0}
