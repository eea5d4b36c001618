"""DeepStack / CodeProject.AI compatibility: POST /v1/vision/detection with an API key, answered
synchronously with DeepStack's field names, types and order; `{success: false, error}` on
errors. API keys: created (and rotated) once-shown, revoked."""
import pytest

from ovtest import api, detect, images

DEEPSTACK = "/v1/vision/detection"
PREDICTION_KEYS = ["label", "confidence", "y_min", "x_min", "y_max", "x_max"]


def api_key_path(user_id: str) -> str:
    return f"/api/v1/users/{user_id}/api-key"


def new_key(server, account) -> str:
    r = server.post(api_key_path(account.id), headers=account.headers)
    assert r.status_code == 201, f"{r.status_code} {r.text}"
    key = r.json()["api_key"]
    assert isinstance(key, str) and key.startswith("ov_") and len(key) >= 24, key
    return key


@pytest.fixture(scope="module")
def keyed(deployment):
    account = api.new_account(deployment.api, "deepstack")
    return account, new_key(deployment.api, account)


def vision(server, key=None, photo="dog.jpg", data=None, headers=None, **fields):
    form = {k: str(v) for k, v in fields.items()}
    if key is not None:
        form["api_key"] = key
    parts = [(name, (None, value)) for name, value in form.items()]  # always multipart
    if photo:
        parts.append(("image", detect.part(photo, data)))
    return server.post(DEEPSTACK, files=parts, headers=headers or {}, timeout=60)


def assert_failure(r, status: int) -> None:
    assert r.status_code == status, f"expected {status}: {r.status_code} {r.text}"
    body = r.json()
    assert body["success"] is False, body
    assert isinstance(body["error"], str) and body["error"], body
    assert body.get("code", status) == status, body


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def test_a_detection_in_deepstacks_format(deployment, keyed):
    _, key = keyed
    r = vision(deployment.api, key)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    body = r.json()
    assert body["success"] is True, body
    assert list(body)[:2] == ["success", "predictions"], f"DeepStack's field order: {list(body)}"
    preds = body["predictions"]
    assert isinstance(preds, list) and preds, body
    assert is_int(body["count"]) and body["count"] == len(preds), body
    assert body["code"] == 200 and body["moduleId"] == "ObjectVision", body
    assert body["command"] == "detect", body
    for field in ("duration", "inferenceMs", "processMs"):
        assert isinstance(body[field], (int, float)) and body[field] >= 0, body
    width, height = images.jpeg_size(images.photo("dog.jpg"))
    for p in preds:
        assert list(p) == PREDICTION_KEYS, f"exactly DeepStack's fields, in order: {p}"
        assert isinstance(p["label"], str) and isinstance(p["confidence"], float), p
        assert all(is_int(p[k]) for k in PREDICTION_KEYS[2:]), f"integer pixels: {p}"
        assert 0 <= p["x_min"] < p["x_max"] <= width and 0 <= p["y_min"] < p["y_max"] <= height
        assert p["confidence"] >= 0.40, f"min_confidence defaults to 0.40: {p}"
    confidences = [p["confidence"] for p in preds]
    assert confidences == sorted(confidences, reverse=True), confidences
    labels = {p["label"] for p in preds}
    assert {"dog", "bicycle"} <= labels and labels & {"car", "truck"}, labels
    dog = next(p for p in preds if p["label"] == "dog")
    gold = next(g for g in detect.golden("dog.jpg") if g[0] == "dog")
    got = (dog["x_min"], dog["y_min"], dog["x_max"], dog["y_max"])
    assert detect.iou(got, gold[2]) > 0.9, (got, gold)


def test_min_confidence_is_honoured(deployment, keyed):
    _, key = keyed
    default = vision(deployment.api, key).json()["predictions"]
    strict = vision(deployment.api, key, min_confidence=0.6).json()["predictions"]
    loose = vision(deployment.api, key, min_confidence=0.2).json()["predictions"]
    assert strict and all(p["confidence"] >= 0.6 for p in strict), strict
    assert [p for p in default if p["confidence"] >= 0.6] == strict
    assert len(loose) > len(default) > len(strict), (len(loose), len(default), len(strict))


def test_the_key_in_a_header_or_a_bearer_token(deployment, keyed):
    account, key = keyed
    by_header = vision(deployment.other, headers={"X-API-Key": key})
    assert by_header.status_code == 200 and by_header.json()["success"] is True, by_header.text
    by_bearer = vision(deployment.other, headers=account.headers)
    assert by_bearer.status_code == 200, by_bearer.text
    assert by_bearer.json()["predictions"] == by_header.json()["predictions"]


def test_without_a_key_or_with_a_wrong_one_401(deployment, keyed):
    _, key = keyed
    assert_failure(vision(deployment.api), 401)
    assert_failure(vision(deployment.api, "ov_" + "x" * 40), 401)
    assert_failure(vision(deployment.api, key[:-1] + ("A" if key[-1] != "A" else "B")), 401)
    assert_failure(vision(deployment.api, headers={"X-API-Key": "nope"}), 401)


def test_bad_requests_answer_in_deepstacks_shape(deployment, keyed):
    _, key = keyed
    assert_failure(vision(deployment.api, key, photo=None), 400)
    assert_failure(vision(deployment.api, key, "notes.txt", b"plain text, no image\n"), 415)
    assert_failure(vision(deployment.api, key, "bomb.png", images.png_bomb()), 413)


def test_keys_are_rotated_and_revoked(deployment):
    account = api.new_account(deployment.api, "rotate")
    profile = deployment.api.get(api.PROFILE, headers=account.headers).json()
    assert profile["settings"]["has_api_key"] is False, profile
    first = new_key(deployment.api, account)
    second = new_key(deployment.api, account)
    assert first != second
    assert_failure(vision(deployment.api, first), 401)
    assert vision(deployment.other, second).status_code == 200
    profile = deployment.api.get(api.PROFILE, headers=account.headers).json()
    assert profile["settings"]["has_api_key"] is True, profile
    r = deployment.api.request("DELETE", api_key_path(account.id), headers=account.headers)
    assert r.status_code == 204, f"{r.status_code} {r.text}"
    assert_failure(vision(deployment.api, second), 401)
    profile = deployment.api.get(api.PROFILE, headers=account.headers).json()
    assert profile["settings"]["has_api_key"] is False, profile


def test_nobody_makes_a_key_for_someone_else(deployment, user, other_user):
    r = deployment.api.post(api_key_path(other_user.id), headers=user.headers)
    assert r.status_code == 404, f"{r.status_code} {r.text}"
    r = deployment.api.request("DELETE", api_key_path(other_user.id), headers=user.headers)
    assert r.status_code == 404, f"{r.status_code} {r.text}"
    assert deployment.api.post(api_key_path(user.id)).status_code == 401

