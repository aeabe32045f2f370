"""The Celery application.

Workers start with ``allmende worker`` (or ``celery -A allmende.config.celery
worker``). With no broker configured nothing needs a worker: jobs run in a thread
of the web process, see :mod:`allmende.core.tasks`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")

app = Celery("allmende")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
