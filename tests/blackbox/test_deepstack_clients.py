"""The NVR and home-automation clients, each sending what it sends (read from their sources,
research/peers.md section 6): the DeepStack Python SDK without a key, Home Assistant's
min_confidence=0.1, Frigate's 320x320 frame and its 20-row array, Blue Iris's pair of requests
for one frame and its status calls. Replies are checked field by field, errors in DeepStack's
shapes, every reply with a Content-Length; the prediction cap; the duplicate-frame cache; the
camera rate limit apart from the general one."""
import subprocess
import threading

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ovtest import api, detect, images
from ovtest.server import REPO

DETECTION = "/v1/vision/detection"
CUSTOM = "/v1/vision/custom/"
DEEPSTACK_FIELDS = ["success", "predictions"]  # first, in this order (DeepStack's own)
CODEPROJECT_FIELDS = ["count", "message", "duration", "inferenceMs", "processMs",
                      "analysisRoundTripMs", "moduleId", "moduleName", "code", "command",
                      "requestId", "inferenceDevice", "processedBy", "timestampUTC"]
PREDICTION_FIELDS = ["label", "confidence", "y_min", "x_min", "y_max", "x_max"]


def form(key=None, photo="dog.jpg", data=None, **fields):
    """A multipart body as the clients send it: text fields, then the image."""
    parts = [(k, (None, str(v))) for k, v in fields.items()]
    if key is not None:
        parts.append(("api_key", (None, key)))
    if photo:
        parts.append(("image", detect.part(photo, data)))
    return parts


def ask(server, path=DETECTION, **kw):
    return server.post(path, files=form(**kw), timeout=60)


def assert_whole(r) -> None:
    """A reply with its length: Blue Iris fails on chunked replies."""
    assert "Content-Length" in r.headers, r.headers
    if "Content-Encoding" not in r.headers:  # else it counts the compressed bytes
        assert int(r.headers["Content-Length"]) == len(r.content)
    assert "chunked" not in r.headers.get("Transfer-Encoding", "")


def assert_detections(r, command: str = "detect") -> list[dict]:
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    assert_whole(r)
    body = r.json()
    assert list(body)[:2] == DEEPSTACK_FIELDS, list(body)
    assert set(CODEPROJECT_FIELDS) <= set(body), set(CODEPROJECT_FIELDS) - set(body)
    assert body["success"] is True and body["code"] == 200, body
    assert body["command"] == command and body["moduleId"] == "ObjectVision", body
    assert body["requestId"] == r.headers["X-Request-ID"], (body, r.headers)
    assert body["timestampUTC"].endswith(" GMT"), body
    preds = body["predictions"]
    assert body["count"] == len(preds), body
    for p in preds:
        assert list(p) == PREDICTION_FIELDS, p
        assert all(isinstance(p[k], int) and not isinstance(p[k], bool)
                   for k in PREDICTION_FIELDS[2:]), f"integer pixel boxes: {p}"
    confidences = [p["confidence"] for p in preds]
    assert confidences == sorted(confidences, reverse=True)
    if preds:
        labels = list(dict.fromkeys(p["label"] for p in preds))
        assert body["message"] == "Found " + ", ".join(labels), body
    else:
        assert body["message"] == "No objects found", body
    return preds


def assert_refused(r, status: int, error: str | None = None) -> dict:
    assert r.status_code == status, f"expected {status}: {r.status_code} {r.text}"
    assert_whole(r)
    body = r.json()
    assert body["success"] is False and body["code"] == status, body
    assert isinstance(body["error"], str) and body["error"], body
    assert isinstance(body["duration"], int), body
    if error is not None:
        assert body["error"] == error, body
    return body


def duplicates(server) -> float:
    """objectvision_deepstack_duplicate_frames_total, both ways together."""
    r = server.get("/metrics")
    assert r.status_code == 200, r.text
    total = 0.0
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            if s.name == "objectvision_deepstack_duplicate_frames_total":
                total += s.value
    return total


