from django.urls import path, register_converter

from allmende.legal import views
from allmende.legal.models import LegalPage


class PageConverter:
    regex = "|".join(page.value for page in LegalPage)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(PageConverter, "legalpage")

app_name = "legal"

urlpatterns = [
    path("impressum/", views.page_view, {"page": LegalPage.IMPRINT}, name="imprint"),
    path("datenschutz/", views.page_view, {"page": LegalPage.PRIVACY}, name="privacy"),
    path(
        "barrierefreiheit/",
        views.page_view,
        {"page": LegalPage.ACCESSIBILITY},
        name="accessibility",
    ),
    path("datenschutz/bestaetigen/", views.acknowledge, name="acknowledge"),
    path("barrierefreiheit/rueckmeldung/", views.feedback, name="feedback"),
    path(
        "barrierefreiheit/rueckmeldungen/",
        views.feedback_list,
        name="feedback_list",
    ),
    path("<legalpage:page>/bearbeiten/", views.edit, name="edit"),
    path("<legalpage:page>/versionen/", views.history, name="history"),
    path("<legalpage:page>/versionen/<int:version>/", views.version, name="version"),
]
