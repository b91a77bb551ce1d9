"""The start page: report a problem, find a request by its number, see what is reported nearby."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from civic311.catalog.models import Jurisdiction, Service
from civic311.open311.queries import public_requests
from civic311.servicerequests.choices import OPEN


def home(request: HttpRequest) -> HttpResponse:
    jurisdiction = Jurisdiction.objects.default()
    context: dict[str, object] = {"jurisdiction": jurisdiction}
    if jurisdiction is not None:
        context["open_count"] = public_requests(jurisdiction).filter(status=OPEN).count()
        context["service_count"] = Service.objects.filter(jurisdiction=jurisdiction).offered().count()
    return render(request, "portal/home.html", context)


urlpatterns: list[URLPattern] = [path("", home, name="home")]
