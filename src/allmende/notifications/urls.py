from django.urls import include, path

from allmende.notifications import unsubscribe, views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bell/", views.bell, name="bell"),
    path("settings/", views.notification_settings, name="settings"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("", include(unsubscribe.urlpatterns)),
]
