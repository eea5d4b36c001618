"""Just enough of the Redis protocol (RESP2) to flush the test server between fixtures."""
import socket
from urllib.parse import urlsplit


class RedisError(Exception):
    pass


def _read_reply(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("Redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise RedisError(f"unexpected reply {line!r}")


def _encode(args) -> bytes:
    out = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
    return b"".join(out)


def command(url: str, *args):
    """Runs one command on the server named by a redis:// URL (password and db index honoured)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379),
                                  timeout=10) as sock, sock.makefile("rb") as f:
        if parts.password:
            sock.sendall(_encode(["AUTH", parts.password]))
            _read_reply(f)
        db = (parts.path or "/").lstrip("/")
        if db:
            sock.sendall(_encode(["SELECT", db]))
            _read_reply(f)
        sock.sendall(_encode(list(args)))
        return _read_reply(f)
