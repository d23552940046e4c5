from django.urls import path

from . import research_views as views

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
]
