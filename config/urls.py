from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from conscripts import views as conscript_views
from core import account_views
from research import api as research_api
from sources import api as sources_api

from . import views

urlpatterns = [
    path("", conscript_views.home, name="home"),
    path("people/", include("conscripts.urls")),
    path(
        "api/v1/conscripts/",
        research_api.ConscriptSearchView.as_view(),
        name="api-conscripts",
    ),
    path("api/v1/ingest/", sources_api.WebhookIngestView.as_view(), name="api-ingest"),
    path("sources/", include("sources.urls")),
    path("reports/", include("reports.urls")),
    path("watch/", include("reports.watch_urls")),
    path("api/v1/", include("research.api_urls")),
    path("", include("research.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/code/", account_views.second_factor_verify, name="second-factor"),
    path("accounts/code/setup/", account_views.second_factor_setup, name="second-factor-setup"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
handler500 = "config.views.server_error"
