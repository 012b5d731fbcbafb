from rest_framework import serializers

from ..models import Proposal, Record


class RecordSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    blocks = serializers.BooleanField(read_only=True, help_text="当年不得提拔、表彰")

    class Meta:
        model = Record
        fields = [
            "id",
            "org",
            "org_code",
            "org_name",
            "workstation",
            "person_name",
            "person_post",
            "kind",
            "kind_display",
            "date",
            "year",
            "reason",
            "for_party_duty",
            "blocks",
            "case",
            "assessment",
            "recorded_at",
        ]


class ProposalSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    rule_display = serializers.CharField(source="get_rule_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "rule",
            "rule_display",
            "org",
            "org_code",
            "org_name",
            "workstation",
            "person_name",
            "person_post",
            "kind",
            "kind_display",
            "year",
            "reason",
            "assessment",
            "case",
            "status",
            "status_display",
            "decision_reason",
            "decided_at",
            "record",
            "created_at",
        ]
