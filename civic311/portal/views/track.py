"""portal: track"""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
