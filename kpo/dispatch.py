"""Send a Celery task by its registered name: the one way services enqueue work.

Services never import `tasks.py` (the thin top layer that imports them), so no
import cycle can form. Callers keep an outbox row (a pending run, chunk or
webhook delivery) that a sweeper sends again, so a broker outage loses nothing:
`task_send` answers False instead of raising. In the embedded task mode (no
broker: the demo) the task runs at once, in-process.
"""

from __future__ import annotations

import logging

from kpo.celery import BROKER_ERRORS, app

logger = logging.getLogger(__name__)
# A few quick retries while connecting; longer outages are the sweeper's to handle.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}


def task_send(name: str, *args: int, countdown: float | None = None) -> bool:
    """Send task `name` with `args`; False (logged) when the broker cannot be reached."""
    if name not in app.tasks:
        # A web process has not imported the apps' tasks modules: Celery's autodiscovery (the
        # worker's, without its start-up checks) imports each installed app's tasks.py once.
        app.autodiscover_tasks(force=True)
    try:
        app.tasks[name].apply_async(args=list(args), countdown=countdown, retry=True, retry_policy=RETRY_POLICY)
    except BROKER_ERRORS:
        logger.warning("could not send %s%r; the sweeper will send it again", name, tuple(args), exc_info=True)
        return False
    return True
