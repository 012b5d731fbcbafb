"""The station API: stations the caller sees (its town's, or its own as a station account), with their coverage and
people. Out of scope answers 404, as for a missing station (`ScopedReadOnlyViewSet`)."""

from dangjian.core.api import ScopedReadOnlyViewSet
from dangjian.orgs.models import Workstation

from ..filtersets import StationFilterSet
from .serializers import StationSerializer


class StationViewSet(ScopedReadOnlyViewSet):
    """党建工作站. Filter by `org_code` (a town or an organization above it), `active`; `search` by name or code."""

    queryset = Workstation.objects.select_related("town").prefetch_related("villages", "staff").order_by("code")
    serializer_class = StationSerializer
    filterset_class = StationFilterSet
    search_fields = ["name", "=code"]
