"""WSGI entry point, for servers that speak only WSGI (live updates need ASGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.settings")
application = get_wsgi_application()
