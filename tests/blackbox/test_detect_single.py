"""One image: 202 + Location, polling, ?wait=true, the JSON shape of a job and of its detections,
the objects found on the darknet photos, and the form fields that tune a detection."""
import pytest

from ovtest import detect, images
from ovtest.api import assert_validation_error
from ovtest.detect import box, by_filename


def test_an_upload_is_queued_then_polled_to_completion(deployment, user):
    server = deployment.api
    r = detect.upload(server, user, "dog.jpg")
    body = detect.accepted(r)
    job = detect.wait_job(server, user, body["job_id"])
    assert job["status"] == "completed", job
    detect.assert_job_shape(job)
    assert job["job_id"] == body["job_id"], job
    assert job["progress"]["done"] == job["progress"]["total"] == 1, job
    [image] = job["images"]
    assert image["filename"] == "dog.jpg"
    assert (image["width"], image["height"]) == images.jpeg_size(images.photo("dog.jpg"))
    assert image["status"] == "completed" and image["error"] is None, image
    classes = detect.counts(image)
    assert classes["dog"] >= 1 and classes["bicycle"] >= 1, classes
    assert classes["car"] + classes["truck"] >= 1, classes


def test_the_objects_are_where_they_are_on_the_photo(deployment, user):
    job = detect.detect(deployment.api, user, "dog.jpg")
    [image] = job["images"]
    w, h = image["width"], image["height"]
    best = {}
    for d in image["detections"]:  # sorted: the first of each class is its best
        best.setdefault(d["class"], d)
    x1, y1, x2, y2 = box(best["dog"])
    assert (x1 + x2) / 2 < w / 2 and (y1 + y2) / 2 > h / 2, f"the dog is bottom left: {best}"
    vehicle = best.get("car") or best["truck"]
    x1, y1, x2, y2 = box(vehicle)
    assert (x1 + x2) / 2 > w / 2 and (y1 + y2) / 2 < h / 2, f"the car is top right: {best}"


@pytest.mark.parametrize("photo", ["dog.jpg", "giraffe.jpg", "eagle.jpg", "horses.jpg"])
def test_detections_match_the_golden_run_of_the_model(deployment, user, photo):
    """tests/data/golden holds what the inference pipeline itself finds: the server (upload,
    queue, worker, storage, JSON) must give the same boxes and scores back."""
    job = detect.detect(deployment.api, user, photo)
    [image] = job["images"]
    for label, conf, expected in detect.golden(photo, min_confidence=0.45):
        same = [d for d in image["detections"] if d["class"] == label
                and detect.iou(box(d), expected) > 0.9 and abs(d["confidence"] - conf) < 0.02]
        assert same, f"{photo}: {label} {conf} at {expected} not among {image['detections']}"


def test_wait_true_answers_200_with_the_finished_job(deployment, user):
    r = detect.upload(deployment.api, user, "giraffe.jpg", wait=True)
    assert r.status_code == 200, f"?wait=true answers 200 once done: {r.status_code} {r.text}"
    job = r.json()
    detect.assert_job_shape(job)
    assert job["status"] == "completed", job
    assert "giraffe" in detect.counts(job["images"][0]), job
    polled = detect.get_job(deployment.api, user, job["job_id"])
    assert polled["images"][0]["detections"] == job["images"][0]["detections"]


def test_the_job_is_readable_from_every_node(deployment, user):
    job_id = detect.submit(deployment.api, user, "eagle.jpg")
    job = detect.completed(deployment.other, user, job_id)
    assert "bird" in detect.counts(job["images"][0]), job


def test_the_file_field_and_the_tuning_fields(deployment, user):
    job = detect.detect(deployment.api, user, "dog.jpg", field="file", confidence=0.5,
                        iou=0.5, name="front yard")
    [image] = job["images"]
    assert job["name"] == "front yard", job
    assert job["params"]["confidence"] == pytest.approx(0.5), job["params"]
    assert image["detections"], image
    assert all(d["confidence"] >= 0.5 for d in image["detections"]), image["detections"]


def test_classes_and_max_detections_filter_the_results(deployment, user):
    only_dogs = detect.detect(deployment.api, user, "dog.jpg", classes="dog,16")
    assert set(detect.counts(only_dogs["images"][0])) == {"dog"}, only_dogs["images"][0]
    by_id = detect.detect(deployment.api, user, "dog.jpg", classes="1")
    assert set(detect.counts(by_id["images"][0])) == {"bicycle"}, by_id["images"][0]
    one = detect.detect(deployment.api, user, "dog.jpg", max_detections=1)
    [top] = one["images"][0]["detections"]
    assert top["class"] == "dog", f"the most confident object of dog.jpg is the dog: {top}"


def test_low_confidence_finds_more(deployment, user):
    strict = detect.detect(deployment.api, user, "dog.jpg", confidence=0.5)
    loose = detect.detect(deployment.api, user, "dog.jpg", confidence=0.1)
    assert len(loose["images"][0]["detections"]) > len(strict["images"][0]["detections"])


@pytest.mark.parametrize("field,value", [
    ("confidence", "1.5"), ("confidence", "high"), ("iou", "-0.1"), ("max_detections", "0"),
    ("max_detections", "1001"), ("model", "no-such-model"), ("annotate", "maybe"),
    ("tile", "big"), ("tile_overlap", "0.95"), ("name", "n" * 201)])
def test_invalid_fields_answer_422_and_queue_nothing(deployment, user, field, value):
    r = detect.upload(deployment.api, user, "dog.jpg", **{field: value})
    assert_validation_error(r, field)
    assert any(e["loc"] == ["body", field] for e in r.json()["detail"]), r.json()
    assert detect.history_total(deployment.api, user) == 0


def test_models_lists_the_bundled_model(deployment, user):
    r = deployment.api.get(detect.MODELS, headers=user.headers)
    assert r.status_code == 200, r.text
    models = r.json()["models"]
    default = [m for m in models if m["is_default"]]
    assert len(default) == 1, models
    [m] = default
    assert {"name", "version", "family", "input_width", "input_height", "labels"} <= m.keys()
    assert len(m["labels"]) == 80 and m["labels"][16] == "dog", m["labels"][:20]
    job = detect.detect(deployment.api, user, "dog.jpg", model=m["name"])
    assert "dog" in detect.counts(by_filename(job)["dog.jpg"])


def test_unauthenticated_uploads_answer_401(deployment):
    r = deployment.api.post(detect.DETECT_IMAGE, files=[("image", detect.part("dog.jpg"))])
    assert r.status_code == 401, r.text
