"""ASGI entry point: `uvicorn civic311.asgi:application` (what `civic311 serve` runs)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.settings")
django.setup(set_prefix=False)

from civic311.server.handler import Civic311ASGIHandler  # noqa: E402  (after setup: it loads middleware)

application = Civic311ASGIHandler()
