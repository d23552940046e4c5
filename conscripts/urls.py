from django.urls import path

from . import views

app_name = "conscripts"
urlpatterns = [
    path("<int:pk>/", views.conscript_detail, name="detail"),
]
