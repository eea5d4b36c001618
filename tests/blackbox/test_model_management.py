"""Model management at run time (/api/v1/models): admins load a model added to the models
directory, reload its newest version, unload it and set aliases without a restart, while
detections run; a model that is not a detector is refused with the reason; users see the
loaded models only."""
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from ovtest import api, detect
from ovtest.cluster import Cluster
from ovtest.server import REPO

MODELS = "/api/v1/models"
ALIASES = "/api/v1/model-aliases/"
CUSTOM = "/v1/vision/custom/"
BUNDLED = detect.MODELS_DIR / "nanodet-m"


def add_model(models_dir, name: str, version: str = "1", onnx=None) -> None:
    """models/<name>/<version>/model.onnx: the bundled model (and its config), or `onnx`."""
    (models_dir / name / version).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(onnx or BUNDLED / "1" / "model.onnx", models_dir / name / version / "model.onnx")
    if onnx is None:
        shutil.copyfile(BUNDLED / "config.json", models_dir / name / "config.json")


@pytest.fixture
def models_dir(tmp_path):
    d = tmp_path / "models"
    add_model(d, "nanodet-m")
    return d


@pytest.fixture
def cluster(shape, tmp_path, models_dir):
    """A deployment on its own models directory (scaled: two API nodes and a worker process),
    the DeepStack routes open, no duplicate cache."""
    deployment = Cluster(shape, tmp_path / "cluster", nodes=2, workers=1,
                         MODELS_DIR=str(models_dir), DEEPSTACK_ANONYMOUS="true",
                         DEEPSTACK_DUPLICATE_WINDOW_MS="0")
    yield deployment
    deployment.close()


@pytest.fixture
def node(cluster):
    return cluster.api


def frame(server, model: str):
    return server.post(CUSTOM + model, timeout=60,
                       files=[("image", detect.part("dog.jpg"))])


def listed(server, account) -> dict:
    r = server.get(MODELS, headers=account.headers)
    assert r.status_code == 200, r.text
    return {m["name"]: m for m in r.json()["models"]}


def act(server, admin, name: str, action: str):
    return server.post(f"{MODELS}/{name}/{action}", headers=admin.headers, timeout=120)


def assert_problem(r, status: int, *words: str) -> str:
    assert r.status_code == status, f"expected {status}: {r.status_code} {r.text}"
    detail = r.json()["detail"]
    for w in words:
        assert w in detail, detail
    return detail


def test_users_see_the_loaded_models_and_admins_the_whole_directory(node, models_dir):
    add_model(models_dir, "second")
    user, admin = api.new_account(node, "viewer"), api.new_admin(node)
    seen = listed(node, user)
    assert list(seen) == ["nanodet-m"], seen
    m = seen["nanodet-m"]
    assert m["state"] == "loaded" and m["is_default"] is True and "path" not in m, m
    assert sorted(m["aliases"]) == ["ipcam-combined", "ipcam-general"], m
    assert set(m["counters"]) == {"success", "failure", "inferences", "executions"}, m
    assert "dog" in m["labels"] and m["family"] == "nanodet", m

    everything = listed(node, admin)
    assert everything["second"] == {"name": "second", "version": "1", "state": "available",
                                    "path": str(models_dir / "second" / "1" / "model.onnx")}
    body = node.get(MODELS, headers=admin.headers).json()
    assert {"alias": "ipcam-general", "model": "nanodet-m", "follows_default": True} \
        in body["aliases"], body

    # Managing is for admins.
    for path in (f"{MODELS}/second/load", f"{MODELS}/nanodet-m/unload"):
        assert_problem(node.post(path, headers=user.headers), 403, "admin")
    assert_problem(node.put(ALIASES + "x", headers=user.headers, json={"model": "*"}),
                   403, "admin")
    assert node.post(f"{MODELS}/second/load").status_code == 401


