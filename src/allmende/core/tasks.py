"""Background jobs.

Code queues a job with :func:`enqueue`; the job runs after the current
transaction commits, so it never sees data that was rolled back. Where it runs
depends on ``ALLMENDE_TASK_MODE``:

``celery``
    the broker (Redis) and a separate worker process (``allmende worker``);
``thread``
    small thread pools inside the web process, one per queue (a task's queue
    is set in ``CELERY_TASK_ROUTES``; loads of data files have their own, as
    large as ``ALLMENDE_MAX_CONCURRENT_LOADS``): no broker to install, and the
    request that queued the job does not wait for it (embedded default);
``sync``
    at once in the calling thread after commit (tests that check the effect).

Jobs are thin Celery tasks that take JSON arguments (ids, not objects), call one
service and are safe to run twice.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.core.mail.message import EmailMessage
from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "celery"
_executors: dict[tuple[str, int], ThreadPoolExecutor] = {}
_executor_lock = threading.Lock()


def _thread_pool(queue: str) -> ThreadPoolExecutor:
    """The pool of ``queue``: its jobs never wait behind another queue's."""
    threads = settings.ALLMENDE_JOB_THREADS
    size = threads.get(queue) or threads[DEFAULT_QUEUE]
    with _executor_lock:
        key = (queue, size)
        if key not in _executors:
            prefix = "job" if queue == DEFAULT_QUEUE else f"job-{queue}"
            _executors[key] = ThreadPoolExecutor(
                max_workers=size, thread_name_prefix=prefix
            )
        return _executors[key]


def _run_in_thread(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    close_old_connections()
    try:
        task.apply(args=args, kwargs=kwargs, throw=True)
    except Exception:
        logger.exception("Background job %s failed", task.name)
    finally:
        close_old_connections()


def run_job(task: Task, *args: Any, **kwargs: Any) -> Future[None] | None:
    """Run ``task`` now, in the way the settings choose.

    Returns the future of a thread-pool job so a caller (a test, a command) can
    wait for it; Celery and synchronous jobs return ``None``.
    """
    mode = settings.ALLMENDE_TASK_MODE
    if mode == "celery":
        task.apply_async(args=args, kwargs=kwargs)
        return None
    if mode == "thread":
        route = settings.CELERY_TASK_ROUTES.get(task.name) or {}
        pool = _thread_pool(route.get("queue") or DEFAULT_QUEUE)
        return pool.submit(_run_in_thread, task, args, kwargs)
    if mode == "sync":
        task.apply(args=args, kwargs=kwargs, throw=True)
        return None
    raise ValueError(f"Unknown ALLMENDE_TASK_MODE {mode!r}")


def enqueue(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` to run once the current transaction has committed."""
    transaction.on_commit(lambda: run_job(task, *args, **kwargs), robust=True)


@shared_task(
    name="core.send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_email(message: dict[str, Any]) -> None:
    """Deliver one e-mail prepared by :class:`allmende.core.mail.QueuedEmailBackend`."""
    from allmende.core.mail import deliver, message_from_dict

    email: EmailMessage = message_from_dict(message)
    deliver([email])
