"""The rectification API: cases in the caller's scope, and one case with its plan, supporters, funds, ledger and
history. Out of scope answers 404, as for a missing case (`ScopedReadOnlyViewSet`)."""

from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core.api import ScopedReadOnlyViewSet

from ..models import Case, CaseEvent, Fund, LedgerEntry, Measure, MeasureStatus
from .filtersets import CaseFilterSet
from .serializers import CaseDetailSerializer, CaseSerializer


def with_progress(cases, today):
    """Measures total/done/overdue and the funds' total on each case, in the one query of the list."""
    funds = Fund.objects.filter(case=OuterRef("pk")).values("case").annotate(total=Sum("amount")).values("total")
    money = DecimalField(max_digits=14, decimal_places=2)
    return cases.annotate(
        measures_total=Count("measures", distinct=True),
        measures_done=Count("measures", filter=Q(measures__status=MeasureStatus.DONE), distinct=True),
        measures_overdue=Count(
            "measures", filter=Q(measures__status=MeasureStatus.OPEN, measures__deadline__lt=today), distinct=True
        ),
        funds_total=Coalesce(Subquery(funds, output_field=money), Value(Decimal("0"), output_field=money)),
    )


class CaseViewSet(ScopedReadOnlyViewSet):
    """Rectification cases (整顿案件) in the caller's scope. Filter by `year`, `status`, `kind`, `overdue`,
    `org_code` (the organization and those below it), `assessment`; `search` by organization name."""

    queryset = Case.objects.select_related("org").order_by("-year", "org__path")
    filterset_class = CaseFilterSet
    search_fields = ["org__name", "=org__code"]

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_queryset(self):
        qs = with_progress(super().get_queryset(), timezone.localdate())
        if self.action == "retrieve":
            entries = LedgerEntry.objects.select_related("author").prefetch_related("files")
            qs = qs.select_related("org__parent").prefetch_related(
                Prefetch("measures", queryset=Measure.objects.prefetch_related(Prefetch("entries", queryset=entries))),
                "supporters",
                "funds",
                Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
            )
        return qs
