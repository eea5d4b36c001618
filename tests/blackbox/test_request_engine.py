"""The request engine: caches that never serve a stale read after a write (on the node that
wrote, and on the others through the bus), admission control on the blocking pool (503 with
Retry-After, never an unbounded queue), inference slots for the DeepStack endpoint, and
`?wait=true` detections that hold no thread: /health, /health/live and login answer while many
wait."""
import os
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ovtest import api, detect
from ovtest.api import LOGIN, LOGOUT, PROFILE, PASSWORD, user_path

pytestmark = pytest.mark.slow

SLOW = {"tile": "128x128", "tile_overlap": "0.3"}  # dozens of model runs per image
LONG_CACHE = {"CACHE_LOCAL_TTL_SECONDS": "3600"}  # only an invalidation can make a read fresh


def profile(server, account) -> dict:
    r = server.get(PROFILE, headers=account.headers)
    assert r.status_code == 200, f"get-profile: {r.status_code} {r.text}"
    return r.json()


def status_of(server, account, path: str) -> int:
    return server.get(path, headers=account.headers).status_code


def eventually(check, timeout: float = 15, what: str = "the condition"):
    """Polls `check()` until it returns a truthy value; fails with the last value after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout}s (last: {last!r})")


def burst(server, count: int, send) -> list:
    """`count` requests sent at once from as many threads (a barrier releases them together);
    returns their responses in order. `send(session)` makes one request on its own connection."""
    gate = threading.Barrier(count)
    answers: list = [None] * count

    def one(i):
        with server._new_session() as session:
            gate.wait()
            try:
                answers[i] = send(session)
            except Exception as e:  # noqa: BLE001 - reported in the assertion below
                answers[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    failed = [a for a in answers if isinstance(a, Exception) or a is None]
    assert not failed, f"requests of the burst failed: {failed}"
    return answers


def assert_busy(r) -> None:
    """A refusal of a saturated pool: 503, Retry-After in seconds, a JSON detail."""
    assert r.status_code == 503, f"{r.status_code} {r.text}"
    retry = r.headers.get("Retry-After", "")
    assert retry.isdigit() and int(retry) >= 1, f"503 carries Retry-After: {r.headers}"


# ---- the caches: a read after a write sees the write ---------------------------------------

def test_profile_and_settings_are_fresh_after_a_change(server, account):
    before = profile(server, account)
    assert profile(server, account) == before  # the second read comes from the cache
    r = server.patch(user_path(account.id), headers=account.headers,
                     json={"name": "Renamed", "settings": {"theme": "dark"}})
    assert r.status_code == 200, r.text
    after = profile(server, account)
    assert after["name"] == "Renamed" and after["settings"]["theme"] == "dark", after
    by_id = server.get(user_path(account.id), headers=account.headers).json()
    assert by_id["name"] == "Renamed" and by_id["settings"]["theme"] == "dark", by_id


def test_a_token_is_refused_at_once_after_logout_and_password_change(server):
    account = api.new_account(server, "cache-logout")
    profile(server, account)  # the token's checks are cached now
    r = server.post(LOGOUT, headers=account.headers, json={"refresh_token": account.refresh_token})
    assert r.status_code == 204, r.text
    api.assert_unauthorized(server.get(PROFILE, headers=account.headers))

    other = api.new_account(server, "cache-password")
    profile(server, other)
    r = server.patch(user_path(other.id), headers=other.headers,
                     json={"current_password": PASSWORD, "new_password": "another-long-pass-42"})
    assert r.status_code == 200, r.text
    api.assert_unauthorized(server.get(PROFILE, headers=other.headers))


def test_job_and_history_reads_are_fresh(deployment, user):
    server = deployment.api
    first = detect.detect(server, user, "dog.jpg")
    page = detect.history(server, user).json()  # cached
    assert page["total"] == 1, page
    second = detect.detect(server, user, "eagle.jpg")
    page = detect.history(server, user).json()
    assert page["total"] == 2 and page["items"][0]["job_id"] == second["job_id"], page
    assert detect.get_job(server, user, first["job_id"]) == detect.get_job(server, user,
                                                                          first["job_id"])
    r = server.request("DELETE", detect.job_path(first["job_id"]), headers=user.headers)
    assert r.status_code == 204, r.text
    assert status_of(server, user, detect.job_path(first["job_id"])) == 404
    page = detect.history(server, user).json()
    assert page["total"] == 1 and [i["job_id"] for i in page["items"]] == [second["job_id"]]


@pytest.mark.scaled_only
def test_a_write_on_one_node_reaches_the_caches_of_the_others(clusters):
    """Local caches live for an hour here: only the invalidation sent over Redis can make node
    B see what node A wrote."""
    cluster = clusters(nodes=2, workers=1, **LONG_CACHE)
    a, b = cluster.servers
    account = api.new_account(a, "two-nodes")
    job = detect.detect(a, account, "dog.jpg")
    job_path = detect.job_path(job["job_id"])
    assert profile(b, account)["name"] == "Test User"  # now in B's caches
    assert status_of(b, account, job_path) == 200
    assert detect.history(b, account).json()["total"] == 1

    r = a.patch(user_path(account.id), headers=account.headers, json={"name": "Seen Everywhere"})
    assert r.status_code == 200, r.text
    eventually(lambda: profile(b, account)["name"] == "Seen Everywhere", what="B sees the name")

    assert a.request("DELETE", job_path, headers=account.headers).status_code == 204
    eventually(lambda: status_of(b, account, job_path) == 404, what="B forgets the deleted job")
    eventually(lambda: detect.history(b, account).json()["total"] == 0,
               what="B's history forgets it")

    assert a.post(LOGOUT, headers=account.headers,
                  json={"refresh_token": account.refresh_token}).status_code == 204
    eventually(lambda: status_of(b, account, PROFILE) == 401, what="B refuses the token")


def shared_calls(server, result: str) -> float:
    """objectvision_cache_shared_total{result=...} of one node: its calls to the Redis tier."""
    r = server.get("/metrics")
    assert r.status_code == 200, r.text
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            if sample.name == "objectvision_cache_shared_total" and \
                    sample.labels.get("result") == result:
                return sample.value
    return 0.0


def answered_by_the_tier(server, read) -> None:
    """Repeats `read()` until the node answers one from the Redis tier (its in-process copy
    has lived out its 50 ms)."""
    before = shared_calls(server, "hit")

    def attempt():
        read()
        return shared_calls(server, "hit") > before
    eventually(attempt, timeout=10, what="a read answered by the Redis tier")


@pytest.mark.scaled_only
def test_the_redis_tier_answers_every_node_and_is_never_stale_after_a_write(clusters):
    """In-process copies live 50 ms here: past that, reads go to the Redis tier, which node A
    filled and node B answers from. A write on A raises the generations it makes stale, so B
    reads the database again instead of the value A stored before the write (which the tier
    would otherwise serve for 15 minutes)."""
    cluster = clusters(nodes=2, workers=1, CACHE_LOCAL_TTL_SECONDS="0.05")
    a, b = cluster.servers
    account = api.new_account(a, "redis-tier")
    job = detect.detect(a, account, "dog.jpg")
    job_path = detect.job_path(job["job_id"])
    # A fills the tier: the user with its settings, the finished job, the first history page.
    assert profile(a, account)["name"] == "Test User"
    assert status_of(a, account, job_path) == 200
    assert detect.history(a, account).json()["total"] == 1

    answered_by_the_tier(b, lambda: profile(b, account)["name"] == "Test User")
    answered_by_the_tier(b, lambda: detect.get_job(b, account, job["job_id"]))
    answered_by_the_tier(b, lambda: detect.history(b, account).json())
    assert profile(b, account)["name"] == "Test User"
    assert detect.history(b, account).json()["total"] == 1

    r = a.patch(user_path(account.id), headers=account.headers, json={"name": "Renamed"})
    assert r.status_code == 200, r.text
    second = detect.detect(a, account, "eagle.jpg")
    assert a.request("DELETE", job_path, headers=account.headers).status_code == 204
    eventually(lambda: profile(b, account)["name"] == "Renamed", timeout=5,
               what="B reads the new name")
    eventually(lambda: status_of(b, account, job_path) == 404, timeout=5,
               what="B forgets the deleted job")
    page = eventually(lambda: (lambda p: p if p["total"] == 1 else None)(
        detect.history(b, account).json()), timeout=5, what="B's history has the new job only")
    assert page["items"][0]["job_id"] == second["job_id"], page
    assert shared_calls(a, "failed") == shared_calls(b, "failed") == 0


# ---- admission: a saturated blocking pool refuses at once ----------------------------------

def test_a_saturated_blocking_pool_answers_503_with_retry_after(launch):
    # One blocking thread, one place in its queue, and an Argon2 cost of tens of milliseconds:
    # a burst of logins cannot all be admitted.
    server = launch.server(WORKER_THREADS="1", BLOCKING_QUEUE_MAX="1", ARGON2_OPS="3",
                           ARGON2_MEMORY_KIB="32768")
    account = api.new_account(server, "admission")
    body = {"email": account.email, "password": PASSWORD}
    refused = []
    deadline = time.monotonic() + 60
    while not refused and time.monotonic() < deadline:
        answers = burst(server, 12, lambda s: s.post(server.url + LOGIN, json=body, timeout=30))
        for r in answers:
            assert r.status_code in (200, 503), f"{r.status_code} {r.text}"
        refused = [r for r in answers if r.status_code == 503]
        assert any(r.status_code == 200 for r in answers), "the admitted logins succeed"
    assert refused, "12 logins at once on one blocking thread with one queue place: some refused"
    for r in refused:
        assert_busy(r)
        assert api.detail(r)
    assert server.get("/health").status_code == 200
    assert api.login(server, account.email)["access_token"], "the pool serves again afterwards"


def test_deepstack_requests_beyond_the_inference_slots_are_refused(launch):
    # The same photo in every request: without the duplicate-frame cache, each takes a slot.
    server = launch.server(INFERENCE_SLOTS="1", INFERENCE_QUEUE_MAX="0",
                           DEEPSTACK_DUPLICATE_WINDOW_MS="0")
    account = api.new_account(server, "slots")
    r = server.post(f"/api/v1/users/{account.id}/api-key", headers=account.headers)
    assert r.status_code == 201, r.text
    key = r.json()["api_key"]
    photo = detect.part("dog.jpg")

    def vision(session):
        return session.post(server.url + "/v1/vision/detection", timeout=60,
                            files=[("api_key", (None, key)), ("image", photo)])

    refused = []
    deadline = time.monotonic() + 60
    while not refused and time.monotonic() < deadline:
        answers = burst(server, 8, vision)
        for r in answers:
            assert r.status_code in (200, 503), f"{r.status_code} {r.text}"
        served = [r for r in answers if r.status_code == 200]
        assert served, "one slot: at least one of the burst is served"
        for r in served:
            assert r.json()["success"] is True and r.json()["predictions"], r.text
        refused = [r for r in answers if r.status_code == 503]
    assert refused, "8 DeepStack requests at once on one slot and no queue: some refused"
    for r in refused:
        assert_busy(r)
        body = r.json()
        assert body["success"] is False and body["error"], body


def thread_nices(pid: int) -> dict[int, int]:
    """The nice value of each thread of a process (field 19 of /proc/PID/task/TID/stat)."""
    nices = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        nices[int(tid)] = int(fields[16])
    return nices


def test_inference_threads_run_below_the_request_threads(launch):
    server = launch.server(INFERENCE_NICE="7", INFERENCE_THREADS="2")
    # One detection: the model has run in a slot, its intra-op threads exist.
    account = api.new_account(server, "nice")
    key = server.post(f"/api/v1/users/{account.id}/api-key", headers=account.headers).json()
    r = server.post("/v1/vision/detection", files=[("api_key", (None, key["api_key"])),
                                                   ("image", detect.part("dog.jpg"))])
    assert r.status_code == 200 and r.json()["success"], r.text
    pid = server.proc.pid
    nices = thread_nices(pid)
    base = nices[pid]  # the main thread: the process's own value
    lowered = [t for t, n in nices.items() if n == min(19, base + 7)]
    kept = [t for t, n in nices.items() if n == base]
    # The slot's thread and ONNX Runtime's intra-op thread (2 threads: the caller and one more)
    # of each model at least; workers too in the embedded shape.
    assert len(lowered) >= 2, nices
    assert len(kept) >= 3, f"the main, I/O and blocking-pool threads keep theirs: {nices}"
    assert set(nices.values()) == {base, min(19, base + 7)}, nices
    assert server.get("/health").status_code == 200


def test_inference_nice_zero_keeps_every_thread_at_the_process_priority(launch):
    server = launch.server(INFERENCE_NICE="0", INFERENCE_THREADS="2")
    assert server.get("/health").status_code == 200
    nices = thread_nices(server.proc.pid)
    assert set(nices.values()) == {nices[server.proc.pid]}, nices


# ---- waiting holds no thread ---------------------------------------------------------------

def test_health_and_login_answer_while_many_detections_wait(clusters):
    # Two blocking threads: with one thread held per waiting request, as before, the waiters
    # below would leave nothing for a login.
    cluster = clusters(nodes=1, workers=1, WORKER_THREADS="2", WAIT_TIMEOUT_SECONDS="240",
                       MAX_JOBS_IN_FLIGHT_PER_USER="100", QUEUE_MAX_DEPTH="1000")
    server = cluster.api
    accounts = [api.new_account(server, f"waiter{i}") for i in range(2)]
    waiters = 16
    answers: list = [None] * waiters

    def wait_for_detection(i):
        account = accounts[i % 2]
        try:
            with server._new_session() as session:
                answers[i] = session.post(
                    server.url + detect.DETECT_IMAGE, params={"wait": "true"},
                    headers=account.headers, files=[("image", detect.part("dog.jpg"))],
                    data=SLOW, timeout=260)
        except Exception as e:  # noqa: BLE001 - reported below
            answers[i] = e

    threads = [threading.Thread(target=wait_for_detection, args=(i,)) for i in range(waiters)]
    for t in threads:
        t.start()
    # All of them accepted and waiting: the jobs are in the history, most not finished.
    eventually(lambda: sum(detect.history_total(server, a) for a in accounts) == waiters,
               timeout=60, what="every upload accepted")
    pending = sum(1 for a in answers if a is None)
    assert pending >= waiters // 2, f"the jobs take seconds each: {pending} still wait"

    for path in ("/health", "/health/live", "/health/ready"):
        r = server.get(path, fresh=True, timeout=10)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
    assert api.login(server, accounts[0].email)["access_token"]
    newcomer = api.new_account(server, "newcomer")  # signup and login, both on the pool
    assert profile(server, newcomer)["email"] == newcomer.email
    assert sum(1 for a in answers if a is None) > 0, "the checks above ran while some waited"

    for t in threads:
        t.join(timeout=260)
    for r in answers:
        assert not isinstance(r, Exception) and r is not None, r
        assert r.status_code == 200, f"each waiter gets its finished job: {r.status_code} {r.text}"
        assert r.json()["status"] == "completed", r.text


# ---- the detection path ---------------------------------------------------------------------

def metric_total(server, name: str, **labels) -> float:
    """The sum of a counter's samples whose labels include `labels`."""
    r = server.get("/metrics")
    assert r.status_code == 200, r.text
    total = 0.0
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def objects_of(job: dict) -> list[tuple]:
    [image] = job["images"]
    return [(d["class"], d["confidence"], detect.box(d)) for d in image["detections"]]


