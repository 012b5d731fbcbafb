from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import OrgFilterSet
from ..models import Organization
from .serializers import OrgDetailSerializer, OrgSerializer


class OrgViewSet(ScopedReadOnlyViewSet):
    """Organizations in the caller's scope. Filter by code, parent, domain, kind, level; `search` by name."""

    queryset = Organization.objects.select_related("system_parent").order_by("path")
    filterset_class = OrgFilterSet
    search_fields = ["name", "=code"]

    def get_serializer_class(self):
        return OrgDetailSerializer if self.action == "retrieve" else OrgSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("posts")
        return qs
