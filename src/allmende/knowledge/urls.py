from django.urls import path

from allmende.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.tool_list, name="tool_list"),
    path("new/", views.tool_create, name="tool_create"),
    path("maintenance/", views.maintenance, name="maintenance"),
    path("compare/", views.tool_compare, name="tool_compare"),
    path("<slug:slug>/", views.tool_detail, name="tool_detail"),
    path("<slug:slug>/edit/", views.tool_edit, name="tool_edit"),
    path("<slug:slug>/check/", views.tool_check, name="tool_check"),
]
