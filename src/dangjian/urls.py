"""All URL patterns, listed explicitly."""

from django.urls import include, path

from dangjian.assess.survey_views import SurveyAnswerView
from dangjian.opinions.public import OpinionPublicView
from dangjian.server.views import HealthView

urlpatterns = [
    path("", include("dangjian.core.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("assess/", include("dangjian.assess.urls")),
    path("rectify/bulletins/", include("dangjian.rectify.bulletin_urls")),  # before rectify/: <pk>/ routes
    path("rectify/", include("dangjian.rectify.urls")),
    path("accountability/", include("dangjian.accountability.urls")),
    path("stations/", include("dangjian.stations.urls")),
    path("weekly/", include("dangjian.weekly.urls")),
    path("problems/", include("dangjian.problems.urls")),
    path("opinions/", include("dangjian.opinions.urls")),
    # Residents' opinions: public and short, since its address is printed under each village's QR code.
    path("y/<str:token>/", OpinionPublicView.as_view(), name="opinion_public"),
    path("inspections/", include("dangjian.inspections.urls")),
    path("partylife/", include("dangjian.partylife.urls")),
    # The residents' survey: public and short, since its address is printed under each QR code.
    path("s/<str:token>/", SurveyAnswerView.as_view(), name="survey_answer"),
    path("sheets/", include("dangjian.sheets.urls")),
    path("users/", include("dangjian.accounts.admin_urls")),
    path("audit/", include("dangjian.core.audit_urls")),
    path("notifications/", include("dangjian.cadence.urls")),
    path("api/", include("dangjian.api_urls")),
    # For load balancers and monitoring: public, JSON, no personal data (server/health.py).
    path("healthz", HealthView.as_view(), name="healthz"),
]

handler400 = "dangjian.core.views.bad_request"
handler404 = "dangjian.core.views.not_found"
handler500 = "dangjian.core.views.server_error"
