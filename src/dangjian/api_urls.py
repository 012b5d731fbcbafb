"""REST API routes."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from dangjian.accountability.api.views import ProposalViewSet as AccountabilityProposalViewSet
from dangjian.accountability.api.views import RecordViewSet as AccountabilityRecordViewSet
from dangjian.accounts.api import ObtainTokenView, RevokeTokenView
from dangjian.assess.api.views import AssessmentViewSet, EntryCreateView, ResultViewSet, SchemeViewSet
from dangjian.core.ratelimit import LoginRateThrottle
from dangjian.dues.api.views import DuesViewSet
from dangjian.inspections.api.views import DrawViewSet, FindingViewSet, VisitViewSet
from dangjian.members.api.views import MemberViewSet
from dangjian.opinions.api.views import OpinionViewSet
from dangjian.orgs.api.views import OrgViewSet
from dangjian.partylife.api.views import ApplicantViewSet, MeetingViewSet
from dangjian.problems.api.views import ProblemViewSet
from dangjian.rectify.api.views import CaseViewSet
from dangjian.resources.api.views import FundViewSet, ProjectViewSet, TrainingViewSet, VenueViewSet
from dangjian.responsibility.api.views import DutyItemViewSet, DutyTaskViewSet
from dangjian.stations.api.views import StationViewSet
from dangjian.weekly.api.views import ArrangementViewSet, StationReportViewSet, VillageReportViewSet

router = DefaultRouter()
router.register("orgs", OrgViewSet, basename="org")
router.register("members", MemberViewSet, basename="member")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("cases", CaseViewSet, basename="case")
router.register("accountability/records", AccountabilityRecordViewSet, basename="accountability-record")
router.register("accountability/proposals", AccountabilityProposalViewSet, basename="accountability-proposal")
router.register("stations", StationViewSet, basename="station")
router.register("weekly/arrangements", ArrangementViewSet, basename="weekly-arrangement")
router.register("weekly/reports", VillageReportViewSet, basename="weekly-report")
router.register("weekly/station-reports", StationReportViewSet, basename="weekly-station-report")
router.register("problems", ProblemViewSet, basename="problem")
router.register("opinions", OpinionViewSet, basename="opinion")
router.register("inspections/draws", DrawViewSet, basename="inspection-draw")
router.register("inspections/visits", VisitViewSet, basename="inspection-visit")
router.register("inspections/findings", FindingViewSet, basename="inspection-finding")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("development", ApplicantViewSet, basename="applicant")
router.register("duties/items", DutyItemViewSet, basename="duty-item")
router.register("duties/tasks", DutyTaskViewSet, basename="duty-task")
router.register("projects", ProjectViewSet, basename="project")
router.register("venues", VenueViewSet, basename="venue")
router.register("trainings", TrainingViewSet, basename="training")
router.register("funds", FundViewSet, basename="fund")
router.register("dues", DuesViewSet, basename="dues")
results = ResultViewSet.as_view({"get": "list"})
result = ResultViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    # Attempts per address are limited apart from the lockout (dangjian.core.ratelimit).
    path("token/", ObtainTokenView.as_view(throttle_classes=[LoginRateThrottle]), name="api-token"),
    path("token/revoke/", RevokeTokenView.as_view(), name="api-token-revoke"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("assessments/<int:assessment_pk>/results/", results, name="assessment-results"),
    path("assessments/<int:assessment_pk>/results/<str:code>/", result, name="assessment-result"),
    path("assessments/<int:assessment_pk>/entries/", EntryCreateView.as_view(), name="assessment-entries"),
    path("", include(router.urls)),
]
