from django.urls import path

from allmende.core import views

app_name = "core"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("start-page/edit/", views.programme_edit, name="programme_edit"),
    path("search/", views.search, name="search"),
]
