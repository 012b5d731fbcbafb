"""All URL patterns, listed explicitly."""

from django.urls import include, path

from dangjian.assess import urls as assess_urls
from dangjian.assess.survey_views import SurveyAnswerView
from dangjian.core.health_views import HealthView
from dangjian.flows import urls as flows_urls
from dangjian.opinions.public import OpinionPublicView
from dangjian.orgs import urls as orgs_urls
from dangjian.rulebook import urls as rulebook_urls


def app_with(urls, pages: list):
    """An app's own routes plus the pages of `dangjian.flows` that share its namespace (see flows/urls.py)."""
    return include(([*urls.urlpatterns, *pages], urls.app_name))


urlpatterns = [
    path("", include("dangjian.core.urls")),
    path("", include("dangjian.flows.urls")),  # the home page
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", app_with(orgs_urls, flows_urls.orgs_pages)),
    path("members/", include("dangjian.members.urls")),
    path("assess/", app_with(assess_urls, flows_urls.assess_pages)),
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
    path("resources/", include("dangjian.resources.urls")),
    path("dues/", include("dangjian.dues.urls")),
    # The residents' survey: public and short, since its address is printed under each QR code.
    path("s/<str:token>/", SurveyAnswerView.as_view(), name="survey_answer"),
    path("sheets/", include("dangjian.sheets.urls")),
    path("users/", include("dangjian.accounts.admin_urls")),
    path("audit/", include("dangjian.auditlog.urls")),
    path("notifications/", include("dangjian.cadence.urls")),
    path("api/", include("dangjian.api_urls")),
    path("rules/", app_with(rulebook_urls, flows_urls.rulebook_pages)),
    path("staffing/", include("dangjian.staffing.urls")),
    # For load balancers and monitoring: public, JSON, no personal data (core/health.py).
    path("healthz", HealthView.as_view(), name="healthz"),
    path("duties/", include("dangjian.responsibility.urls")),
    path("dashboards/", include((flows_urls.dashboards_pages, "dashboards"))),  # charts of a scope (flows)
]

handler400 = "dangjian.core.views.bad_request"
handler404 = "dangjian.core.views.not_found"
handler500 = "dangjian.core.views.server_error"
