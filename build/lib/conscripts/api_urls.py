"""/api/v1/: the read-only DRF API, its OpenAPI schema and documentation.

``/api/v1/conscripts/`` (name search) stays a plain view in config/urls.py.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("cases", api.CaseViewSet, basename="case")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("regions", api.RegionViewSet, basename="region")
router.register("units", api.UnitViewSet, basename="unit")

app_name = "api"
urlpatterns = [
    *router.urls,
    path("statistics/", api.StatisticsView.as_view(), name="statistics"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
