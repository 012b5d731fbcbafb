"""Read-only API of 党建+ projects and resources, within the caller's scope."""

from dangjian.core.api import ScopedReadOnlyViewSet

from ..checklists import Checklists
from ..filtersets import FundFilterSet, ProjectFilterSet, TrainingFilterSet, VenueFilterSet
from ..models import Fund, Project, Training, Venue
from .serializers import ProjectSerializer, ResourceFundSerializer, TrainingSerializer, VenueSerializer


class ProjectViewSet(ScopedReadOnlyViewSet):
    """党建+项目 with milestones. Filter by `year`, `category`, `org_code` (with its subtree)."""

    queryset = (
        Project.objects.select_related("org")
        .prefetch_related("milestones", "members", "evidence")
        .order_by("-year", "org__path", "id")
    )
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    search_fields = ["title"]


class VenueViewSet(ScopedReadOnlyViewSet):
    """阵地 (activity venues, 党群服务中心, 党代表联络工作室) with the "十有" items met.
    Filter by `kind`, `org_code`."""

    queryset = Venue.objects.select_related("org").order_by("org__path", "kind", "id")
    serializer_class = VenueSerializer
    filterset_class = VenueFilterSet
    search_fields = ["name"]

    def get_serializer_context(self):
        return super().get_serializer_context() | {"checklists": Checklists()}


class TrainingViewSet(ScopedReadOnlyViewSet):
    """培训班次 with attendance. Filter by `year`, `org_code`."""

    queryset = Training.objects.select_related("org").prefetch_related("members").order_by("-date", "-id")
    serializer_class = TrainingSerializer
    filterset_class = TrainingFilterSet
    search_fields = ["title"]


class FundViewSet(ScopedReadOnlyViewSet):
    """党建经费 by source, budgeted and spent (fen). Filter by `year`, `source`, `org_code`."""

    queryset = Fund.objects.select_related("org").order_by("-year", "org__path", "id")
    serializer_class = ResourceFundSerializer
    filterset_class = FundFilterSet
    search_fields = ["purpose"]
