from django.urls import path

from allmende.programmes import views_projects as views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("export.<str:fmt>", views.export_projects, name="export"),
    path("new/<int:application_pk>/", views.project_create, name="create"),
    path("mentorships/<int:pk>/answer/", views.mentorship_answer, name="mentor_answer"),
    path("mentorships/<int:pk>/end/", views.mentorship_end, name="mentor_end"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/state/", views.project_state, name="state"),
    path("<slug:slug>/mentors/", views.mentor_propose, name="mentor_propose"),
    path("<slug:slug>/consultations/", views.consultation_add, name="consultation_add"),
    path("<slug:slug>/milestones/", views.milestone_add, name="milestone_add"),
    path(
        "<slug:slug>/milestones/<int:pk>/report/",
        views.milestone_report,
        name="milestone_report",
    ),
    path(
        "<slug:slug>/milestones/<int:pk>/review/",
        views.milestone_review,
        name="milestone_review",
    ),
    path(
        "<slug:slug>/milestones/<int:pk>/cancel/",
        views.milestone_cancel,
        name="milestone_cancel",
    ),
    path("<slug:slug>/files/<int:pk>/", views.report_file, name="report_file"),
    path("<slug:slug>/results/dataset/", views.result_dataset, name="dataset"),
    path("<slug:slug>/results/link/", views.result_link, name="link"),
    path(
        "<slug:slug>/results/<int:pk>/remove/",
        views.result_remove,
        name="result_remove",
    ),
]
