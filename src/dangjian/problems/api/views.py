"""Read-only problem API within the caller's scope; every change goes through the pages and their services."""

from django.utils import timezone

from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import ProblemFilterSet
from ..models import Problem
from .serializers import ProblemSerializer


class ProblemViewSet(ScopedReadOnlyViewSet):
    """问题清单. Filter by `level`, `status`, `category`, `source`, `overdue`, `org_code` (with its subtree), `year`,
    `q` (problem or owner)."""

    queryset = Problem.objects.select_related("org", "responsible_org").order_by("-recorded_on", "-id")
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilterSet

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}
