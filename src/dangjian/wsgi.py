"""WSGI entry point for production servers."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from dangjian.core.files import private_by_default, tighten

# Whatever server imports this (waitress through `dangjian serve`, gunicorn, uWSGI): what it writes is private.
private_by_default()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
application = get_wsgi_application()
tighten(settings.DATA_DIR)
