"""Client side of the detection API: uploads, polling a job, history, and the facts the tests
check results against (COCO ids, the golden detections of NanoDet-m on the darknet photos)."""
import time
from collections import Counter

import requests

from . import images
from .api import TIMESTAMP_RE, UUID_RE
from .server import REPO

DETECT_IMAGE = "/api/v1/detect/image"
DETECT_BATCH = "/api/v1/detect/batch"
HISTORY = "/api/v1/detect/history"
MODELS = "/api/v1/models"
MODELS_DIR = REPO / "models"
GOLDEN = REPO / "tests" / "data" / "golden" / "nanodet-m.txt"
FINISHED = ("completed", "failed", "cancelled")
COCO_IDS = {"person": 0, "bicycle": 1, "car": 2, "horse": 17, "truck": 7, "bird": 14,
            "dog": 16, "cow": 19, "giraffe": 23, "zebra": 22, "kite": 33, "bench": 13}


def job_path(job_id: str) -> str:
    return f"/api/v1/detect/jobs/{job_id}"


def part(name: str, data: bytes | None = None, content_type: str | None = None):
    """A multipart file part: a darknet photo by name, or the given bytes under that name."""
    data = images.photo(name) if data is None else data
    ctype = content_type or images.CONTENT_TYPES.get(images.kind(data) or "",
                                                     "application/octet-stream")
    return (name, data, ctype)


def upload(server, account, photo: str = "dog.jpg", data: bytes | None = None,
           field: str = "image", wait: bool = False, **fields) -> requests.Response:
    """POST /api/v1/detect/image with one file (a darknet photo, or `data` under that file
    name); `fields` are the other form fields (`name` included)."""
    params = {"wait": "true"} if wait else None
    return server.post(DETECT_IMAGE, headers=account.headers, params=params,
                       files=[(field, part(photo, data))],
                       data={k: str(v) for k, v in fields.items()}, timeout=60)


def upload_batch(server, account, names, field: str = "images", wait: bool = False,
                 **fields) -> requests.Response:
    """POST /api/v1/detect/batch; `names` are photo names or (name, bytes) pairs."""
    files = [(field, part(n) if isinstance(n, str) else part(*n)) for n in names]
    params = {"wait": "true"} if wait else None
    return server.post(DETECT_BATCH, headers=account.headers, params=params, files=files,
                       data={k: str(v) for k, v in fields.items()}, timeout=60)


def accepted(r: requests.Response) -> dict:
    """Checks a 202 answer to an upload and returns its body."""
    assert r.status_code == 202, f"an upload answers 202: {r.status_code} {r.text}"
    body = r.json()
    assert UUID_RE.match(body.get("job_id", "")), f"job_id is a UUID: {body}"
    assert body["detection_id"] == body["job_id"], f"one job per detection: {body}"
    assert body["status"] == "queued", body
    location = r.headers.get("Location")
    assert location == job_path(body["job_id"]), f"Location {location!r} for {body}"
    return body


def submit(server, account, photo: str = "dog.jpg", **kw) -> str:
    """Uploads one image and returns its job id (202 expected)."""
    return accepted(upload(server, account, photo, **kw))["job_id"]


def get_job(server, account, job_id: str) -> dict:
    r = server.get(job_path(job_id), headers=account.headers)
    assert r.status_code == 200, f"GET job {job_id}: {r.status_code} {r.text}"
    return r.json()


def wait_job(server, account, job_id: str, until=lambda job: job["status"] in FINISHED,
             timeout: float = 90, what: str = "finished") -> dict:
    """Polls the job until `until(job)`; fails with the last state after `timeout`."""
    deadline = time.monotonic() + timeout
    job = None
    while time.monotonic() < deadline:
        job = get_job(server, account, job_id)
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not {what} within {timeout}s; last state: {job}")


def completed(server, account, job_id: str, timeout: float = 90) -> dict:
    job = wait_job(server, account, job_id, timeout=timeout)
    assert job["status"] == "completed", f"job {job_id} ended {job['status']}: {job}"
    return job


def detect(server, account, photo: str = "dog.jpg", **kw) -> dict:
    """Uploads one image, waits, returns the completed job."""
    return completed(server, account, submit(server, account, photo, **kw))


