"""Interactive API docs: /docs (Swagger UI) and /redoc (ReDoc) served offline from the pinned
npm packages built into the binary, every asset they load, a document whose every route is one
the server really routes, and which `redocly lint` passes without an error or a warning."""
import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ovtest.server import run_binary

REPO = Path(__file__).resolve().parents[2]
NPM = REPO / "third_party" / "npm"
# @redocly/cli, pinned by tools/openapi-lint/package-lock.json and installed by the set-up
# (scripts/setup-npm.sh); run with Debian's node, as the scripts do.
NODE = Path("/usr/bin/node")
REDOCLY = REPO / "third_party" / "openapi-lint" / "node_modules" / "@redocly/cli/bin/cli.js"
LINT_CONFIG = REPO / "tools" / "openapi-lint"


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
    assert {p["name"] for p in history["parameters"]} == {"limit", "offset", "status", "class"}
    job = doc["paths"]["/api/v1/detect/jobs/{job_id}"]
    assert job["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Job"}
    assert {"202", "204", "404"} <= set(job["delete"]["responses"])
    # Every $ref points at a schema the document holds.
    text = server.get("/openapi.json").text
    for name in set(re.findall(r'#/components/schemas/([A-Za-z0-9_]+)', text)):
        assert name in doc["components"]["schemas"], name


def redocly_lint(doc: bytes, workdir: Path) -> dict:
    """The JSON report of `redocly lint` on the document, with tools/openapi-lint/redocly.yaml
    and its per-operation exceptions (.redocly.lint-ignore.yaml, whose keys name openapi.json
    relative to the config: both are copied next to the document)."""
    for what in (NODE, REDOCLY):
        assert what.is_file(), (f"{what} is missing: run scripts/setup.sh (it installs Node and "
                                "@redocly/cli from tools/openapi-lint/package-lock.json)")
    (workdir / "openapi.json").write_bytes(doc)
    for name in ("redocly.yaml", ".redocly.lint-ignore.yaml"):
        shutil.copy(LINT_CONFIG / name, workdir / name)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "NO_COLOR": "1",
           "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    run = subprocess.run([str(NODE), str(REDOCLY), "lint", "--format=json",
                          "--config=redocly.yaml", "openapi.json"],
                         cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    try:
        return json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"redocly lint gave no JSON report (exit {run.returncode}):\n"
                    f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}")


@pytest.mark.parametrize("settings", [{}, {"METRICS_TOKEN": "metrics-token-for-the-lint",
                                           "API_BASE_URL": "https://api.objectvision.test"}],
                         ids=["defaults", "metrics-token-and-base-url"])
def test_the_document_passes_redocly_lint(server, launch, tmp_path, settings):
    """Redocly's recommended ruleset (tools/openapi-lint/redocly.yaml, where a rule turned off
    says why): no error and no warning, with the settings that change the document too."""
    target = launch.server(**settings) if settings else server
    r = target.get("/openapi.json")
    assert r.status_code == 200, r.text
    report = redocly_lint(r.content, tmp_path)
    findings = [f"{p['severity']} {p['ruleId']} {p['location'][0]['pointer']}: {p['message']}"
                for p in report["problems"]]
    totals = report["totals"]
    assert totals["errors"] == 0 and totals["warnings"] == 0, (
        f"redocly lint: {totals}\n" + "\n".join(findings))


def test_the_openapi_command_writes_the_document_the_server_serves(server, tmp_path):
    # The server's own configuration (its database, its port): the command touches neither.
    served = server.get("/openapi.json").json()
    target = tmp_path / "openapi.json"
    done = run_binary(["openapi", "--output", str(target)], server.env(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(target.read_text()) == served
    assert not list(tmp_path.glob("openapi.json.tmp-*")), "written whole, then renamed"
    to_stdout = run_binary(["openapi"], server.env(), tmp_path)
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert json.loads(to_stdout.stdout) == served, "stdout holds the document and nothing else"
    refused = run_binary(["openapi", "-o", str(tmp_path / "missing" / "dir" / "x.json")],
                         server.env(), tmp_path)
    assert refused.returncode == 1 and "cannot write" in refused.stderr, refused
