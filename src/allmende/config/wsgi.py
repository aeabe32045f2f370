import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
application = get_wsgi_application()

# Load the URL configuration, and with it every view and the API, while the
# server starts the process: otherwise the first request each process serves
# waits for it (0.7-0.8 s).
get_resolver().url_patterns  # noqa: B018 - evaluated for its side effect

# A WSGI server serves requests, so it also runs periodic jobs in the embedded
# deployment (a no-op with Celery, where beat does).
from allmende.core import scheduler  # noqa: E402

scheduler.start_thread()

# With tables in S3, each node's cache of them drops deleted builds.
from allmende.catalog import services as catalog_services  # noqa: E402
from allmende.catalog import tablestore  # noqa: E402

tablestore.start_sweeper(catalog_services.table_cache_sweep)
