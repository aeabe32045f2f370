import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
application = get_wsgi_application()

# A WSGI server serves requests, so it also runs periodic jobs in the embedded
# deployment (a no-op with Celery, where beat does).
from allmende.core import scheduler  # noqa: E402

scheduler.start_thread()
