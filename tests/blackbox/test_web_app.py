"""The web app's serving (what the browser tests in tests/browser/ run on): every client-side
path answers the page, the page names its files by a hash of their bytes, the files come
compressed as built (brotli, gzip) or plain as each client asks, are cached for good and
revalidate with their ETag; GET /api/v1/client-config says the limits the app checks."""
import gzip
import hashlib
import re
import subprocess

import pytest

NODE = "/usr/bin/node"
PAGES = ["/", "/login", "/signup", "/upload", "/history",
         "/jobs/00000000-0000-4000-8000-000000000000", "/settings", "/admin"]


@pytest.fixture(scope="module")
def server(module_launch):
    return module_launch.server(MAX_UPLOAD_MB="3", MAX_BATCH_IMAGES="5",
                                CONFIDENCE_THRESHOLD="0.4", COMPANY_NAME="Acme Vision")


def assets(server) -> dict[str, str]:
    page = server.get("/").text
    found = dict(re.findall(r'(?:src|href)="(/assets/app\.[0-9a-f]{16}\.(js|css))"', page))
    return {kind: path for path, kind in found.items()}


def brotli_decompress(data: bytes) -> bytes:
    """With Node's zlib (the app's build tool): Python's standard library has no brotli."""
    run = subprocess.run([NODE, "-e", "process.stdout.write(require('zlib')."
                          "brotliDecompressSync(require('fs').readFileSync(0)))"],
                         input=data, capture_output=True, timeout=60, check=True)
    return run.stdout


@pytest.mark.parametrize("path", PAGES)
def test_every_app_path_answers_the_page_with_a_strict_policy(server, path):
    r = server.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-cache", "revalidated: it names the current files"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "'unsafe-eval'" not in csp, csp
    assert "frame-ancestors 'none'" in csp, csp
    assert '<div id="app">' in r.text and 'type="module"' in r.text, r.text
    assert not re.search(r'(?:src|href)="(?:https?:)?//', r.text), "offline: no other origin"


def test_the_page_names_each_file_by_a_hash_of_its_bytes(server):
    found = assets(server)
    assert set(found) == {"js", "css"}, found
    for kind, path in found.items():
        r = server.get(path, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200, (path, r.text[:200])
        want_type = "application/javascript" if kind == "js" else "text/css"
        assert r.headers["Content-Type"].startswith(want_type), r.headers
        assert "Content-Encoding" not in r.headers
        digest = hashlib.sha256(r.content).hexdigest()[:16]
        assert path == f"/assets/app.{digest}.{kind}", (path, digest)
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert r.headers["ETag"] == f'"{digest}"'
        assert "Accept-Encoding" in r.headers["Vary"]
    assert len(server.get(found["js"]).content) > 1000, "the app's script, not a stub"


@pytest.mark.parametrize("accept, coding", [
    ("gzip, deflate, br", "br"),
    ("br;q=0, gzip", "gzip"),
    ("gzip", "gzip"),
    ("*", "br"),
    ("*;q=0, gzip", "gzip"),
    ("identity", None),
    ("gzip;q=0", None),
])
def test_each_file_comes_in_the_coding_the_client_accepts(server, accept, coding):
    for path in assets(server).values():
        plain = server.get(path, headers={"Accept-Encoding": "identity"}).content
        r = server.get(path, headers={"Accept-Encoding": accept}, stream=True)
        body = r.raw.read(decode_content=False)
        assert r.headers.get("Content-Encoding") == coding, (accept, r.headers)
        if coding == "br":
            assert brotli_decompress(body) == plain
        elif coding == "gzip":
            assert gzip.decompress(body) == plain
        else:
            assert body == plain
        if coding:
            assert len(body) < len(plain), (path, coding, len(body), len(plain))


def test_a_file_revalidates_with_its_etag_and_an_unknown_name_is_404(server):
    js = assets(server)["js"]
    etag = server.get(js).headers["ETag"]
    r = server.get(js, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    stale = re.sub(r"\.[0-9a-f]{16}\.", ".0123456789abcdef.", js)
    for path in (stale, "/assets/app.js", "/assets/..%2f..%2fetc%2fpasswd"):
        r = server.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert r.json()["detail"], r.text


def test_client_config_says_the_servers_limits(server):
    r = server.get("/api/v1/client-config")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "company_name": "Acme Vision",
        "max_upload_bytes": 3 * 1024 * 1024,
        "max_batch_images": 5,
        "max_image_pixels": 40_000_000,
        "max_tiles": 64,
        "confidence_threshold": 0.4,
        "image_types": ["image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff"],
    }


def test_the_pages_are_not_api_operations_but_the_client_config_is(server):
    paths = set(server.get("/openapi.json").json()["paths"])
    assert "/api/v1/client-config" in paths
    assert not {"/", "/login", "/history", "/assets/{file}"} & paths, paths


def test_the_first_load_is_under_its_budget(server):
    """The issue's budget: under 150 KB of compressed JavaScript and CSS for the first load —
    the page names every script and style it loads, and each is sent gzip-compressed to a
    client that accepts only gzip (brotli is smaller still)."""
    total = {"gzip": 0, "br": 0}
    for path in assets(server).values():
        for coding in total:
            r = server.get(path, headers={"Accept-Encoding": coding}, stream=True)
            assert r.headers["Content-Encoding"] == coding
            total[coding] += len(r.raw.read(decode_content=False))
    assert total["br"] <= total["gzip"] < 150 * 1024, total
