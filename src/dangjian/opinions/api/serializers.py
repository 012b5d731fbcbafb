"""What the opinion API shows: the opinion, its category, how it was handled; the contact only masked."""

from rest_framework import serializers

from ..models import Opinion


class OpinionSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    contact = serializers.CharField(source="contact_masked", read_only=True, help_text="联系方式（已脱敏）")
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)

    class Meta:
        model = Opinion
        fields = [
            "id",
            "date",
            "org_code",
            "org_name",
            "text",
            "contact",
            "category",
            "category_display",
            "confirmed",
            "suggested",
            "channel",
            "channel_display",
            "duplicate_of",
            "problem",
            "reply",
            "replied_on",
        ]
