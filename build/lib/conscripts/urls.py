from django.urls import path

from . import views

app_name = "conscripts"
urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("<int:pk>/", views.conscript_detail, name="detail"),
    path("<int:pk>/follow/", views.conscript_follow, name="follow"),
    path("follow/confirm/<str:token>/", views.follow_confirm, name="follow-confirm"),
    path("follow/stop/<str:token>/", views.unfollow, name="unfollow"),
    # Moderators
    path("merge/", views.conscripts_merge, name="merge"),
    path("evidence/<int:pk>/retract/", views.evidence_retract, name="evidence-retract"),
]
