"""Files in an S3-compatible store (STORAGE_URL=s3://BUCKET/PREFIX): every upload and every
annotated image is an object of the bucket and none is on any node's disk; in the scaled shape
two API nodes and a worker, each with a DATA_DIR of its own (no shared volume), serve and
process each other's jobs; deleting a job deletes its objects; a store that cannot be reached
answers uploads 503 with Retry-After and loses nothing. Against the test S3 store
(ovtest/s3.py; skipped without one)."""
import time
import uuid

import pytest
import requests

from ovtest import api, detect, images, s3
from ovtest.cluster import Cluster
from ovtest.server import free_port

DOG = images.photo("dog.jpg")


@pytest.fixture
def store():
    found = s3.from_env()
    if found is None:
        pytest.skip("no test S3 store (OV_TEST_S3_ENDPOINT, OV_TEST_S3_BUCKET)")
    return found


@pytest.fixture
def prefix():
    return f"bb-{uuid.uuid4()}/"


@pytest.fixture
def cluster(shape, tmp_path, store, prefix):
    deployment = Cluster(shape, tmp_path / "cluster", nodes=2, workers=1, shared_disk=False,
                         **store.settings(prefix))
    yield deployment
    deployment.close()


def files_on_disk(cluster) -> list[str]:
    found = []
    for process in [*cluster.servers, *cluster.workers]:
        files = process.data_dir / "files"
        if files.exists():
            found += [str(p) for p in files.rglob("*") if p.is_file()]
    return found


def wait_keys(store, prefix, want, timeout=15) -> list[str]:
    deadline = time.monotonic() + timeout
    keys = store.keys(prefix)
    while keys != want and time.monotonic() < deadline:
        time.sleep(0.1)
        keys = store.keys(prefix)
    assert keys == want, f"keys under {prefix}: {keys}, expected {want}"
    return keys


def test_the_files_of_a_job_are_objects_of_the_bucket_and_on_no_disk(cluster, store, prefix):
    account = api.new_account(cluster.api, "s3")
    job = detect.detect(cluster.api, account, "dog.jpg")
    image = job["images"][0]
    job_id, image_id = job["job_id"], image["image_id"]
    assert image["detections"], job
    original_key = f"{prefix}{job_id}/{image_id}.original.jpg"
    annotated_key = f"{prefix}{job_id}/{image_id}.annotated.jpg"
    # The annotated image is drawn when first asked for, not by the job.
    assert store.keys(prefix) == [original_key]
    # Any node serves the images from the store.
    original = cluster.other.get(image["original_url"], headers=account.headers)
    assert original.status_code == 200, original.text[:300]
    assert original.content == DOG
    annotated = cluster.api.get(image["annotated_url"], headers=account.headers)
    assert annotated.status_code == 200, annotated.text[:300]
    assert images.size(annotated.content) == images.jpeg_size(DOG) and annotated.content != DOG
    wait_keys(store, prefix, [annotated_key, original_key])
    assert files_on_disk(cluster) == []
    again = cluster.other.get(image["annotated_url"], headers=account.headers)
    assert again.content == annotated.content, "the other node serves the one kept"

    r = cluster.other.request("DELETE", detect.job_path(job_id), headers=account.headers)
    assert r.status_code in (200, 204), r.text
    wait_keys(store, prefix + job_id + "/", [])


def test_with_presigned_urls_the_image_routes_redirect_to_the_store(shape, tmp_path, store,
                                                                     prefix):
    deployment = Cluster(shape, tmp_path / "presign", nodes=1, workers=1, shared_disk=False,
                         S3_PRESIGN_SECONDS="120", **store.settings(prefix))
    try:
        check_presigned_links(deployment.api, store, prefix)
    finally:
        deployment.close()


def check_presigned_links(server, store, prefix):
    owner, stranger = api.new_account(server, "s3-owner"), api.new_account(server, "s3-other")
    image = detect.detect(server, owner, "dog.jpg")["images"][0]
    r = server.get(image["original_url"], headers=owner.headers, allow_redirects=False)
    assert r.status_code == 307, f"{r.status_code} {r.text[:300]}"
    link = r.headers["Location"]
    assert link.startswith(f"{store.endpoint}/{store.bucket}/{prefix}"), link
    assert "X-Amz-Expires=120&" in link and "X-Amz-Signature=" in link, link
    assert r.headers.get("Cache-Control") == "private, max-age=60", r.headers
    fetched = requests.get(link, timeout=10)  # no credentials: the URL is the credential
    assert fetched.status_code == 200 and fetched.content == DOG, fetched.status_code
    # The caller's right to the image is checked before any link is made.
    denied = server.get(image["original_url"], headers=stranger.headers, allow_redirects=False)
    api.assert_error(denied, 404, "Image not found")
    anonymous = server.get(image["annotated_url"], allow_redirects=False)
    assert anonymous.status_code == 401, anonymous.text
    # The annotated image, never asked for yet, is drawn and stored before the link is given.
    r = server.get(image["annotated_url"], headers=owner.headers, allow_redirects=False)
    assert r.status_code == 307, f"{r.status_code} {r.text[:300]}"
    fetched = requests.get(r.headers["Location"], timeout=10)
    assert fetched.status_code == 200, fetched.status_code
    assert images.size(fetched.content) == images.jpeg_size(DOG) and fetched.content != DOG


def test_a_store_that_cannot_be_reached_answers_503_and_keeps_nothing(launch, store, prefix):
    closed = s3.Store(f"http://127.0.0.1:{free_port()}", store.bucket, "k", "s")  # nothing there
    server = launch.server(**closed.settings(prefix), S3_ATTEMPTS="2", S3_TIMEOUT_SECONDS="1")
    assert "cannot be used now" in server.logs(), "the start names the unusable store"
    account = api.new_account(server, "s3-down")
    r = detect.upload(server, account, "dog.jpg")
    api.assert_error(r, 503, "The file store cannot be reached; try again shortly")
    assert r.headers.get("Retry-After") == "5", r.headers
    assert detect.history_total(server, account) == 0, "no job without its files"
