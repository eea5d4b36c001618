"""The stored images: the original byte for byte, the annotated one a valid image of the same
size, strong ETags with 304, byte ranges with 206 and 416, annotate=false, from every node."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ovtest import api, detect, images

DOG = images.photo("dog.jpg")


@pytest.fixture(scope="module")
def dog_job(deployment):
    account = api.new_account(deployment.api, "images")
    job = detect.detect(deployment.api, account, "dog.jpg")
    return account, job["images"][0]


def drawings(server) -> dict[str, float]:
    """objectvision_annotated_images_total of one node, by outcome."""
    r = server.get("/metrics")
    assert r.status_code == 200, r.text
    return {s.labels["outcome"]: s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples
            if s.name == "objectvision_annotated_images_total"}


def fetch(server, account, url, **headers):
    return server.get(url, headers={**account.headers, **headers})


def test_the_original_is_the_upload(deployment, dog_job):
    account, image = dog_job
    for server in (deployment.api, deployment.other):
        r = fetch(server, account, image["original_url"])
        assert r.status_code == 200, f"{server.name}: {r.status_code} {r.text[:200]}"
        assert r.content == DOG, "the original is stored byte for byte"
        assert r.headers["Content-Type"] == "image/jpeg"
        assert r.headers.get("Accept-Ranges") == "bytes", r.headers


def test_the_annotated_image_is_an_image_of_the_same_size(deployment, dog_job):
    account, image = dog_job
    assert image["annotated_url"] == f"/api/v1/detect/images/{image['image_id']}/annotated"
    r = fetch(deployment.other, account, image["annotated_url"])
    assert r.status_code == 200, f"{r.status_code} {r.text[:200]}"
    kind = images.kind(r.content)
    assert kind in ("jpeg", "png", "webp"), f"an image: {r.content[:16]!r}"
    assert r.headers["Content-Type"] == images.CONTENT_TYPES[kind], r.headers
    assert images.size(r.content) == images.jpeg_size(DOG) == (image["width"], image["height"])
    assert r.content != DOG, "boxes were drawn"


@pytest.mark.parametrize("which", ["original", "annotated"])
def test_a_strong_etag_gives_304(deployment, dog_job, which):
    account, image = dog_job
    url = image[f"{which}_url"]
    first = fetch(deployment.api, account, url)
    etag = first.headers.get("ETag", "")
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2, \
        f"a strong ETag (quoted, no W/): {etag!r}"
    again = fetch(deployment.other, account, url, **{"If-None-Match": etag})
    assert again.status_code == 304, f"{again.status_code} {again.headers}"
    assert again.content == b"" and again.headers.get("ETag") == etag
    other = fetch(deployment.api, account, url, **{"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_ranges(deployment, dog_job):
    account, image = dog_job
    url, size = image["original_url"], len(DOG)
    plain = {"Accept-Encoding": "identity"}
    r = fetch(deployment.api, account, url, Range="bytes=100-1099", **plain)
    assert r.status_code == 206, f"{r.status_code} {r.headers}"
    assert r.headers["Content-Range"] == f"bytes 100-1099/{size}", r.headers
    assert r.content == DOG[100:1100] and int(r.headers["Content-Length"]) == 1000
    tail = fetch(deployment.api, account, url, Range=f"bytes={size - 10}-", **plain)
    assert tail.status_code == 206 and tail.content == DOG[-10:], tail.headers
    beyond = fetch(deployment.api, account, url, Range=f"bytes={size}-{size + 10}", **plain)
    assert beyond.status_code == 416, f"{beyond.status_code} {beyond.headers}"
    assert beyond.headers.get("Content-Range") == f"bytes */{size}", beyond.headers


def test_annotate_false_stores_no_annotated_image(deployment, user):
    job = detect.detect(deployment.api, user, "dog.jpg", annotate="false")
    [image] = job["images"]
    assert image["detections"], "it still detects"
    r = fetch(deployment.api, user, f"/api/v1/detect/images/{image['image_id']}/annotated")
    assert r.status_code == 404, f"{r.status_code} {r.text[:200]}"
    assert fetch(deployment.api, user, image["original_url"]).content == DOG


def test_unknown_and_malformed_image_ids(deployment, user):
    missing = fetch(deployment.api, user,
                    "/api/v1/detect/images/00000000-0000-4000-8000-000000000000/original")
    assert missing.status_code == 404, missing.text
    bad = fetch(deployment.api, user, "/api/v1/detect/images/not-a-uuid/original")
    assert bad.status_code == 422, bad.text
    anonymous = deployment.api.get(
        "/api/v1/detect/images/00000000-0000-4000-8000-000000000000/original")
    assert anonymous.status_code == 401, anonymous.text


def test_the_annotated_image_is_drawn_when_first_asked_for_alike_by_every_node(deployment,
                                                                               user):
    """Drawn from the original and the recorded boxes by whichever node is asked first; readers
    that ask at once, on both nodes, get the same image."""
    job = detect.detect(deployment.api, user, "horses.jpg")
    [image] = job["images"]
    nodes = [deployment.api, deployment.other]
    before = [drawings(node) for node in nodes]
    servers = nodes * 3
    with ThreadPoolExecutor(len(servers)) as pool:
        answers = list(pool.map(lambda s: fetch(s, user, image["annotated_url"]), servers))
    assert [r.status_code for r in answers] == [200] * len(servers), \
        [(r.status_code, r.text[:100]) for r in answers]
    # A node draws it once at most: its readers at once share the drawing, later ones read it.
    for node, was in zip(nodes, before):
        now = drawings(node)
        drawn = now.get("drawn", 0) - was.get("drawn", 0)
        assert drawn <= 1, f"{node.name} drew the image {drawn} times"
    assert sum(drawings(node).get("drawn", 0) - was.get("drawn", 0)
               for node, was in zip(nodes, before)) >= 1, "nobody drew it"
    assert len({r.content for r in answers}) == 1, "every reader gets the same image"
    assert images.size(answers[0].content) == (image["width"], image["height"])
    assert answers[0].content != images.photo("horses.jpg")
