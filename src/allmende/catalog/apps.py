from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "allmende.catalog"
    label = "catalog"
    verbose_name = _("Open data catalog")

    def ready(self) -> None:
        from allmende.catalog import sections
        from allmende.core.modules import register

        register(sections.MODULE)
