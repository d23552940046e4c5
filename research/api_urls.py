"""/api/v1/: the read-only API, its OpenAPI schema and documentation.

The name search (``/api/v1/conscripts/``, ``api.ConscriptSearchView``) and the ingest
webhook (``/api/v1/ingest/``, the sources app's) are routed in config/urls.py under the
names they have always had; all of them share the schema and the error shape.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
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
    # The split view serves its script as a file and the template has no inline style:
    # the Content-Security-Policy allows neither.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="research/api_docs.html"
        ),
        name="docs",
    ),
]
