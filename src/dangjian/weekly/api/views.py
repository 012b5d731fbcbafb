"""The weekly API: arrangements, village reports and station reports in the caller's scope, filtered by `week` and
`org_code`. Out of scope answers 404, as for a missing row (`ScopedReadOnlyViewSet`)."""

from django.db.models import Prefetch

from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import ArrangementFilterSet, StationReportFilterSet, VillageReportFilterSet
from ..models import Arrangement, ReportLine, StationReport, StationReportLine, VillageReport
from .serializers import ArrangementSerializer, StationReportSerializer, VillageReportSerializer


class ArrangementViewSet(ScopedReadOnlyViewSet):
    """周工作安排表 (镇→站 and 站→村) with their items."""

    queryset = Arrangement.objects.select_related("town", "station").prefetch_related("items").order_by("-week", "id")
    serializer_class = ArrangementSerializer
    filterset_class = ArrangementFilterSet


class VillageReportViewSet(ScopedReadOnlyViewSet):
    """村→站 完成情况表 with each item's answer."""

    queryset = (
        VillageReport.objects.select_related("village", "arrangement__station")
        .prefetch_related(
            Prefetch("lines", queryset=ReportLine.objects.select_related("item").prefetch_related("photos"))
        )
        .order_by("-arrangement__week", "village__path")
    )
    serializer_class = VillageReportSerializer
    filterset_class = VillageReportFilterSet


class StationReportViewSet(ScopedReadOnlyViewSet):
    """站→镇 完成情况表 with each item's counts."""

    queryset = (
        StationReport.objects.select_related("arrangement__station", "arrangement__town")
        .prefetch_related(Prefetch("lines", queryset=StationReportLine.objects.select_related("item")))
        .order_by("-arrangement__week", "arrangement__station__code")
    )
    serializer_class = StationReportSerializer
    filterset_class = StationReportFilterSet
