from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CkanConfig(AppConfig):
    name = "allmende.ckan"
    label = "ckan"
    verbose_name = _("CKAN Action API")