def frame_320(tmp_path) -> bytes:
    """Frigate's input: the photo resized to its 320x320 model input, as a JPEG."""
    out = tmp_path / "frame320.jpg"
    # The release build's tool, whichever server is under test: the ASan build makes only the
    # server and the unit tests (scripts/test.sh), and the release build always comes first.
    tool = REPO / "build" / "bench" / "bench_resize_jpeg"
    subprocess.run([str(tool), str(images.PHOTOS / "dog.jpg"), str(out), "320", "320"],
                   check=True)
    return out.read_bytes()


@pytest.fixture(scope="module")
def anonymous(module_launch):
    """A server that serves the DeepStack routes without a key; no duplicate cache, so that
    each request here runs (the cache has tests of its own below)."""
    return module_launch.server(DEEPSTACK_ANONYMOUS="true", DEEPSTACK_DUPLICATE_WINDOW_MS="0")


# ---- the clients -------------------------------------------------------------------------

def test_the_deepstack_sdk_without_a_key_when_anonymous_is_on(anonymous):
    # The SDK: image and min_confidence=0.4, no key.
    preds = assert_detections(ask(anonymous, min_confidence="0.4"))
    assert preds and all(p["confidence"] >= 0.4 for p in preds), preds
    assert {"dog", "bicycle"} <= {p["label"] for p in preds}, preds


def test_without_anonymous_access_a_key_is_required(launch):
    server = launch.server()
    assert_refused(ask(server), 401)
    account = api.new_account(server, "camera")
    key = server.post(f"/api/v1/users/{account.id}/api-key", headers=account.headers).json()
    assert_detections(ask(server, key=key["api_key"]))


def test_a_wrong_key_is_refused_even_when_anonymous(anonymous):
    assert_refused(ask(anonymous, key="ov_" + "x" * 40), 401, "Incorrect api key")
    r = anonymous.post(DETECTION, files=form(), headers={"X-API-Key": "nope"})
    assert_refused(r, 401, "Incorrect api key")
    assert_detections(ask(anonymous, key=""))  # an empty key is no key (Frigate's default)


def test_home_assistant_asks_with_min_confidence_0_1(anonymous):
    loose = assert_detections(ask(anonymous, min_confidence="0.1"))
    default = assert_detections(ask(anonymous))
    assert all(p["confidence"] >= 0.1 for p in loose)
    assert all(p["confidence"] >= 0.4 for p in default), "DeepStack's default is 0.40"
    assert len(loose) > len(default), (len(loose), len(default))


def test_frigates_320_frame_fits_its_20_row_array(launch, tmp_path):
    server = launch.server(DEEPSTACK_ANONYMOUS="true")
    frame = frame_320(tmp_path)
    # Frigate sends its key (here none is needed), no min_confidence, and reads at most 20 rows.
    preds = assert_detections(server.post(DETECTION, timeout=10, files=[
        ("api_key", (None, "")), ("image", ("frame.jpg", frame, "image/jpeg"))]))
    assert 0 < len(preds) <= 20, preds
    for p in preds:
        assert 0 <= p["x_min"] < p["x_max"] <= 320 and 0 <= p["y_min"] < p["y_max"] <= 320, p


def test_the_prediction_cap(launch):
    capped = launch.server(DEEPSTACK_ANONYMOUS="true", DEEPSTACK_MAX_PREDICTIONS="2")
    preds = assert_detections(ask(capped, min_confidence="0.05"))
    assert len(preds) == 2, preds
    unlimited = launch.server(DEEPSTACK_ANONYMOUS="true", DEEPSTACK_MAX_PREDICTIONS="0")
    everything = assert_detections(ask(unlimited, min_confidence="0.05"))
    assert len(everything) > 2, everything
    assert [p["label"] for p in everything[:2]] == [p["label"] for p in preds], \
        "the cap keeps the most confident"


