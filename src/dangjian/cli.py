"""The `dangjian` console command: Django's management commands plus the product's own (demo, serve, gen)."""

import os
import sys

from dangjian.core.files import private_by_default, tighten


def main() -> None:
    # Before anything is written: the database SQLite creates on first use, uploads, keys and backups are private.
    private_by_default()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        tighten(settings.DATA_DIR)  # an installation from before, with world-readable files
    except ImproperlyConfigured:
        pass  # a bad setting: the command below reports it in its own words

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `dangjian setup-admins` runs the setup_admins command
    execute_from_command_line([sys.argv[0], *args])


if __name__ == "__main__":
    main()
