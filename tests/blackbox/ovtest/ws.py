"""A WebSocket client for /api/v1/ws (websocket-client 1.2, Debian's python3-websocket) that
keeps every job event it reads, answers the server's pings, and tells how the socket closed."""
import json
import struct
import time

import websocket

WS_PATH = "/api/v1/ws"


class Closed(Exception):
    def __init__(self, code: int | None, reason: str):
        super().__init__(f"closed with code {code} {reason!r}")
        self.code = code
        self.reason = reason


class Socket:
    def __init__(self, server, token: str | None = None, timeout: float = 10):
        url = f"ws://127.0.0.1:{server.port}{WS_PATH}"
        if token is not None:
            url += f"?token={token}"
        self.ws = websocket.create_connection(url, timeout=timeout)
        self.messages: list[dict] = []  # every JSON message read, in order

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        try:
            self.ws.close(timeout=1)
        except Exception:  # noqa: BLE001 - the server may already have gone
            pass

    def send(self, message: dict) -> None:
        self.ws.send(json.dumps(message))

    def recv(self, timeout: float) -> dict | None:
        """The next JSON message, None after `timeout`; raises Closed on a close frame."""
        self.ws.settimeout(max(timeout, 0.01))
        deadline = time.monotonic() + timeout
        parts = []
        while True:
            try:
                frame = self.ws.recv_frame()
            except websocket.WebSocketTimeoutException:
                if parts and time.monotonic() < deadline:
                    continue
                return None
            except (websocket.WebSocketConnectionClosedException, OSError):
                raise Closed(None, "connection closed without a close frame") from None
            op = frame.opcode
            if op == websocket.ABNF.OPCODE_CLOSE:
                data = frame.data or b""
                code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else None
                try:
                    self.ws.send_close()
                except Exception:  # noqa: BLE001 - the server may have closed TCP already
                    pass
                raise Closed(code, bytes(data[2:]).decode(errors="replace"))
            if op == websocket.ABNF.OPCODE_PING:
                self.ws.pong(frame.data)
                continue
            if op == websocket.ABNF.OPCODE_PONG:
                continue
            data = frame.data
            parts.append(data.encode() if isinstance(data, str) else bytes(data))
            if frame.fin:
                message = json.loads(b"".join(parts))
                self.messages.append(message)
                return message

    def wait_for(self, predicate, timeout: float = 30, what: str = "a message") -> dict:
        """Reads until a message satisfies `predicate`; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self.recv(left)
            if message is not None and predicate(message):
                return message
        raise AssertionError(f"no {what} within {timeout}s; got {self.messages}")

    def ready(self, timeout: float = 10) -> None:
        """A ping answered by a pong: the server has read everything sent before it (the
        auth message included) and the socket is subscribed."""
        self.send({"type": "ping"})
        self.wait_for(lambda m: m.get("type") == "pong", timeout, "pong")

    def drain(self, seconds: float) -> None:
        """Reads whatever arrives during `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.recv(left)

    def close_code(self, timeout: float = 15) -> int | None:
        """Reads until the server closes the socket; returns the close code."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.recv(left)
            except Closed as closed:
                return closed.code
        raise AssertionError(f"the socket was not closed within {timeout}s; got {self.messages}")

    def job_events(self, job_id: str) -> list[dict]:
        return [m for m in self.messages
                if str(m.get("type", "")).startswith("job.") and m.get("job_id") == job_id]

    def all_job_events(self) -> list[dict]:
        return [m for m in self.messages if str(m.get("type", "")).startswith("job.")]

    def wait_job_event(self, job_id: str, kind: str, timeout: float = 60) -> dict:
        return self.wait_for(lambda m: m.get("type") == kind and m.get("job_id") == job_id,
                             timeout, f"{kind} for job {job_id}")
