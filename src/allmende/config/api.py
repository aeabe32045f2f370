"""The JSON API. Each app adds its router here; OpenAPI is at /api/openapi.json."""

from ninja import NinjaAPI

from allmende.catalog.api import router as catalog_router
from allmende.events.api import router as events_router
from allmende.organizations.api import router as organizations_router

api = NinjaAPI(
    title="Allmende API",
    version="1",
    description="Public data of the Allmende platform.",
    urls_namespace="api",
)
api.add_router("/organizations", organizations_router)
api.add_router("/events", events_router)
api.add_router("/catalog", catalog_router)
