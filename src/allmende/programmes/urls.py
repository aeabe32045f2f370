from django.urls import path

from allmende.programmes import decision_views, review_views, views, views_projects

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
    path("applications/<int:pk>/team/", views.team_invite, name="invite"),
    path(
        "applications/<int:pk>/team/<int:place_pk>/remove/",
        views.team_remove,
        name="team_remove",
    ),
    path("applications/<int:pk>/comment/", views.application_comment, name="comment"),
    path("invitations/<int:pk>/", views.invitation, name="invitation"),
    path("applications/<int:pk>/changes/", views.application_changes, name="changes"),
    path(
        "applications/<int:pk>/files/<int:file_pk>/",
        views.application_file,
        name="file",
    ),
    path("reviews/", review_views.my_reviews, name="my_reviews"),
    path("reviews/<int:pk>/", review_views.review_detail, name="review"),
    path(
        "reviews/<int:pk>/declare/", review_views.review_declare, name="review_declare"
    ),
    path("reviews/<int:pk>/reopen/", review_views.review_reopen, name="review_reopen"),
    path(
        "reviews/<int:pk>/files/<int:file_pk>/",
        review_views.review_file,
        name="review_file",
    ),
    path(
        "applications/<int:pk>/redact/",
        review_views.application_redact,
        name="redact",
    ),
    path(
        "applications/<int:pk>/reviews/",
        review_views.review_assign,
        name="review_assign",
    ),
    path("<slug:slug>/", views.call_detail, name="call"),
    path("<slug:slug>/reviews/", review_views.review_setup, name="review_setup"),
    path("<slug:slug>/reviews/phases/", review_views.phase_add, name="phase_add"),
    path(
        "<slug:slug>/reviews/phases/<int:pk>/delete/",
        review_views.phase_delete,
        name="phase_delete",
    ),
    path(
        "<slug:slug>/reviews/criteria/",
        review_views.criterion_add,
        name="criterion_add",
    ),
    path(
        "<slug:slug>/reviews/criteria/<int:pk>/delete/",
        review_views.criterion_delete,
        name="criterion_delete",
    ),
    path(
        "<slug:slug>/reviews/reviewers/", review_views.reviewer_add, name="reviewer_add"
    ),
    path(
        "<slug:slug>/reviews/reviewers/<int:pk>/remove/",
        review_views.reviewer_remove,
        name="reviewer_remove",
    ),
    path(
        "<slug:slug>/reviews/assign/",
        review_views.assign_automatically,
        name="assign_automatically",
    ),
    path("<slug:slug>/scores/", review_views.scores, name="scores"),
    path(
        "<slug:slug>/scores.<str:fmt>",
        review_views.scores_export,
        name="scores_export",
    ),
    path("<slug:slug>/decide/", decision_views.batch, name="decide"),
    path(
        "<slug:slug>/decisions/templates/",
        decision_views.templates,
        name="decision_templates",
    ),
    path(
        "<slug:slug>/decisions/templates/<int:pk>/delete/",
        decision_views.template_delete,
        name="decision_template_delete",
    ),
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
