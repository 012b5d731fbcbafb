from rest_framework import serializers

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
    election_due = serializers.DateField(read_only=True)

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


class OrgDetailSerializer(OrgSerializer):
    posts = CommitteePostSerializer(many=True, read_only=True)

    class Meta(OrgSerializer.Meta):
        fields = [*OrgSerializer.Meta.fields, "posts"]
