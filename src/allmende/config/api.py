"""The JSON API. Each app adds its router here; OpenAPI is at /api/openapi.json."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase

from allmende.campaigns.api import router as campaigns_router
from allmende.catalog.api import router as catalog_router
from allmende.events.api import router as events_router
from allmende.knowledge.api import router as knowledge_router
from allmende.notifications.api import router as notifications_router
from allmende.organizations.api import router as organizations_router
from allmende.programmes.api import router as programmes_router


class LocalSwagger(DocsBase):
    """Swagger UI from the platform's own static files: the page's
    Content-Security-Policy allows no script from another host."""

    def render_page(
        self, request: HttpRequest, api: NinjaAPI, **kwargs: Any
    ) -> HttpResponse:
        return render(
            request,
            "core/api_docs.html",
            {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)},
        )


api = NinjaAPI(
    title="Allmende API",
    version="1",
    description="Public data of the Allmende platform.",
    urls_namespace="api",
    docs=LocalSwagger(),
)
api.add_router("/organizations", organizations_router)
api.add_router("/events", events_router)
api.add_router("/catalog", catalog_router)
api.add_router("/notifications", notifications_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/programmes", programmes_router)
api.add_router("/knowledge", knowledge_router)
