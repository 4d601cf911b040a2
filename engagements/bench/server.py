"""The gunicorn a benchmark starts: waiting until it answers."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request

from django.core.management.base import CommandError


def wait_ready(base: str, server: subprocess.Popen, *, seconds: float = 30) -> None:
    """Return once `base`/healthz answers 200; fail if gunicorn exits or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("gunicorn exited at start.")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 (our own server)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise CommandError(f"gunicorn did not answer /healthz within {seconds:g} s.")
