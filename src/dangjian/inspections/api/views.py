"""The inspection API, read-only and scoped: draws with their commitment (and, for those who may see every target,
the reveal and all targets), visits with each item's result, findings with their follow-up. Out of scope, and a
pending target of one's own organization, answer 404 like a missing object."""

from django.db.models import Prefetch

from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import DrawFilterSet, FindingFilterSet, VisitFilterSet
from ..models import Draw, Finding, Visit, VisitItem
from .serializers import DrawDetailSerializer, DrawSerializer, FindingSerializer, VisitSerializer


class DrawViewSet(ScopedReadOnlyViewSet):
    """Random draws (随机抽取). Filter by `year`, `status`, `purpose`, `org_code`; `search` by title."""

    queryset = Draw.objects.select_related("org").order_by("-draw_at", "-id")
    filterset_class = DrawFilterSet
    search_fields = ["title"]

    def get_serializer_class(self):
        return DrawDetailSerializer if self.action == "retrieve" else DrawSerializer


class VisitViewSet(ScopedReadOnlyViewSet):
    """Visits (督导检查记录) with each checklist item's result. Filter by `year`, `org_code`."""

    queryset = (
        Visit.objects.select_related("target__draw", "target__org")
        .prefetch_related(Prefetch("items", queryset=VisitItem.objects.order_by("id")))
        .order_by("-visited_on", "-id")
    )
    filterset_class = VisitFilterSet
    serializer_class = VisitSerializer
    search_fields = ["target__label"]


class FindingViewSet(ScopedReadOnlyViewSet):
    """Findings (督导发现问题) and their follow-up. Filter by `year`, `status` (pending/open/fixed), `org_code`."""

    queryset = Finding.objects.select_related("org", "visit", "measure", "case").order_by("-year", "org__path", "id")
    filterset_class = FindingFilterSet
    serializer_class = FindingSerializer
    search_fields = ["title", "org__name"]