def assert_same_objects(early: list[tuple], queued: list[tuple]):
    assert [c for c, _, _ in early] == [c for c, _, _ in queued], (early, queued)
    for (_, ca, ba), (_, cb, bb) in zip(early, queued):
        assert abs(ca - cb) < 1e-3 and detect.iou(ba, bb) > 0.99, (early, queued)


@pytest.mark.embedded_only
def test_a_waiting_request_detects_while_its_job_is_stored_with_the_queued_jobs_result(launch):
    """`?wait=true` on one image starts the detection before the job is committed (an early
    run); the worker takes that result and records it through the job as always. Counted on
    /metrics; the objects are those of the same photo run as an ordinary queued job."""
    server = launch.server()
    account = api.new_account(server, "early")
    taken = metric_total(server, "objectvision_early_runs_total", outcome="taken")

    def taken_early():
        # Right after the start the lanes may still be warming up (a run each): then no lane is
        # idle, the request runs as a queued job, and the next one is tried.
        r = detect.upload(server, account, "eagle.jpg", wait=True)
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        now = metric_total(server, "objectvision_early_runs_total", outcome="taken")
        assert now - taken <= 1, "one early run per waiting request at most"
        return r.json() if now == taken + 1 else None

    early = eventually(taken_early, timeout=60, what="a waiting request's early run taken")
    taken += 1
    assert early["status"] == "completed", early
    # The job is what the worker recorded: polled, it says the same.
    assert objects_of(detect.get_job(server, account, early["job_id"])) == objects_of(early)
    queued = detect.detect(server, account, "eagle.jpg")  # no wait: the worker's own run
    assert metric_total(server, "objectvision_early_runs_total", outcome="taken") == taken
    assert_same_objects(objects_of(early), objects_of(queued))
    assert "bird" in detect.counts(early["images"][0]), early


