"""What the weekly API shows: arrangements with their items, village reports with their answers, station reports
with their counts. Read-only: every change goes through the pages and their services."""

from django.urls import reverse
from rest_framework import serializers

from ..models import Arrangement, Item, LinePhoto, ReportLine, StationReport, StationReportLine, VillageReport


class ItemSerializer(serializers.ModelSerializer):
    relayed = serializers.BooleanField(source="source_id", read_only=True, label="转发镇党委安排")

    class Meta:
        model = Item
        fields = ["id", "seq", "title", "target", "due", "relayed", "by_station"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["relayed"] = instance.source_id is not None
        return data


class ArrangementSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    town_code = serializers.CharField(source="town.code", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True, default="")
    station_name = serializers.CharField(source="station.name", read_only=True, default="")
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = Arrangement
        fields = [
            "id",
            "level",
            "level_display",
            "week",
            "town_code",
            "town_name",
            "station_code",
            "station_name",
            "source",
            "note",
            "published_at",
            "report_due",
            "items",
        ]


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = LinePhoto
        fields = ["id", "original_name", "url"]

    def get_url(self, obj: LinePhoto) -> str:
        return reverse("weekly:photo", args=[obj.pk])


class ReportLineSerializer(serializers.ModelSerializer):
    seq = serializers.IntegerField(source="item.seq", read_only=True)
    title = serializers.CharField(source="item.title", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = ReportLine
        fields = ["item", "seq", "title", "status", "status_display", "note", "photos"]


class VillageReportSerializer(serializers.ModelSerializer):
    week = serializers.DateField(source="arrangement.week", read_only=True)
    village_code = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    station_code = serializers.CharField(source="arrangement.station.code", read_only=True)
    on_time = serializers.SerializerMethodField()
    lines = ReportLineSerializer(many=True, read_only=True)

    class Meta:
        model = VillageReport
        fields = [
            "id",
            "arrangement",
            "week",
            "village_code",
            "village_name",
            "station_code",
            "submitted_at",
            "on_time",
            "note",
            "lines",
        ]

    def get_on_time(self, obj: VillageReport) -> bool | None:
        """Sent before the Friday deadline; null while unsent."""
        return None if obj.submitted_at is None else obj.submitted_at < obj.arrangement.report_due


class StationLineSerializer(serializers.ModelSerializer):
    seq = serializers.IntegerField(source="item.seq", read_only=True)
    title = serializers.CharField(source="item.title", read_only=True)
    by_station = serializers.BooleanField(source="item.by_station", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = StationReportLine
        fields = [
            "item",
            "seq",
            "title",
            "by_station",
            "status",
            "status_display",
            "done",
            "partly",
            "not_done",
            "missing",
            "note",
        ]


class StationReportSerializer(serializers.ModelSerializer):
    week = serializers.DateField(source="arrangement.week", read_only=True)
    station_code = serializers.CharField(source="arrangement.station.code", read_only=True)
    station_name = serializers.CharField(source="arrangement.station.name", read_only=True)
    town_code = serializers.CharField(source="arrangement.town.code", read_only=True)
    on_time = serializers.SerializerMethodField()
    lines = StationLineSerializer(many=True, read_only=True)

    class Meta:
        model = StationReport
        fields = [
            "id",
            "arrangement",
            "week",
            "station_code",
            "station_name",
            "town_code",
            "submitted_at",
            "on_time",
            "note",
            "lines",
        ]

    def get_on_time(self, obj: StationReport) -> bool:
        return obj.submitted_at < obj.arrangement.report_due
