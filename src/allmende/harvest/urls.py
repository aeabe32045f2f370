from django.urls import path

from allmende.harvest import views

app_name = "harvest"

urlpatterns = [
    path("", views.source_list, name="sources"),
    path("new/", views.source_create, name="source_create"),
    path("<int:pk>/", views.source_detail, name="source"),
    path("<int:pk>/edit/", views.source_edit, name="source_edit"),
    path("<int:pk>/harvest/", views.source_harvest, name="source_harvest"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
]