def test_overlapping_detections_share_the_cores_and_find_what_one_alone_finds(launch):
    """With adaptive threads a detection alone runs on every core and detections that overlap
    run one per core on the model's single-threaded session (counted on /metrics): the objects
    do not depend on which."""
    server = launch.server(INFERENCE_THREADS="2", WORKER_CONCURRENCY="2", SERVE_WORKERS="2",
                           MAX_JOBS_IN_FLIGHT_PER_USER="100")
    account = api.new_account(server, "cores")
    # (Alone, it takes both cores, unless the lanes' warm-up after the start still holds one:
    # the unit tests check that rule; here the reference is only its objects.)
    # Tiled, each job is nine model runs (eight 256x256 tiles and the whole photo): long
    # enough that the two workers' jobs overlap even where an upload is slow (a sanitizer
    # build on a loaded machine stores one in about the time the model takes).
    tiled = {"tile": "256x256", "tile_overlap": "0"}
    alone = objects_of(detect.detect(server, account, "horses.jpg", **tiled))
    one = metric_total(server, "objectvision_inference_runs_total", cores="one")
    # Uploaded all at once, from as many clients.
    ids: list = [None] * 6
    start = threading.Barrier(len(ids))

    def submit(i: int):
        start.wait(timeout=30)
        ids[i] = detect.submit(server, account, "horses.jpg", **tiled)

    clients = [threading.Thread(target=submit, args=(i,)) for i in range(len(ids))]
    for c in clients:
        c.start()
    for c in clients:
        c.join(timeout=120)
    assert all(ids), f"every upload accepted: {ids}"
    for job_id in ids:
        job = detect.completed(server, account, job_id)
        assert_same_objects(objects_of(job), alone)
    assert metric_total(server, "objectvision_inference_runs_total", cores="one") > one
