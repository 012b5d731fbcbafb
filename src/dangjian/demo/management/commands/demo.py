"""`dangjian demo`: a ready-to-try installation with the demo region, demo logins and a running server."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from dangjian.core.files import private_dir, write_private
from dangjian.demo.build import build_demo, summarize
from dangjian.demo.users import DEMO_PASSWORD, ensure_demo_users
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "建立演示环境：迁移数据库、加载演示数据（仅在没有组织时）、创建演示账号并启动服务。"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000")

    def handle(self, *args, no_serve, host, port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if Organization.objects.exists():
            self.stdout.write("数据库中已有组织，保留现有数据。 Existing data kept.")
            summary = summarize()
        else:
            self.stdout.write("正在加载演示数据…… Loading demo data...")
            summary = build_demo()
        for line in summary.lines():
            self.stdout.write(line)
        users = ensure_demo_users()
        write_private(private_dir(settings.DATA_DIR) / "demo-installation", "dangjian demo\n")
        settings.DEMO_MODE = True  # settings read the marker at start-up; this process started before it
        call_command("collectstatic", interactive=False, verbosity=0)

        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only for display
        self.stdout.write(self.style.SUCCESS(f"\n演示地址 / Demo URL: http://{shown_host}:{port}/"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}） / Demo logins (password {DEMO_PASSWORD}):")
        for username, org_name, description in users:
            self.stdout.write(f"  {username:<12} {description} — {org_name}")
        if not no_serve:
            call_command("serve", host=host, port=port)
