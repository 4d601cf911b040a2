"""Waiting on another process (a worker, a server) in tests: poll a predicate until it holds."""

from __future__ import annotations

import time


def wait(predicate, *, timeout: float, what: str):
    """The predicate's first truthy value, polled every 50 ms; fails after `timeout` s
    (generous: a deadline, never a speed assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")
