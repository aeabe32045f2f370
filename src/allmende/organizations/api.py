from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from allmende.core.api import INVALID, NOT_FOUND, LimitOffset, PathSlug, Text
from allmende.organizations.models import Organization
from allmende.organizations.selectors import DirectoryFilters, organization_list

router = Router(tags=["organizations"])


class OrganizationOut(Schema):
    slug: str
    name: str
    legal_form: str
    region: str
    city: str
    website: str
    latitude: float | None
    longitude: float | None
    is_verified: bool
    focus_areas: list[str]
    description_de: str
    description_en: str

    @staticmethod
    def resolve_focus_areas(obj: Organization) -> list[str]:
        return [area.slug for area in obj.focus_areas.all()]


class OrganizationFilters(Schema):
    q: Text = ""
    focus_area: Text = ""
    legal_form: Text = ""
    region: Text = ""
    verified: bool = False


@router.get("/", response={200: list[OrganizationOut], **INVALID})
@paginate(LimitOffset)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilters]):  # type: ignore[no-untyped-def]
    return organization_list(filters=DirectoryFilters(**filters.dict()))


@router.get("/{slug}", response={200: OrganizationOut, **NOT_FOUND, **INVALID})
def get_organization(request: HttpRequest, slug: PathSlug) -> Organization:
    return get_object_or_404(
        Organization.objects.prefetch_related("focus_areas"), slug=slug
    )
