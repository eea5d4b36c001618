"""Interactive API docs: /docs (Swagger UI) and /redoc (ReDoc) served offline from the pinned
npm packages built into the binary, every asset they load, and a document whose every route
is one the server really routes."""
import gzip
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NPM = REPO / "third_party" / "npm"


@pytest.fixture(scope="module")
def server(module_launch):
    return module_launch.server()


def assets_of(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("page, marker", [("/docs", 'id="swagger-ui"'),
                                          ("/redoc", "<redoc spec-url=\"openapi.json\">")])
def test_the_pages_and_every_asset_they_load_are_served(server, page, marker):
    r = server.get(page)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert marker in r.text, r.text
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp, "the page loads from this server only"
    assets = assets_of(r.text)
    assert assets, r.text
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), f"{asset}: offline only"
        a = server.get("/" + asset)  # relative to the page, which sits at the root
        assert a.status_code == 200, (asset, a.status_code, a.text[:200])
        kind = "text/css" if asset.endswith(".css") else "application/javascript"
        assert a.headers["Content-Type"].startswith(kind), (asset, a.headers)
        assert "max-age" in a.headers["Cache-Control"], a.headers


@pytest.mark.parametrize("asset, package_file", [
    ("/docs/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js"),
    ("/docs/swagger-ui.css", "swagger-ui-dist/swagger-ui.css"),
    ("/redoc/redoc.standalone.js", "redoc/bundles/redoc.standalone.js"),
])
def test_the_assets_are_the_pinned_packages_files_gzipped_when_asked(server, asset,
                                                                      package_file):
    want = (NPM / package_file).read_bytes()
    plain = server.get(asset, headers={"Accept-Encoding": "identity"})
    assert plain.content == want and "Content-Encoding" not in plain.headers
    r = server.get(asset, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.headers["Content-Encoding"] == "gzip"
    raw = r.raw.read(decode_content=False)
    assert len(raw) < len(want) / 2 and gzip.decompress(raw) == want


def test_swagger_ui_reads_the_document_and_offers_the_password_flow(server):
    init = server.get("/docs/init.js").text
    assert "SwaggerUIBundle(" in init and "'openapi.json'" in init, init
    doc = server.get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    flow = schemes["OAuth2PasswordBearer"]["flows"]["password"]
    assert flow["tokenUrl"] == "api/v1/auth/login", flow
    profile = doc["paths"]["/api/v1/users/get-profile"]["get"]
    assert {"OAuth2PasswordBearer": []} in profile["security"], profile
    # The token URL takes the form the "Authorize" dialog posts.
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert "application/x-www-form-urlencoded" in login["requestBody"]["content"], login


def test_every_documented_route_is_routed(server):
    """The document is made from the route table: every path and method in it reaches a
    handler (whatever it answers without credentials or a body), never the router's 404/405."""
    doc = server.get("/openapi.json").json()
    assert {"/docs", "/redoc", "/metrics", "/api/v1/admin/schedules"} <= set(doc["paths"])
    for path, operations in doc["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)
        for method in operations:
            r = server.request(method.upper(), concrete)
            routed = not (r.status_code == 405 or (r.status_code == 404 and
                                                   r.json().get("detail") == "Not Found"))
            assert routed, (method, path, r.status_code, r.text[:200])


def test_the_detection_routes_document_their_form_their_202_and_their_errors(server):
    doc = server.get("/openapi.json").json()
    upload = doc["paths"]["/api/v1/detect/image"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["image"]
    assert form["properties"]["image"]["format"] == "binary"
    assert {"confidence", "iou", "max_detections", "classes", "model", "annotate", "name",
            "tile", "tile_overlap"} <= set(form["properties"]), form["properties"].keys()
    replies = upload["responses"]
    assert "Location" in replies["202"]["headers"], replies["202"]
    assert replies["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JobAccepted"}
    assert {"200", "400", "401", "413", "415", "422", "429", "507"} <= set(replies)
    assert "Retry-After" in replies["429"]["headers"]
    assert [p["name"] for p in upload["parameters"]] == ["wait"]
    batch = doc["paths"]["/api/v1/detect/batch"]["post"]
    items = batch["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert items["images"]["type"] == "array"
    history = doc["paths"]["/api/v1/detect/history"]["get"]
    assert {p["name"] for p in history["parameters"]} == {"limit", "offset", "status"}
    job = doc["paths"]["/api/v1/detect/jobs/{job_id}"]
    assert job["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Job"}
    assert {"202", "204", "404"} <= set(job["delete"]["responses"])
    # Every $ref points at a schema the document holds.
    text = server.get("/openapi.json").text
    for name in set(re.findall(r'#/components/schemas/([A-Za-z0-9_]+)', text)):
        assert name in doc["components"]["schemas"], name
