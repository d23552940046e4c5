from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from conscripts import views as conscript_views
from sources import views as sources_views

from . import views

urlpatterns = [
    path("", conscript_views.home, name="home"),
    path("people/", include("conscripts.urls")),
    path("api/v1/conscripts/", conscript_views.api_conscripts, name="api-conscripts"),
    path("api/v1/ingest/", sources_views.webhook_ingest, name="api-ingest"),
    path("sources/", include("sources.urls")),
    path("reports/", include("reports.urls")),
    path("watch/", include("reports.watch_urls")),
    path("api/v1/", include("conscripts.api_urls")),
    path("", include("conscripts.research_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
