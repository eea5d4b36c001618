"""GET /api/v1/detect/stats: the caller's totals, objects per class and figures per UTC day,
against the jobs' own results; fresh after a new job (the cache forgets), other users' jobs
never counted, bad ranges refused."""
import datetime as dt
from collections import Counter

import pytest

from ovtest import api, detect

STATS = "/api/v1/detect/stats"


def stats(server, account, **params) -> dict:
    r = server.get(STATS, headers=account.headers, params=params or None)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    return r.json()


def today() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def test_a_new_user_has_zeros_over_the_last_30_days(deployment, user):
    body = stats(deployment.api, user)
    assert body["totals"] == {"jobs": 0, "images": 0, "objects": 0}, body
    assert body["objects_by_class"] == [], body
    days = body["by_day"]
    assert len(days) == 30 and days[-1]["date"] == body["range"]["to"], body["range"]
    assert body["range"]["to"] in (today(), (dt.date.fromisoformat(today()) -
                                             dt.timedelta(days=1)).isoformat())
    assert all(d["jobs"] == d["images"] == d["objects"] == 0 for d in days), days
    dates = [d["date"] for d in days]
    assert dates == sorted(dates) and len(set(dates)) == 30


def test_the_figures_are_those_of_the_callers_jobs(deployment, user, other_user):
    detect.detect(deployment.api, other_user, "eagle.jpg")  # someone else's: never counted
    before = stats(deployment.api, user)  # cached now: the next jobs must make it stale
    jobs = [detect.detect(deployment.api, user, name) for name in ("dog.jpg", "eagle.jpg")]
    want = Counter()
    for job in jobs:
        for image in job["images"]:
            want += detect.counts(image)
    body = stats(deployment.api, user)
    assert body != before, "the cached answer was forgotten after the user's jobs"
    assert body["totals"] == {"jobs": 2, "images": 2, "objects": sum(want.values())}, body
    assert body["jobs_by_status"]["completed"] == 2, body
    got = {c["object_class"]: c["count"] for c in body["objects_by_class"]}
    assert got == dict(want), (got, want)
    counts = [c["count"] for c in body["objects_by_class"]]
    assert counts == sorted(counts, reverse=True), "most frequent class first"
    day = {d["date"]: d for d in body["by_day"]}[body["range"]["to"]]
    assert (day["jobs"], day["images"], day["objects"]) == (2, 2, sum(want.values())), day
    # A range without those days: totals stay all-time, the days are zeros.
    old = stats(deployment.api, user, **{"from": "2020-01-01", "to": "2020-01-03"})
    assert [d["date"] for d in old["by_day"]] == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert all(d["jobs"] == 0 for d in old["by_day"]) and old["totals"] == body["totals"]


@pytest.mark.parametrize("params", [
    {"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-02-30"},
    {"from": "2026-05-02", "to": "2026-05-01"}, {"from": "2024-01-01", "to": "2025-12-31"},
])
def test_bad_ranges_are_refused_with_422(deployment, user, params):
    r = deployment.api.get(STATS, headers=user.headers, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][0] == "query", r.text


def test_anonymous_callers_get_401(deployment):
    assert deployment.api.get(STATS).status_code == 401
