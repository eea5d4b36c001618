"""Uploads that are refused: each answers its status and queues and stores nothing (the
user's history stays empty)."""
import pytest

from ovtest import detect, images
from ovtest.api import assert_error, assert_validation_error


def multipart(field, filename, data, ctype, **extra):
    return {"files": [(field, (filename, data, ctype))], **extra}


def dog_over_the_limit():
    # MAX_UPLOAD_MB is 2 on the deployment: a real JPEG followed by junk, 2.5 MiB in all.
    data = images.photo("dog.jpg")
    return data + b"\0" * (int(2.5 * 1024 * 1024) - len(data))


CASES = {
    "no file": (422, lambda: {"files": [("confidence", (None, "0.5"))]}),
    "a file in an unknown field": (422, lambda: multipart("photo", "dog.jpg",
                                                          images.photo("dog.jpg"), "image/jpeg")),
    "a text file": (415, lambda: multipart("image", "notes.txt", b"hello, not an image\n",
                                           "text/plain")),
    "text claiming to be a JPEG": (415, lambda: multipart("image", "fake.jpg",
                                                          b"hello, not an image\n" * 20,
                                                          "image/jpeg")),
    "a body over MAX_UPLOAD_MB": (413, lambda: multipart("image", "big.jpg",
                                                         dog_over_the_limit(), "image/jpeg",
                                                         fresh=True)),
    "a PNG declaring 50000x50000": (413, lambda: multipart("image", "bomb.png",
                                                           images.png_bomb(), "image/png")),
    "a PNG over MAX_IMAGE_PIXELS": (413, lambda: multipart("image", "wide.png",
                                                           images.png_bomb(8000, 5001),
                                                           "image/png")),
    "a JPEG cut before its pixels": (422, lambda: multipart(
        "image", "cut.jpg", images.jpeg_without_scan(images.photo("dog.jpg")), "image/jpeg")),
    "a raw JPEG body": (415, lambda: {"data": images.photo("dog.jpg"),
                                      "headers": {"Content-Type": "image/jpeg"}}),
    "a JSON body": (415, lambda: {"json": {"image": "dog.jpg"}}),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("path", [detect.DETECT_IMAGE, detect.DETECT_BATCH])
def test_a_refused_upload_queues_nothing(deployment, user, case, path):
    status, make = CASES[case]
    kwargs = make()
    if path == detect.DETECT_BATCH and "files" in kwargs:
        kwargs["files"] = [("images" if f == "image" else f, p) for f, p in kwargs["files"]]
    headers = {**user.headers, **kwargs.pop("headers", {})}
    r = deployment.api.post(path, headers=headers, timeout=60, **kwargs)
    if status == 422:
        assert_validation_error(r)
    else:
        assert_error(r, status)
    if case.startswith("a text"):
        assert r.json()["detail"] == "Unsupported image type", r.json()
    assert detect.history_total(deployment.api, user) == 0, f"{case} queued nothing"


@pytest.mark.parametrize("name,make", [("plain.png", images.png), ("plain.bmp", images.bmp)])
def test_png_and_bmp_are_accepted(deployment, user, name, make):
    """Written by hand: a plain colour, nothing to detect, but the job completes."""
    job = detect.detect(deployment.api, user, name, data=make(64, 48))
    [image] = job["images"]
    assert (image["width"], image["height"]) == (64, 48)
    assert image["status"] == "completed" and image["detections"] == [], image


def test_a_refused_upload_on_the_other_node_queues_nothing_either(deployment, user):
    r = detect.upload(deployment.other, user, "bomb.png", data=images.png_bomb())
    assert_error(r, 413)
    assert detect.history_total(deployment.api, user) == 0
