from django.urls import path

from allmende.organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("map.json", views.map_points, name="map_points"),
    path("new/", views.create, name="create"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    # "-" is never an organization's short name, so the staff pages cannot
    # hide a profile.
    path("-/verification/", views.verification_queue, name="verification_queue"),
    path(
        "-/verification/<int:pk>/",
        views.verification_decide,
        name="verification_decide",
    ),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/verify/", views.verify, name="verify"),
    path(
        "<slug:slug>/verification/",
        views.verification_request,
        name="verification_request",
    ),
    path(
        "<slug:slug>/verification/<int:pk>/withdraw/",
        views.verification_withdraw,
        name="verification_withdraw",
    ),
    path("<slug:slug>/join/", views.join, name="join"),
    path(
        "<slug:slug>/join-requests/<int:pk>/accept/",
        views.join_request_accept,
        name="join_request_accept",
    ),
    path(
        "<slug:slug>/join-requests/<int:pk>/decline/",
        views.join_request_decline,
        name="join_request_decline",
    ),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path(
        "<slug:slug>/invitations/<int:pk>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("<slug:slug>/members/<int:pk>/role/", views.change_role, name="change_role"),
    path(
        "<slug:slug>/members/<int:pk>/remove/",
        views.remove_member,
        name="remove_member",
    ),
]
