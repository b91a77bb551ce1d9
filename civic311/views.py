"""The landing page, until the resident app takes over `/`."""

from django.shortcuts import render

from civic311.catalog.models import Jurisdiction, Service
from civic311.open311.queries import public_requests
from civic311.servicerequests.choices import OPEN


def home(request):
    jurisdiction = Jurisdiction.objects.default()
    context: dict[str, object] = {"jurisdiction": jurisdiction}
    if jurisdiction is not None:
        context["open_count"] = public_requests(jurisdiction).filter(status=OPEN).count()
        context["service_count"] = Service.objects.filter(jurisdiction=jurisdiction).offered().count()
    return render(request, "home.html", context)
