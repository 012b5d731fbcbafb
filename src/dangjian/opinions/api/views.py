"""Read-only opinion API within the caller's scope; the resident's contact is masked."""

from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import OpinionFilterSet
from ..models import Opinion
from .serializers import OpinionSerializer


class OpinionViewSet(ScopedReadOnlyViewSet):
    """群众意见. Filter by `category`, `channel`, `state`, `org_code` (with its subtree), `year`, `q` (text)."""

    queryset = Opinion.objects.select_related("org").order_by("-date", "-id")
    serializer_class = OpinionSerializer
    filterset_class = OpinionFilterSet
