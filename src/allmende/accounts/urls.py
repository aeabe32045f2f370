from django.urls import path

from allmende.accounts import views

app_name = "accounts"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<str:username>/", views.person, name="person"),
    path("me/", views.profile, name="profile"),
    path("me/export/", views.export, name="export"),
    path("me/delete/", views.delete, name="delete"),
]
