from django.urls import path

from . import views

app_name = "conscripts"
urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("<int:pk>/", views.conscript_detail, name="detail"),
]
