"""The Celery application.

Workers start with ``allmende worker`` (or ``celery -A allmende.config.celery
worker``). With no broker configured nothing needs a worker: jobs run in a thread
of the web process, see :mod:`allmende.core.tasks`.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")

app = Celery("allmende")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _periodic_jobs(sender: Celery, **kwargs: object) -> None:
    """Celery beat's schedule is the registry of :mod:`allmende.core.scheduler`."""
    from allmende.core import scheduler

    sender.conf.beat_schedule = scheduler.beat_schedule()


@worker_ready.connect
def _worker_heartbeats(sender: Any, **kwargs: object) -> None:
    """Record that this worker consumes its queues, for ``/-/health``."""
    from allmende.core import heartbeats

    queues = sorted(sender.app.amqp.queues.consume_from or sender.app.amqp.queues)
    heartbeats.start_worker_heartbeats(queues)
