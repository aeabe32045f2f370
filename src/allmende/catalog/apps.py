from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "allmende.catalog"
    label = "catalog"
    verbose_name = _("Open data catalog")

    def ready(self) -> None:
        from django.conf import settings

        from allmende.catalog import engine

        engine.Resource.max_open = settings.ALLMENDE_TABLES_OPEN
        from allmende.catalog import sections
        from allmende.core.modules import register

        register(sections.MODULE)

        from allmende.catalog.models import Dataset
        from allmende.catalog.selectors import visible_datasets
        from allmende.core import search

        search.register(
            search.SearchType(
                key="dataset",
                label=_("Datasets"),
                model=Dataset,
                visible=visible_datasets,
                order=30,
            )
        )