def test_blue_iris_sends_a_detection_and_a_custom_model_for_one_frame(launch):
    server = launch.server(DEEPSTACK_ANONYMOUS="true")
    before = duplicates(server)
    answers: dict = {}

    def send(path):
        answers[path] = ask(server, path=path, min_confidence="0.4")

    threads = [threading.Thread(target=send, args=(p,))
               for p in (DETECTION, CUSTOM + "ipcam-general")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    plain = assert_detections(answers[DETECTION])
    custom = assert_detections(answers[CUSTOM + "ipcam-general"], command="custom")
    assert plain == custom, "ipcam-general is the default model: the same frame, one answer"
    assert duplicates(server) - before == 1, "the second was answered from the first"


def test_blue_iris_status_calls(anonymous):
    r = anonymous.get("/v1/status/updateavailable")
    assert r.status_code == 200, r.text
    assert_whole(r)
    body = r.json()
    assert body["success"] is True and body["updateAvailable"] is False, body
    assert body["current"] == body["latest"] and "major" in body["current"], body
    for path in ("/v1/server/status/ping", "/v1/status/ping"):
        r = anonymous.get(path)
        assert r.status_code == 200 and r.json()["success"] is True, f"{path}: {r.text}"
        assert_whole(r)
    r = anonymous.post(CUSTOM + "list")
    assert r.status_code == 200, r.text
    assert_whole(r)
    listed = r.json()
    assert listed["success"] is True, listed
    models = [m["name"] for m in anonymous.get("/api/v1/models",
                                               headers=api.new_account(anonymous).headers)
              .json()["models"]]
    assert set(models) | {"ipcam-general", "ipcam-combined"} == set(listed["models"]), listed
    assert anonymous.get(CUSTOM + "list").json() == listed


def test_every_loaded_model_has_its_custom_route(anonymous):
    account = api.new_account(anonymous)
    for m in anonymous.get("/api/v1/models", headers=account.headers).json()["models"]:
        assert_detections(ask(anonymous, path=CUSTOM + m["name"]), command="custom")


# ---- errors in DeepStack's shapes --------------------------------------------------------

def test_bad_requests(anonymous):
    assert_refused(ask(anonymous, photo=None, min_confidence="0.4"), 400,
                   "No valid image file found")
    r = anonymous.post(DETECTION, json={"image": "not multipart"})
    assert_refused(r, 400, "No valid image file found")
    assert_refused(ask(anonymous, min_confidence="high"), 400, "Invalid value for min_confidence")
    assert_refused(ask(anonymous, min_confidence="1.5"), 400,
                   "min_confidence cannot be greater than 1")
    assert_refused(ask(anonymous, photo="notes.txt", data=b"no image\n"), 415)
    body = assert_refused(ask(anonymous, path=CUSTOM + "no-such-model"), 404)
    assert "no-such-model" in body["error"], body


def test_modules_we_do_not_serve_answer_404(anonymous):
    for path in ("/v1/vision/face", "/v1/vision/face/recognize", "/v1/vision/scene",
                 "/v1/vision/enhance"):
        body = assert_refused(anonymous.post(path, files=form()), 404)
        assert "object detection" in body["error"], body


# ---- the duplicate-frame cache -----------------------------------------------------------

def test_the_same_frame_again_is_answered_without_a_second_inference(launch):
    server = launch.server(DEEPSTACK_ANONYMOUS="true", DEEPSTACK_DUPLICATE_WINDOW_MS="60000")
    first = assert_detections(ask(server))
    before = duplicates(server)
    again = assert_detections(ask(server))
    assert again == first
    assert duplicates(server) - before == 1
    # Another image, or other parameters, are not the same frame.
    assert_detections(ask(server, photo="eagle.jpg"))
    assert_detections(ask(server, min_confidence="0.5"))
    assert duplicates(server) - before == 1


def test_the_cache_is_off_with_a_window_of_zero(anonymous):
    before = duplicates(anonymous)
    assert ask(anonymous).status_code == ask(anonymous).status_code == 200
    assert duplicates(anonymous) == before


# ---- the camera rate limit -----------------------------------------------------------------

def test_camera_routes_have_a_bucket_of_their_own(launch):
    server = launch.server(DEEPSTACK_ANONYMOUS="true", RATE_LIMIT_PER_MINUTE="1",
                           RATE_LIMIT_BURST="1", DEEPSTACK_RATE_LIMIT_PER_MINUTE="1",
                           DEEPSTACK_RATE_LIMIT_BURST="3")
    assert server.get("/api/v1/models").status_code == 401  # takes the general token
    assert server.get("/api/v1/models").status_code == 429
    answers = [server.get("/v1/status/ping").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429], answers
    r = server.get("/v1/status/ping")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1, r.headers
