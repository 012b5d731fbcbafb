from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.core.scope import path_in_scope

from ..models import CommitteePost, Organization


class CommitteePostSerializer(serializers.ModelSerializer):
    post_display = serializers.CharField(source="get_post_display", read_only=True)

    class Meta:
        model = CommitteePost
        fields = ["post", "post_display", "holder_name", "full_time", "since"]


class OrgSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    domain_display = serializers.CharField(source="get_domain_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    election_due = serializers.DateField(read_only=True, allow_null=True, label="应换届日期")
    system_parent = serializers.SerializerMethodField(label="业务上级（条）")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "kind_display",
            "domain",
            "domain_display",
            "level",
            "level_display",
            "parent",
            "depth",
            "established",
            "term_start",
            "term_years",
            "election_due",
            "committee_seats",
            "staff_total",
            "party_staff_fulltime",
            "party_staff_parttime",
            "unit_count",
            "has_discipline_committee",
            "address",
            "system",
            "system_tier",
            "system_parent",
        ]

    @extend_schema_field({"type": "integer", "nullable": True, "description": "数据范围外的业务上级为 null"})
    def get_system_parent(self, org: Organization) -> int | None:
        """The business-line parent's id only when it is in the caller's scope, as the organization page shows it:
        a unit in scope may answer to a bureau outside it, whose id would tell that organization exists."""
        if not org.system_parent_id:
            return None
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return org.system_parent_id if path_in_scope(user, org.system_parent.path) else None


class OrgDetailSerializer(OrgSerializer):
    posts = CommitteePostSerializer(many=True, read_only=True)

    class Meta(OrgSerializer.Meta):
        fields = [*OrgSerializer.Meta.fields, "posts"]
