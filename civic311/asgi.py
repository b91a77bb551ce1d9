"""ASGI entry point: `uvicorn civic311.asgi:application` (what `civic311 serve` runs)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.settings")
application = get_asgi_application()
