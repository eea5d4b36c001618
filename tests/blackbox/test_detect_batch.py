"""Batches: one job, each image with its own status and results, progress over the batch."""
from ovtest import detect, images
from ovtest.api import assert_validation_error

FIVE = {"dog.jpg": "dog", "horses.jpg": "horse", "person.jpg": "person",
        "giraffe.jpg": "giraffe", "eagle.jpg": "bird"}


def test_a_batch_of_five_gives_each_image_its_results(deployment, user):
    body = detect.accepted(detect.upload_batch(deployment.api, user, list(FIVE)))
    seen_totals = set()

    def done(job):
        seen_totals.add(job["progress"]["total"])
        return job["status"] in detect.FINISHED

    job = detect.wait_job(deployment.api, user, body["job_id"], until=done)
    assert job["status"] == "completed", job
    detect.assert_job_shape(job)
    assert seen_totals == {5}, f"progress total is 5 from the start: {seen_totals}"
    assert job["progress"]["done"] == job["progress"]["total"] == 5, job
    files = detect.by_filename(job)
    assert set(files) == set(FIVE), files.keys()
    assert len({img["image_id"] for img in job["images"]}) == 5
    for name, label in FIVE.items():
        img = files[name]
        assert img["status"] == "completed" and img["error"] is None, img
        assert (img["width"], img["height"]) == images.jpeg_size(images.photo(name)), img
        assert label in detect.counts(img), f"{name}: {label} among {detect.counts(img)}"
    assert "giraffe" not in detect.counts(files["dog.jpg"]), "results are not mixed up"


def test_a_batch_in_the_files_field_with_wait(deployment, user):
    r = detect.upload_batch(deployment.api, user, ["dog.jpg", "eagle.jpg"], field="files",
                            wait=True)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    job = r.json()
    assert job["status"] == "completed" and job["progress"]["total"] == 2, job
    assert "bird" in detect.counts(detect.by_filename(job)["eagle.jpg"])


def test_the_same_photo_twice_gives_the_same_results_twice(deployment, user):
    two = [("a.jpg", images.photo("dog.jpg")), ("b.jpg", images.photo("dog.jpg"))]
    job = detect.completed(deployment.api, user,
                           detect.accepted(detect.upload_batch(deployment.api, user, two))[
                               "job_id"])
    a, b = job["images"]
    assert a["image_id"] != b["image_id"]
    assert detect.counts(a) == detect.counts(b) and a["detections"] == b["detections"]


def test_an_empty_batch_and_one_over_the_limit_answer_422(deployment, user):
    r = deployment.api.post(detect.DETECT_BATCH, headers=user.headers,
                            files=[("name", (None, "nothing"))])
    assert_validation_error(r)
    tiny = [(f"{i}.png", images.png(8, 8)) for i in range(21)]  # MAX_BATCH_IMAGES is 20
    assert_validation_error(detect.upload_batch(deployment.api, user, tiny))
    assert detect.history_total(deployment.api, user) == 0


def test_one_bad_file_refuses_the_whole_batch(deployment, user):
    files = ["dog.jpg", ("notes.txt", b"just some text, not an image\n")]
    r = detect.upload_batch(deployment.api, user, files)
    assert r.status_code == 415, f"{r.status_code} {r.text}"
    assert detect.history_total(deployment.api, user) == 0
