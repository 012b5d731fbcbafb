"""What the station API shows: each station with its town, the villages it covers and its people. Read-only."""

from rest_framework import serializers

from dangjian.orgs.models import Organization, Workstation

from ..models import StationStaff


class VillageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name"]


class StaffSerializer(serializers.ModelSerializer):
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = StationStaff
        fields = ["name", "post", "post_display", "full_time", "source", "source_display", "since"]


class StationSerializer(serializers.ModelSerializer):
    town_code = serializers.CharField(source="town.code", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    villages = VillageSerializer(many=True, read_only=True)
    staff = StaffSerializer(many=True, read_only=True)

    class Meta:
        model = Workstation
        fields = [
            "id",
            "code",
            "name",
            "town_code",
            "town_name",
            "villages",
            "chief_name",
            "fulltime_staff",
            "parttime_staff",
            "staff",
            "retired_on",
        ]
