"""Waiting for a condition with a deadline (never a bare sleep)."""
import time


def wait_for(find, what: str, timeout: float = 30, logs=lambda: ""):
    """Polls `find()` every 0.1 s until it returns something truthy, and returns that; fails
    naming `what` (and `logs()`) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout}s\n{logs()}")
