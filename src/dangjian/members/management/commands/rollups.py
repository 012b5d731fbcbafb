"""`dangjian rollups`: check the roll-ups (`orgs.tally`) against a recount of the register, or rebuild them."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangjian.members import rollups
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "核对（--check）或重建（--rebuild）组织汇总数：各组织及其下级的组织数、党员数。"

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="与重新统计的结果逐项核对，不一致时退出码为 1")
        group.add_argument("--rebuild", action="store_true", help="按重新统计的结果重建全部汇总数")

    def handle(self, *args, check, rebuild, **options):
        if rebuild:
            with transaction.atomic():
                rows = rollups.rebuild()
            self.stdout.write(self.style.SUCCESS(f"已重建组织汇总数 {rows} 项。"))
            return
        diffs = rollups.differences()
        if not diffs:
            self.stdout.write(self.style.SUCCESS("组织汇总数与重新统计的结果一致。"))
            return
        names = dict(Organization.objects.filter(pk__in={d[0] for d in diffs[:50]}).values_list("pk", "name"))
        for org_id, key, have, want in diffs[:50]:
            self.stdout.write(f"{names.get(org_id, org_id)}（{org_id}）{key}：汇总 {have}，实际 {want}")
        raise CommandError(f"组织汇总数有 {len(diffs)} 项与实际不一致；可运行 dangjian rollups --rebuild 重建。")
