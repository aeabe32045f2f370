from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "allmende.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from allmende.core.modules import register
        from allmende.notifications import registry, sections

        registry.autodiscover()
        register(sections.MODULE)
