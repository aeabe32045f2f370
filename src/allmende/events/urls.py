from django.urls import path

from allmende.events import academy_views, views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("feed.ics", views.public_feed, name="feed"),
    path("topics/<slug:slug>/feed.ics", views.topic_feed, name="topic_feed"),
    path("my/", views.my_events, name="mine"),
    path("my/<str:token>.ics", views.private_feed, name="private_feed"),
    path("new/", views.event_create, name="create"),
    path("series/new/", views.series_create, name="series_create"),
    path("proposals/", views.proposal_queue, name="proposal_queue"),
    path("proposals/<int:pk>/", views.proposal_decide, name="proposal_decide"),
    path("r/<str:token>/", views.registration_by_token, name="registration"),
    path(
        "registrations/<int:pk>/cancel/",
        views.cancel_registration,
        name="cancel_registration",
    ),
    path("registrations/<int:pk>/accept/", views.accept_offer, name="accept_offer"),
    path("academy/", academy_views.academy, name="academy"),
    path("academy/my-path/", academy_views.my_path, name="my_path"),
    path("academy/courses/<slug:slug>/", academy_views.course_detail, name="course"),
    path(
        "academy/courses/<slug:slug>/certificate.pdf",
        academy_views.certificate,
        name="certificate",
    ),
    path("academy/units/<int:pk>/done/", academy_views.unit_done, name="unit_done"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/event.ics", views.event_ics, name="ics"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/check-your-mail/", views.check_mail, name="check_mail"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/cancel/", views.event_cancel, name="cancel"),
    path("<slug:slug>/participants/", views.participants, name="participants"),
    path(
        "<slug:slug>/participants.<str:fmt>",
        views.export_participants,
        name="export",
    ),
    path(
        "<slug:slug>/participants/<int:pk>/move/",
        views.move_participant,
        name="move",
    ),
    path(
        "<slug:slug>/participants/<int:pk>/cancel/",
        views.cancel_participant,
        name="cancel_participant",
    ),
    path("<slug:slug>/message/", views.message_participants, name="message"),
]
