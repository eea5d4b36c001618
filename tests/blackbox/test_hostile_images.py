"""Images built to exhaust the server (issue 7): too many tiles, a TIFF whose first size tags
lie, a progressive JPEG of thousands of scans, one tiled image longer than the job's time
limit. Each is refused or fails its job with a clear message; the server keeps serving and
its memory stays low."""
import resource
import time
from pathlib import Path

import pytest

from ovtest import detect, hostile_images, images
from ovtest.api import assert_error, assert_validation_error, new_account

def pids(cluster) -> list[int]:
    """The processes of a deployment that decode images (serve nodes and workers)."""
    return [s.proc.pid for s in cluster.servers] + [w.pid for w in cluster.workers]


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def peak_rss(cluster) -> int:
    """The highest peak resident size (VmHWM) among the deployment's processes, in bytes."""
    return max(status_kib(pid, "VmHWM") for pid in pids(cluster)) * 1024


def validation_message(r) -> str:
    assert_validation_error(r)
    return " ".join(item["msg"] for item in r.json()["detail"])


def assert_still_serving(cluster, account) -> None:
    job = detect.detect(cluster.api, account, "dog.jpg")
    assert job["images"][0]["detections"], job


@pytest.mark.parametrize("path", [detect.DETECT_IMAGE, detect.DETECT_BATCH])
def test_too_many_tiles_answer_422_before_anything_is_queued(deployment, user, path):
    """tile=32x32, tile_overlap=0.5 on a 1280x1280 image makes 79 x 79 tiles plus the whole
    image: 6242 inferences of one image, a buffer of about 30 GB when they ran at once."""
    field = "image" if path == detect.DETECT_IMAGE else "images"
    r = deployment.api.post(path, headers=user.headers, timeout=60,
                            files=[(field, ("big.png", images.png(1280, 1280), "image/png"))],
                            data={"tile": "32x32", "tile_overlap": "0.5"})
    message = validation_message(r)
    assert r.json()["detail"][0]["loc"] == ["body", "tile"], r.json()
    assert "6242 tiles" in message and "MAX_TILES" in message and "64" in message, message
    assert detect.history_total(deployment.api, user) == 0
    assert_still_serving(deployment, user)


def test_tiles_within_the_limit_are_detected(deployment, user):
    # 4 x 4 tiles of 320 and the whole image: 17, under MAX_TILES (64).
    job = detect.detect(deployment.api, user, "big.png", data=images.png(1280, 1280),
                        tile="320x320", tile_overlap="0")
    [image] = job["images"]
    assert image["status"] == "completed" and (image["width"], image["height"]) == (1280, 1280)


def test_a_tiff_whose_first_size_tags_lie_is_refused_without_decoding(deployment, user):
    """The first ImageWidth / ImageLength say 32000 x 32000 and later copies say 1 x 1: libtiff
    keeps the first, so decoding it takes about 3 GB. The probe reads it as libtiff does."""
    data = hostile_images.lying_tiff()
    assert len(data) < 16 * 1024
    before = peak_rss(deployment)
    r = detect.upload(deployment.api, user, "lie.tiff", data=data)
    assert_error(r, 413)
    assert "32000x32000" in r.json()["detail"], r.json()
    r = detect.upload_batch(deployment.api, user, [("a.jpg", images.photo("dog.jpg")),
                                                   ("lie.tiff", data)])
    assert_error(r, 413)
    assert detect.history_total(deployment.api, user) == 0
    assert_still_serving(deployment, user)
    after = peak_rss(deployment)
    assert after - before < 256 << 20, \
        f"peak RSS went from {before >> 20} MiB to {after >> 20} MiB"


def test_a_progressive_jpeg_of_thousands_of_scans_is_refused(deployment, user):
    """5000 near-empty scans: 64 KB that cost libjpeg a pass over the whole image each (5 s
    here at 1448 x 1448, minutes at the pixel limit)."""
    r = detect.upload(deployment.api, user, "scans.jpg", data=hostile_images.many_scan_jpeg())
    message = validation_message(r)
    assert "more than 100 scans" in message, message
    assert detect.history_total(deployment.api, user) == 0
    # A progressive JPEG of a few scans is an ordinary image.
    job = detect.detect(deployment.api, user, "few.jpg",
                        data=hostile_images.many_scan_jpeg(64, 48, scans=5))
    assert (job["images"][0]["width"], job["images"][0]["height"]) == (64, 48)


def test_the_decoders_own_pixel_limit_is_in_every_process_environment(deployment):
    """OpenCV reads OPENCV_IO_MAX_IMAGE_PIXELS once, when it loads: the binary re-executes
    itself with it set to MAX_IMAGE_PIXELS, so a header the probe misread is still refused by
    the decoder before it allocates."""
    limit = deployment.api.settings.get("MAX_IMAGE_PIXELS") or "40000000"
    for pid in pids(deployment):
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert f"OPENCV_IO_MAX_IMAGE_PIXELS={limit}".encode() in environ, \
            f"process {pid} runs without OpenCV's pixel limit"


def test_the_job_timeout_also_bounds_one_tiled_image(clusters):
    """401 tiles of one image take many seconds; with JOB_TIMEOUT_SECONDS=1 the engine stops
    between tile batches and the job fails with a clear error, long before the last tile."""
    cluster = clusters(workers=1, JOB_TIMEOUT_SECONDS="1", MAX_TILES="1000")
    account = new_account(cluster.api, "timeout")
    started = time.monotonic()
    job_id = detect.submit(cluster.api, account, "big.png", data=images.png(1280, 1280),
                           tile="64x64", tile_overlap="0")
    job = detect.wait_job(cluster.api, account, job_id, timeout=120)
    elapsed = time.monotonic() - started
    [image] = job["images"]
    assert job["status"] == "failed", job
    assert image["status"] == "failed" and "timed out" in (image["error"] or ""), image
    assert "of 401 tiles" in image["error"], image
    assert elapsed < 30, f"the image ran {elapsed:.1f}s past a 1s job timeout"
    assert_still_serving(cluster, account)


def test_an_image_that_does_not_fit_in_memory_fails_its_job_not_the_process(clusters):
    """Under an address-space limit (RLIMIT_AS) with 200 MiB to spare, a 6000x6600 image (two
    BGR copies alone are 227 MiB) fails its job with a clear error before it is decoded, and
    the same process goes on to detect an ordinary photo."""
    cluster = clusters(workers=1)
    account = new_account(cluster.api, "memory")
    for _ in range(2):  # threads and their malloc arenas exist before the limit
        assert_still_serving(cluster, account)
    huge = images.png(6000, 6600)
    limits = {}
    for pid in pids(cluster):
        limits[pid] = resource.prlimit(pid, resource.RLIMIT_AS)
        size = status_kib(pid, "VmSize") * 1024
        resource.prlimit(pid, resource.RLIMIT_AS, (size + (200 << 20), limits[pid][1]))
    try:
        job_id = detect.submit(cluster.api, account, "huge.png", data=huge)
        job = detect.wait_job(cluster.api, account, job_id)
        [image] = job["images"]
        assert job["status"] == "failed" and image["status"] == "failed", job
        assert "not enough memory" in image["error"] and "6000x6600" in image["error"], image
        assert_still_serving(cluster, account)
    finally:
        for pid, limit in limits.items():
            resource.prlimit(pid, resource.RLIMIT_AS, limit)
