"""Read-only API of dues, within the caller's scope: per member and month the base (only for callers who may see
bases), the rate, the amount due and what was paid."""

import datetime

from django.utils import timezone
from rest_framework.response import Response

from dangjian.core.api import ScopedReadOnlyViewSet
from dangjian.core.params import int_param
from dangjian.members.models import Member

from ..filtersets import DuesMemberFilterSet
from ..ledger import Ledger, add_months, month_start
from ..rollup import ARREARS_WINDOW
from .serializers import DuesMemberSerializer


class DuesViewSet(ScopedReadOnlyViewSet):
    """党费: each member with the months of `year` (default this year): base, rate, due, paid. Filter by `org_code`
    (with its subtree), `search` (name)."""

    queryset = Member.objects.select_related("org").order_by("org__path", "name", "id")
    serializer_class = DuesMemberSerializer
    filterset_class = DuesMemberFilterSet
    search_fields = ["name"]

    def ledgers(self, members) -> dict:
        today = timezone.localdate()
        year = int_param(self.request.query_params, "year", today.year, minimum=2008, maximum=today.year)
        window = add_months(month_start(today), -ARREARS_WINDOW + 1)
        return {
            "ledger": Ledger(members, datetime.date(year, 1, 1), datetime.date(year, 12, 1), today),
            "arrears": Ledger(members, window, today, today),
        }

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        members = list(page if page is not None else queryset)
        context = self.get_serializer_context() | self.ledgers(members)
        data = DuesMemberSerializer(members, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        context = self.get_serializer_context() | self.ledgers([member])
        return Response(DuesMemberSerializer(member, context=context).data)