def history(server, account, **params) -> requests.Response:
    return server.get(HISTORY, headers=account.headers, params=params)


def history_total(server, account) -> int:
    r = history(server, account)
    assert r.status_code == 200, f"history: {r.status_code} {r.text}"
    return r.json()["total"]


def counts(image: dict) -> Counter:
    return Counter(d["class"] for d in image["detections"])


def by_filename(job: dict) -> dict[str, dict]:
    return {img["filename"]: img for img in job["images"]}


def box(d: dict) -> tuple[float, float, float, float]:
    b = d["bbox"]
    return b["x1"], b["y1"], b["x2"], b["y2"]


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def golden(photo: str, min_confidence: float = 0.0) -> list[tuple[str, float, tuple]]:
    """(label, confidence, (x1, y1, x2, y2)) recorded from the inference pipeline itself."""
    out = []
    for line in GOLDEN.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, rest = line.split(" ", 1)
        label, rest = rest[1:].split('" ', 1)
        conf, *coords = (float(v) for v in rest.split())
        if name == photo and conf >= min_confidence:
            out.append((label, conf, tuple(coords)))
    return out


def assert_job_shape(job: dict) -> None:
    """The fields and types every job carries (docs/api.md, "A job")."""
    for key in ("job_id", "detection_id", "name", "status", "progress", "created_at",
                "started_at", "finished_at", "duration_ms", "error", "params", "images"):
        assert key in job, f"a job carries {key}: {job}"
    assert UUID_RE.match(job["job_id"]) and job["detection_id"] == job["job_id"], job
    assert TIMESTAMP_RE.match(job["created_at"]), job["created_at"]
    assert set(job["progress"]) >= {"done", "total"}, job["progress"]
    assert job["progress"]["total"] == len(job["images"]), job
    assert isinstance(job["params"], dict), job
    if job["status"] == "completed":
        assert TIMESTAMP_RE.match(job["started_at"]), job["started_at"]
        assert TIMESTAMP_RE.match(job["finished_at"]), job["finished_at"]
        assert job["created_at"] <= job["started_at"] <= job["finished_at"], job
        assert isinstance(job["duration_ms"], (int, float)) and job["duration_ms"] >= 0, job
        assert job["error"] is None, job
        assert job["progress"]["done"] == job["progress"]["total"], job
    for img in job["images"]:
        for key in ("image_id", "filename", "width", "height", "status", "error",
                    "original_url", "annotated_url", "detections"):
            assert key in img, f"an image carries {key}: {img}"
        assert UUID_RE.match(img["image_id"]), img
        assert img["original_url"] == f"/api/v1/detect/images/{img['image_id']}/original", img
        assert img["status"] in ("pending", "completed", "failed"), img
        confidences = [d["confidence"] for d in img["detections"]]
        assert confidences == sorted(confidences, reverse=True), \
            f"detections sorted by confidence, highest first: {confidences}"
        for d in img["detections"]:
            assert_detection_shape(d, img["width"], img["height"])


def assert_detection_shape(d: dict, width: int, height: int) -> None:
    assert isinstance(d["class"], str) and d["class"], d
    assert isinstance(d["class_id"], int) and not isinstance(d["class_id"], bool), d
    assert isinstance(d["confidence"], float) and 0 < d["confidence"] <= 1, d
    if d["class"] in COCO_IDS:
        assert d["class_id"] == COCO_IDS[d["class"]], f"COCO id of {d['class']}: {d}"
    b, n = d["bbox"], d["bbox_normalized"]
    for key in ("x1", "y1", "x2", "y2", "width", "height"):
        assert isinstance(b[key], (int, float)) and isinstance(n[key], (int, float)), d
    assert 0 <= b["x1"] < b["x2"] <= width and 0 <= b["y1"] < b["y2"] <= height, \
        f"a box inside the {width}x{height} image: {d}"
    assert abs(b["width"] - (b["x2"] - b["x1"])) < 1.01, d
    assert abs(b["height"] - (b["y2"] - b["y1"])) < 1.01, d
    for key, scale in (("x1", width), ("x2", width), ("width", width), ("y1", height),
                       ("y2", height), ("height", height)):
        assert abs(n[key] - b[key] / scale) < 0.005, f"bbox_normalized.{key} = bbox / size: {d}"
