from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import MemberFilterSet
from ..models import Member
from .serializers import MemberSerializer


class MemberViewSet(ScopedReadOnlyViewSet):
    """Members in the caller's scope. Filter by organization (with its subtree), status, flags; `search` by name."""

    queryset = Member.objects.select_related("org").order_by("org_id", "id")
    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    search_fields = ["name"]
