from django.urls import path

from . import watch_views as views

app_name = "watch"
urlpatterns = [
    path("", views.watch_new, name="new"),
    path("confirm/<str:token>/", views.watch_confirm, name="confirm"),
    path("manage/<str:token>/", views.watch_manage, name="manage"),
]