def test_a_model_added_to_the_directory_serves_once_loaded(node, models_dir):
    user, admin = api.new_account(node, "loader"), api.new_admin(node)
    add_model(models_dir, "second")
    assert frame(node, "second").status_code == 404
    refused = detect.upload(node, user, model="second")
    assert refused.status_code == 422 and "Unknown model: second" in refused.text, refused.text

    r = act(node, admin, "second", "load")
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "second" and r.json()["state"] == "loaded", r.json()
    assert r.json()["is_default"] is False, r.json()

    body = frame(node, "second").json()
    assert body["success"] is True and "dog" in {p["label"] for p in body["predictions"]}, body
    job = detect.detect(node, user, model="second")
    assert job["params"]["model"] == "second", job
    assert "second" in node.post(CUSTOM + "list").json()["models"]
    counters = listed(node, user)["second"]["counters"]  # this process's (scaled: the frame)
    assert counters["success"] >= 1 and counters["failure"] == 0, counters

    assert_problem(act(node, admin, "second", "load"), 409, "loaded already")
    assert_problem(act(node, admin, "absent", "load"), 404, "no model 'absent'")


def test_a_model_that_is_not_a_detector_is_refused_with_its_reason(node, models_dir, tmp_path):
    planted = tmp_path / "planted"
    subprocess.run([sys.executable, str(REPO / "tests" / "data" / "make_test_models.py"),
                    str(planted)], check=True, capture_output=True)
    add_model(models_dir, "segmenter", onnx=planted / "segment.onnx")
    admin = api.new_admin(node)
    reason = assert_problem(act(node, admin, "segmenter", "load"), 422,
                            "task 'segment' is not served")
    m = listed(node, admin)["segmenter"]
    assert m["state"] == "failed" and m["reason"] == reason, m
    assert frame(node, "segmenter").status_code == 404
    # The others serve on.
    assert frame(node, "nanodet-m").json()["success"] is True


