"""Read-only API of the responsibility lists: duty items and their dated tasks, within the caller's scope."""

from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import DutyItemFilterSet, DutyTaskFilterSet
from ..models import DutyItem, DutyTask
from .serializers import DutyItemSerializer, DutyTaskSerializer


class DutyItemViewSet(ScopedReadOnlyViewSet):
    """责任清单条目. Filter by `org_code` (with its subtree), `post`, `frequency`, `q` (holder)."""

    queryset = DutyItem.objects.filter(active=True).select_related("org").order_by("org__path", "post", "id")
    serializer_class = DutyItemSerializer
    filterset_class = DutyItemFilterSet


class DutyTaskViewSet(ScopedReadOnlyViewSet):
    """责任任务. Filter by `org_code` (with its subtree), `post`, `year`, `status`, `overdue`, `q` (holder)."""

    queryset = DutyTask.objects.select_related("org", "item").order_by("due_on", "id")
    serializer_class = DutyTaskSerializer
    filterset_class = DutyTaskFilterSet
