"""HS256 JSON Web Tokens, written from RFC 7519 with hmac + hashlib, to read the server's
tokens and to forge the ones a client must never get through."""
import base64
import hashlib
import hmac
import json
import time
import uuid


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _segment(obj) -> str:
    return b64url_encode(json_bytes(obj))


def sign(payload: dict, secret: str, header: dict | None = None) -> str:
    """A token signed with HMAC-SHA256 over `header.payload` (header defaults to HS256)."""
    head = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    signing_input = f"{_segment(head)}.{_segment(payload)}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url_encode(mac)}"


def unsigned(payload: dict) -> str:
    """An `alg: none` token: no signature at all."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(payload)}."


def decode(token: str) -> tuple[dict, dict]:
    """(header, payload) of a token, without checking the signature."""
    parts = token.split(".")
    assert len(parts) == 3, f"a JWT has three dot-separated parts: {token!r}"
    return json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))


def signature_valid(token: str, secret: str) -> bool:
    head, payload, sig = token.split(".")
    mac = hmac.new(secret.encode(), f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(b64url_encode(mac), sig)


def access_claims(sub: str, role: str = "user", lifetime_s: int = 900, **changes) -> dict:
    """Claims of an access token as the server issues them; `changes` override any of them."""
    now = int(time.time())
    claims = {"sub": sub, "jti": str(uuid.uuid4()), "type": "access", "iat": now, "nbf": now,
              "exp": now + lifetime_s, "role": role}
    claims.update(changes)
    return claims


def json_bytes(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()
