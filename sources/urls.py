from django.urls import path

from . import list_views, views

app_name = "sources"

urlpatterns = [
    path("", views.source_list, name="list"),
    path("<int:pk>/", views.source_detail, name="detail"),
    path("<int:pk>/run/", views.source_run, name="run"),
    path("lists/", list_views.list_paste, name="list-paste"),
    path("lists/<int:pk>/", list_views.list_detail, name="list-detail"),
    path("lists/<int:pk>/status/", list_views.list_status, name="list-status"),
    path("lists/<int:pk>/matches.csv", list_views.list_csv, name="list-csv"),
    path("lists/<int:pk>/confirm/", list_views.list_confirm, name="list-confirm"),
]
