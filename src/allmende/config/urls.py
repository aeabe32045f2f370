import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from allmende.catalog import views as catalog_views
from allmende.config.api import api
from allmende.core import views as core_views

admin.site.site_header = "Allmende"
admin.site.site_title = "Allmende"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("-/health", core_views.health, name="health"),
    path("styleguide/", core_views.styleguide, name="styleguide"),
    path("", include("allmende.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("allauth.urls")),
    path("organizations/", include("allmende.organizations.urls")),
    path("events/", include("allmende.events.urls")),
    path("", include("allmende.knowledge.urls")),
    path("calls/", include("allmende.programmes.urls")),
    path("projects/", include("allmende.programmes.urls_projects")),
    path("campaigns/", include("allmende.campaigns.urls")),
    path("help/", include("allmende.helpdesk.urls")),
    path("catalog.<str:ext>", catalog_views.catalog_rdf, name="dcat_catalog"),
    path("datasets/", include("allmende.catalog.urls")),
    path("harvest/", include("allmende.harvest.urls")),
    path("notifications/", include("allmende.notifications.urls")),
    path("", include("allmende.accounts.urls")),
    path("", include("allmende.ckan.urls")),
    path("", include("allmende.legal.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

if settings.MEDIA_URL.startswith("/"):
    # The public part of the media tree, with the headers that keep it inert.
    urlpatterns.append(
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$",
            core_views.media,
            name="media",
        )
    )
