from django.urls import include, path

from allmende.notifications import unsubscribe

app_name = "notifications"

urlpatterns = [
    path("", include(unsubscribe.urlpatterns)),
]
