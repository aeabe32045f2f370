import os
import sys

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "allmende.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from allmende.core.site import site_row_sync

        post_migrate.connect(
            site_row_sync,
            sender=apps.get_app_config("sites"),
            dispatch_uid="allmende.core.site_row_sync",
        )
        # The development server runs the code twice (a watcher and the server);
        # only the serving process, or one started with --noreload, schedules.
        argv = sys.argv[1:2]
        if argv == ["runserver"] and (
            os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv
        ):
            from allmende.core import scheduler

            scheduler.start_thread()
