"""Read-only accountability API: records and proposals within the caller's scope."""

from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import ProposalFilterSet, RecordFilterSet
from ..models import Proposal, Record
from .serializers import ProposalSerializer, RecordSerializer


class RecordViewSet(ScopedReadOnlyViewSet):
    """约谈、诫勉谈话、免职 records. Filter by `year`, `kind`, `org_code` (with its subtree), `q` (name)."""

    queryset = Record.objects.select_related("org").order_by("-date", "-id")
    serializer_class = RecordSerializer
    filterset_class = RecordFilterSet
    search_fields = ["person_name"]


class ProposalViewSet(ScopedReadOnlyViewSet):
    """Proposals made by the rules. Filter by `year`, `status`, `rule`, `org_code` (with its subtree), `q` (name)."""

    queryset = Proposal.objects.select_related("org").order_by("-year", "-id")
    serializer_class = ProposalSerializer
    filterset_class = ProposalFilterSet
    search_fields = ["person_name"]
