from django.urls import path

from allmende.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.dataset_create, name="dataset_create"),
    path("<slug:slug>.<str:ext>", views.dataset_rdf, name="dataset_rdf"),
    path("<slug:slug>/", views.dataset_detail, name="dataset"),
    path("<slug:slug>/edit/", views.dataset_edit, name="dataset_edit"),
    path("<slug:slug>/publish/", views.dataset_publish, name="dataset_publish"),
    path("<slug:slug>/delete/", views.dataset_delete, name="dataset_delete"),
    path("<slug:slug>/history/", views.dataset_history, name="dataset_history"),
    path("<slug:slug>/resources/new/", views.resource_create, name="resource_create"),
    path("<slug:slug>/resources/<int:pk>/", views.resource_detail, name="resource"),
    path(
        "<slug:slug>/resources/<int:pk>/status/",
        views.resource_status,
        name="resource_status",
    ),
    path(
        "<slug:slug>/resources/<int:pk>/upload/",
        views.resource_upload,
        name="resource_upload",
    ),
    path(
        "<slug:slug>/resources/<int:pk>/fetch/",
        views.resource_fetch,
        name="resource_fetch",
    ),
    path(
        "<slug:slug>/resources/<int:pk>/delete/",
        views.resource_delete,
        name="resource_delete",
    ),
    path(
        "<slug:slug>/resources/<int:pk>/schema/",
        views.resource_schema,
        name="resource_schema",
    ),
    path(
        "<slug:slug>/resources/<int:pk>/v<int:number>/download.<str:fmt>",
        views.download,
        name="download",
    ),
]
