from django.urls import path

from allmende.knowledge import views
from allmende.knowledge.views import handbook, hosting, reports

app_name = "knowledge"

urlpatterns = [
    path("tools/", views.tool_list, name="tool_list"),
    path("tools/new/", views.tool_create, name="tool_create"),
    path("tools/maintenance/", views.maintenance, name="maintenance"),
    path("tools/compare/", views.tool_compare, name="tool_compare"),
    path("tools/suggest/", reports.tool_suggest, name="tool_suggest"),
    path("tools/suggestions/", reports.suggestion_list, name="suggestion_list"),
    path("tools/<slug:slug>/", views.tool_detail, name="tool_detail"),
    path("tools/<slug:slug>/edit/", views.tool_edit, name="tool_edit"),
    path("tools/<slug:slug>/check/", views.tool_check, name="tool_check"),
    path("tools/<slug:slug>/use/", reports.tool_use, name="tool_use"),
    path("reports/", reports.report_list, name="report_list"),
    path("reports/new/", reports.report_create, name="report_create"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/vote/", reports.report_vote, name="report_vote"),
    path(
        "reports/<int:pk>/to/<slug:target>/",
        reports.report_transition,
        name="report_transition",
    ),
    path("services/", hosting.service_list, name="service_list"),
    path("services/usage/", hosting.service_usage, name="service_usage"),
    path(
        "services/requests/<int:pk>/",
        hosting.service_request_detail,
        name="service_request_detail",
    ),
    path(
        "services/requests/<int:pk>/to/<slug:target>/",
        hosting.service_request_transition,
        name="service_request_transition",
    ),
    path(
        "services/requests/<int:pk>/accept/",
        hosting.service_request_accept_code,
        name="service_request_accept_code",
    ),
    path("services/<slug:slug>/", hosting.service_detail, name="service_detail"),
    path(
        "services/<slug:slug>/request/",
        hosting.service_request_create,
        name="service_request_create",
    ),
    path("guides/", handbook.guide_index, name="guide_index"),
    path("guides/<slug:book>/", handbook.book_detail, name="book_detail"),
    path("guides/<slug:book>/print/", handbook.book_print, name="book_print"),
    path("guides/<slug:book>/new/", handbook.page_create, name="page_create"),
    path("guides/<slug:book>/<slug:page>/", handbook.page_detail, name="page_detail"),
    path("guides/<slug:book>/<slug:page>/edit/", handbook.page_edit, name="page_edit"),
    path(
        "guides/<slug:book>/<slug:page>/history/",
        handbook.page_history,
        name="page_history",
    ),
    path(
        "guides/<slug:book>/<slug:page>/revisions/<int:number>/restore/",
        handbook.page_restore,
        name="page_restore",
    ),
    path(
        "guides/<slug:book>/<slug:page>/to/<slug:target>/",
        handbook.page_transition,
        name="page_transition",
    ),
    path(
        "guides/<slug:book>/<slug:page>/confirm/",
        handbook.page_confirm,
        name="page_confirm",
    ),
]
