from django.urls import path

from . import views

app_name = "research"
urlpatterns = [
    path("research/", views.cases, name="cases"),
    path("research/filters/", views.saved_filter_create, name="filter-create"),
    path("research/filters/<int:pk>/delete/", views.saved_filter_delete, name="filter-delete"),
    path("research/exports/", views.export_list, name="exports"),
    path("research/exports/new/", views.export_create, name="export-create"),
    path("research/exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("research/exports/<int:pk>/status/", views.export_status, name="export-status"),
    path("research/exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("research/profile/", views.profile, name="profile"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/data/<slug:chart>.csv", views.statistics_csv, name="statistics-csv"),
    path("statistics/map/", views.region_map, name="map"),
    path("statistics/method/", views.method, name="method"),
    path("statistics/figures/", views.snapshot_list, name="snapshots"),
    path("statistics/figures/publish/", views.snapshot_publish, name="snapshot-publish"),
    path("statistics/figures/<int:pk>/", views.snapshot_detail, name="snapshot"),
    path(
        "statistics/figures/<int:pk>/records.csv",
        views.snapshot_records,
        name="snapshot-records",
    ),
    path("units/", views.unit_list, name="units"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
]