def test_unloading_under_load_fails_no_request_in_flight_and_ends_every_job(node, models_dir):
    user, admin = api.new_account(node, "unloader"), api.new_admin(node)
    add_model(models_dir, "second")
    assert act(node, admin, "second", "load").status_code == 200

    statuses: Counter = Counter()
    lock = threading.Lock()
    stop = threading.Event()
    jobs: list[str] = []

    def camera():
        while not stop.is_set():
            r = frame(node, "second")
            with lock:
                statuses[r.status_code] += 1

    def uploader():
        while not stop.is_set():
            r = detect.upload(node, user, model="second")
            with lock:
                statuses[f"upload {r.status_code}"] += 1
                if r.status_code == 202:
                    jobs.append(r.json()["job_id"])
            stop.wait(0.2)  # under the upload rate limit

    threads = [threading.Thread(target=camera) for _ in range(3)] + \
        [threading.Thread(target=uploader)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while statuses[200] < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert statuses[200] >= 6, statuses
        r = act(node, admin, "second", "unload")
        assert r.status_code == 200 and r.json() == {"name": "second", "state": "available"}, \
            r.text
        after = statuses[404]
        while statuses[404] < after + 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join()
    # Frames answered by the model, or told it is gone: nothing else (no 500, no 503).
    assert set(statuses) <= {200, 404, "upload 202", "upload 422"}, statuses
    assert statuses[404] >= 3 and statuses["upload 202"] >= 1, statuses
    # Every accepted job ends: on the model, or failed saying it is not loaded.
    for job_id in jobs:
        job = detect.wait_job(node, user, job_id)
        assert job["status"] in ("completed", "failed"), job
        if job["status"] == "failed":
            assert "unknown model 'second'" in (job["error"] or "").lower(), job
    assert "second" not in listed(node, user)
    assert listed(node, admin)["second"]["state"] == "available"
    assert frame(node, "nanodet-m").json()["success"] is True
    assert_problem(act(node, admin, "second", "unload"), 404, "not loaded")
    assert_problem(act(node, admin, "nanodet-m", "unload"), 409, "default model")


def test_reload_swaps_in_the_newest_version(node, models_dir):
    admin = api.new_admin(node)
    add_model(models_dir, "second")
    assert act(node, admin, "second", "load").json()["version"] == "1"
    add_model(models_dir, "second", "2")
    r = act(node, admin, "second", "reload")
    assert r.status_code == 200 and r.json()["version"] == "2", r.text
    assert listed(node, admin)["second"]["version"] == "2"
    assert frame(node, "second").json()["success"] is True
    assert_problem(act(node, admin, "third", "reload"), 404, "not loaded")


def test_aliases_set_at_run_time(node, models_dir):
    admin = api.new_admin(node)
    add_model(models_dir, "second")
    assert act(node, admin, "second", "load").status_code == 200
    alias = ALIASES + "ipcam-dark"
    assert frame(node, "ipcam-dark").status_code == 404

    r = node.put(alias, headers=admin.headers, json={"model": "second"})
    assert r.status_code == 200, r.text
    assert r.json() == {"alias": "ipcam-dark", "model": "second", "follows_default": False}
    assert frame(node, "ipcam-dark").json()["success"] is True
    assert "ipcam-dark" in node.post(CUSTOM + "list").json()["models"]
    assert listed(node, admin)["second"]["aliases"] == ["ipcam-dark"]
    assert_problem(act(node, admin, "second", "unload"), 409, "ipcam-dark")

    # Bad aliases: a model's own name, not a name, a model that is not loaded, no body.
    assert_problem(node.put(ALIASES + "second", headers=admin.headers,
                            json={"model": "nanodet-m"}), 422, "name of a loaded model")
    assert_problem(node.put(ALIASES + "a%20b", headers=admin.headers,
                            json={"model": "*"}), 422, "not a name")
    assert_problem(node.put(alias, headers=admin.headers, json={"model": "absent"}), 404,
                   "not loaded")
    assert node.put(alias, headers=admin.headers, json={}).status_code == 422

    assert node.delete(alias, headers=admin.headers).status_code == 204
    assert frame(node, "ipcam-dark").status_code == 404
    assert_problem(node.delete(alias, headers=admin.headers), 404, "no alias")
    assert act(node, admin, "second", "unload").status_code == 200


@pytest.mark.scaled_only
def test_every_process_follows_a_change_made_on_one_node(cluster, models_dir):
    """Loaded through node A: node B serves it and the worker process runs its jobs; unloaded
    through node B: node A lets it go; an alias set on A names it on B."""
    a, b = cluster.servers
    admin = api.new_admin(a)
    user = api.new_account(b, "follower")
    add_model(models_dir, "second")
    assert act(a, admin, "second", "load").status_code == 200

    def on_b():
        return listed(b, user).get("second", {}).get("state")
    deadline = time.monotonic() + 30
    while on_b() != "loaded" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert on_b() == "loaded", b.logs()
    assert frame(b, "second").json()["success"] is True
    job = detect.detect(b, user, model="second")  # run by the worker process
    assert job["params"]["model"] == "second", job

    assert a.put(ALIASES + "ipcam-dark", headers=admin.headers,
                 json={"model": "second"}).status_code == 200
    deadline = time.monotonic() + 30
    while frame(b, "ipcam-dark").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert frame(b, "ipcam-dark").json()["success"] is True
    assert a.delete(ALIASES + "ipcam-dark", headers=admin.headers).status_code == 204

    deadline = time.monotonic() + 30
    while frame(b, "ipcam-dark").status_code != 404 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert act(b, admin, "second", "unload").status_code == 200
    deadline = time.monotonic() + 30
    while frame(a, "second").status_code != 404 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert frame(a, "second").status_code == 404
    refused = detect.upload(a, user, model="second")
    assert refused.status_code == 422, refused.text
    # The worker did each change too, as its log says.
    worker = cluster.workers[0]
    deadline = time.monotonic() + 30
    while "did unload second" not in worker.logs(limit=10**6) and time.monotonic() < deadline:
        time.sleep(0.1)
    for change in ("did load second", "did alias ipcam-dark -> second",
                   "did unalias ipcam-dark", "did unload second"):
        assert change in worker.logs(limit=10**6), (change, worker.logs())
