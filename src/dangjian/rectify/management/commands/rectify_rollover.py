"""`dangjian rectify_rollover --year 2026`: cases of the year not closed roll into the next year (结转).

Idempotent, so it can run at every year's end (or again after a failure) without opening a case twice."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.rectify.services import roll_over


class Command(BaseCommand):
    help = "将某年度未销号的整顿案件结转到下一年度（带入未完成措施和包扶责任人）；已结转的不会重复。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="结转哪一年度的案件，例如 2026")

    def handle(self, *args, year, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度应在 2000 到 2100 之间，而不是 {year}。")
        rolled = roll_over(year, actor=None)
        self.stdout.write(f"{year} 年度未销号案件结转 {len(rolled)} 个至 {year + 1} 年度。")
        for case in rolled:
            self.stdout.write(f"  {case.org.code} {case.org.name}")
