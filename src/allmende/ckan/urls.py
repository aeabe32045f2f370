from django.urls import re_path

from allmende.ckan import views

app_name = "ckan"

# Both address forms CKAN answers to, with or without a trailing slash.
urlpatterns = [
    re_path(r"^api/3/action/(?P<name>[^/]+)/?$", views.action, name="action"),
    re_path(r"^api/action/(?P<name>[^/]+)/?$", views.action, name="action2"),
]
