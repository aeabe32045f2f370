from django.urls import path

from allmende.programmes import views, views_projects

app_name = "programmes"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("new/", views.call_create, name="create"),
    path("my/", views.my_applications, name="mine"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/save/", views.application_save, name="save"),
    path("applications/<int:pk>/upload/", views.application_upload, name="upload"),
    path("applications/<int:pk>/submit/", views.application_submit, name="submit"),
    path(
        "applications/<int:pk>/withdraw/",
        views.application_withdraw,
        name="withdraw",
    ),
    path("applications/<int:pk>/move/", views.application_move, name="move"),
    path(
        "applications/<int:pk>/files/<int:file_pk>/",
        views.application_file,
        name="file",
    ),
    path("<slug:slug>/", views.call_detail, name="call"),
    path("<slug:slug>/call.pdf", views.call_attachment, name="attachment"),
    path("<slug:slug>/edit/", views.call_edit, name="edit"),
    path("<slug:slug>/state/", views.call_transition, name="transition"),
    path("<slug:slug>/apply/", views.application_start, name="apply"),
    path("<slug:slug>/applications/", views.call_applications, name="applications"),
    path(
        "<slug:slug>/applications.<str:fmt>",
        views_projects.export_applications,
        name="export",
    ),
    path("<slug:slug>/form/", views.form_editor, name="form"),
    path("<slug:slug>/form/new/", views.form_field_edit, name="field_add"),
    path("<slug:slug>/form/<slug:key>/", views.form_field_edit, name="field_edit"),
    path(
        "<slug:slug>/form/<slug:key>/delete/",
        views.form_field_delete,
        name="field_delete",
    ),
    path("<slug:slug>/form/<slug:key>/move/", views.form_field_move, name="field_move"),
]
