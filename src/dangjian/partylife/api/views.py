"""Read-only API of party records: meetings with attendance, and the development pipeline, within the caller's
scope."""

from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import ApplicantFilterSet, MeetingFilterSet
from ..models import Applicant, Meeting
from .serializers import ApplicantSerializer, MeetingSerializer


class MeetingViewSet(ScopedReadOnlyViewSet):
    """组织生活记录. Filter by `year`, `month`, `kind`, `org_code` (with its subtree)."""

    queryset = Meeting.objects.select_related("org").prefetch_related("attendance", "photos").order_by("-date", "-id")
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    search_fields = ["topic"]


class ApplicantViewSet(ScopedReadOnlyViewSet):
    """发展党员: each person with their stage and dated steps. Filter by `stage`, `org_code` (with its subtree),
    `q` (name)."""

    queryset = (
        Applicant.objects.select_related("org").prefetch_related("steps").order_by("org__path", "applied_on", "id")
    )
    serializer_class = ApplicantSerializer
    filterset_class = ApplicantFilterSet
    search_fields = ["name"]
