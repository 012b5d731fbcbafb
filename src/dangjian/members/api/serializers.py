from rest_framework import serializers

from ..models import Member


class MemberSerializer(serializers.ModelSerializer):
    """Sensitive fields leave masked, unless the view put `unmask` in the context (permission checked, audited)."""

    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "ethnicity",
            "education",
            "id_number",
            "phone",
            "org",
            "org_code",
            "org_name",
            "status",
            "status_display",
            "join_date",
            "full_date",
            "is_mobile",
            "mobile_destination",
            "is_untransferred",
            "is_retired",
            "job",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("unmask"):
            data["id_number"] = instance.id_number
            data["phone"] = instance.phone
        return data
