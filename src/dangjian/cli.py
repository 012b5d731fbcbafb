"""The `dangjian` console command: Django's management commands plus the product's own (demo, serve, gen)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `dangjian setup-admins` runs the setup_admins command
    execute_from_command_line([sys.argv[0], *args])


if __name__ == "__main__":
    main()
