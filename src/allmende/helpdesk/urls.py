from django.urls import path

from allmende.helpdesk import views

app_name = "helpdesk"

urlpatterns = [
    path("", views.index, name="index"),
    path("suggest/", views.suggest, name="suggest"),
    path("check-mail/", views.check_mail, name="check_mail"),
    path("q/<str:token>/", views.by_link, name="by_link"),
    path(
        "q/<str:token>/files/<int:pk>/",
        views.by_link_attachment,
        name="by_link_attachment",
    ),
    path("mine/", views.mine, name="mine"),
    path("tickets/", views.queue, name="queue"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:number>/note/", views.ticket_note, name="note"),
    path("tickets/<int:number>/state/", views.ticket_transition, name="transition"),
    path("tickets/<int:number>/assign/", views.ticket_assign, name="assign"),
    path("tickets/<int:number>/category/", views.ticket_category, name="category"),
    path("tickets/<int:number>/merge/", views.ticket_merge, name="merge"),
    path("tickets/<int:number>/faq/", views.faq_from_ticket, name="faq_from_ticket"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("held/", views.held_list, name="held"),
    path("held/<int:pk>/", views.held_decide, name="held_decide"),
    path("faq/", views.faq_list, name="faq"),
    path("faq/<int:pk>/", views.faq_entry, name="faq_entry"),
    path("faq/<int:pk>/edit/", views.faq_edit, name="faq_edit"),
]
