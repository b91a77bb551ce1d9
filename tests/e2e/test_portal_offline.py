"""Offline: the service worker shows the offline page when a page cannot be reached, and a report sent
while offline is kept on the device (IndexedDB) and sent once the connection is back, exactly once.

The drafts script is tested on a minimal form page of this test's own (served beside the real site by a
URLconf of this module), posting to an endpoint that answers as the report view's JSON mode does
(201 new / 200 same draft_key / 400 errors); the real report form has its own test below, which waits for
the report page to exist."""

import re
import threading

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.csrf import ensure_csrf_cookie
from playwright.sync_api import Page, expect

from civic311.servicerequests.models import ServiceRequest
from tests.e2e.a11y import axe_violations, describe
from tests.factories import INSIDE_WARD_1, CityFactory

FORM_PAGE = """{% extends "portal/base.html" %}{% block content %}
<h1>Test report</h1>
<form id="report-form" data-draft-form method="post" action="/__drafts__/submit"
      enctype="multipart/form-data">
  {% csrf_token %}<input type="hidden" name="draft_key" value="{{ key }}">
  <label for="description">Description</label><textarea id="description" name="description"></textarea>
  <label for="photo">Photo</label><input type="file" id="photo" name="photo">
  <button type="submit">Send</button>
</form>{% endblock %}"""


class FakeReports:
    """What the report view's JSON mode promises: one request per draft_key."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_key: dict[str, dict] = {}
        self.posts = 0
        self.unavailable = False

    def submit(self, request: HttpRequest) -> JsonResponse:
        if self.unavailable:
            return JsonResponse({"detail": "down for maintenance"}, status=503)
        with self.lock:
            self.posts += 1
            key = request.POST.get("draft_key", "")
            if not request.POST.get("description", "").strip():
                return JsonResponse({"errors": {"description": ["This field is required."]}}, status=400)
            if key in self.by_key:
                return JsonResponse(self.by_key[key]["answer"], status=200)
            number = f"TEST-{len(self.by_key) + 1}"
            photo = request.FILES.get("photo")
            self.by_key[key] = {
                "answer": {"service_request_id": number, "tracking_url": f"/track/{number}"},
                "description": request.POST["description"],
                "photo": photo.read() if photo else None,
                "accept": request.headers.get("Accept"),
            }
            return JsonResponse(self.by_key[key]["answer"], status=201)


REPORTS = FakeReports()


@ensure_csrf_cookie
def form_page(request: HttpRequest) -> HttpResponse:
    import uuid

    template = engines["django"].from_string(FORM_PAGE)
    return HttpResponse(template.render({"key": uuid.uuid4()}, request))


urlpatterns = [
    path("__drafts__/form", form_page),
    path("__drafts__/submit", lambda request: REPORTS.submit(request)),
    path("", include("civic311.urls")),
]


@pytest.fixture
def springfield(transactional_db):
    return CityFactory().build()


@pytest.fixture
def reports(settings, springfield):
    settings.ROOT_URLCONF = __name__
    REPORTS.__init__()
    return REPORTS


# Drafts put back on the device as they were saved, as if the page had reloaded before hearing the answer.
PUT_BACK = """(drafts) => new Promise((resolve, reject) => {
  const open = indexedDB.open(CivicDrafts.DB_NAME);
  open.onsuccess = () => {
    const tx = open.result.transaction("drafts", "readwrite");
    drafts.forEach((d) => tx.objectStore("drafts").put(d));
    tx.oncomplete = () => resolve(); tx.onerror = () => reject(tx.error);
  };
})"""


def drafts_on_device(page: Page) -> list[dict]:
    return page.evaluate(
        "() => CivicDrafts.list().then((all) => all.map((d) => ({key: d.key, state: d.state, "
        "names: d.entries.map((e) => e.name)})))"
    )


def wait_for_worker(page: Page) -> None:
    """Until the service worker is active and controls the page."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")


def test_a_report_sent_offline_is_kept_and_sent_once_back_online(page: Page, reports):
    page.goto("/__drafts__/form")
    key = page.locator("input[name=draft_key]").input_value()
    page.context.set_offline(True)
    page.get_by_label("Description").fill("Deep pothole by the school gate")
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "hole.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0fake jpeg"}]
    )
    page.get_by_role("button", name="Send").click()

    expect(page.locator("#draft-status")).to_contain_text("Saved on this device")
    drafts = drafts_on_device(page)
    assert [(d["key"], d["state"]) for d in drafts] == [(key, "waiting")]
    assert {"description", "photo", "draft_key", "csrfmiddlewaretoken"} <= set(drafts[0]["names"])
    assert reports.posts == 0

    page.context.set_offline(False)  # the `online` event sends it
    expect(page.locator("#draft-status")).to_contain_text("Its number is TEST-1")
    expect(page.get_by_role("link", name="Track it")).to_have_attribute("href", "/track/TEST-1")
    assert drafts_on_device(page) == []
    sent = reports.by_key[key]
    assert sent["description"] == "Deep pothole by the school gate"
    assert sent["photo"] == b"\xff\xd8\xff\xe0fake jpeg"
    assert sent["accept"] == "application/json"
    # The form on screen is ready for another report, under a new key.
    assert page.locator("input[name=draft_key]").input_value() != key


def test_a_draft_sent_again_after_a_reload_makes_no_second_request(page: Page, reports):
    page.goto("/__drafts__/form")
    page.context.set_offline(True)
    page.get_by_label("Description").fill("Streetlight out on Elm")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#draft-status")).to_contain_text("Saved on this device")
    saved = page.evaluate("() => CivicDrafts.list()")
    page.context.set_offline(False)
    expect(page.locator("#draft-status")).to_contain_text("Its number is TEST-1")

    # As if the page had reloaded before hearing the answer: the same draft is on the device again.
    page.evaluate(PUT_BACK, saved)
    page.reload()
    expect(page.locator("#draft-status")).to_contain_text("Its number is TEST-1")
    assert drafts_on_device(page) == []
    assert reports.posts >= 2  # sent again (by the page, and maybe by Background Sync too)
    assert len(reports.by_key) == 1


def test_a_draft_the_server_refuses_is_kept_and_shown_with_its_errors(page: Page, reports):
    page.goto("/__drafts__/form")
    page.context.set_offline(True)
    page.get_by_role("button", name="Send").click()  # no description
    expect(page.locator("#draft-status")).to_contain_text("Saved on this device")
    page.context.set_offline(False)
    alert = page.locator("#draft-status [role=alert]")
    expect(alert).to_contain_text("A saved report could not be sent")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    expect(alert).to_contain_text("Description: This field is required.")
    assert [d["state"] for d in drafts_on_device(page)] == ["invalid"]
    assert reports.by_key == {}
    # Put back in the form, corrected and sent online as usual.
    alert.get_by_role("button", name="Discard it").click()
    expect(alert).to_have_count(0)
    assert drafts_on_device(page) == []


def test_a_draft_is_tried_again_when_the_server_cannot_be_reached(page: Page, reports):
    page.goto("/__drafts__/form")
    page.context.set_offline(True)
    page.get_by_label("Description").fill("Graffiti on the bridge")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#draft-status")).to_contain_text("Saved on this device")
    # Online says the browser, but the server cannot take it: the draft stays for a later try.
    reports.unavailable = True
    page.context.set_offline(False)
    page.wait_for_function("() => CivicDrafts.list().then((all) => all.length === 1 && all[0].attempts >= 1)")
    assert reports.by_key == {}
    reports.unavailable = False
    page.evaluate("() => CivicDrafts.sendNow()")
    expect(page.locator("#draft-status")).to_contain_text("Its number is TEST-1")


def test_the_offline_page_is_shown_when_a_page_cannot_be_reached(page: Page, springfield):
    page.goto("/offline/")
    wait_for_worker(page)
    page.context.set_offline(True)
    page.goto("/track/NOT-CACHED")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")


def test_a_cached_page_of_the_app_shell_opens_offline(page: Page, springfield):
    page.goto("/")
    wait_for_worker(page)
    page.context.set_offline(True)
    page.goto("/offline/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    css = page.evaluate("() => fetch('/static/portal/portal.css').then((r) => r.status)")
    assert css == 200


def test_old_caches_are_deleted_when_a_new_worker_activates(page: Page, springfield):
    page.goto("/")
    wait_for_worker(page)
    page.evaluate("() => caches.open('civic311-shell-old').then((c) => c.put('/x', new Response('x')))")
    # A new worker version: the same script with a different version, as after a deployment.
    page.context.route(
        "**/sw.js",
        lambda route: route.fulfill(
            response=route.fetch(), body=route.fetch().text().replace("const PREFIX", "// v2\nconst PREFIX")
        ),
    )
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_function("() => caches.keys().then((names) => !names.includes('civic311-shell-old'))")
    names = page.evaluate("() => caches.keys()")
    assert names and all(name.startswith("civic311-") for name in names)


def test_the_real_report_form_sent_offline_makes_exactly_one_request(page: Page, springfield):
    page.goto("/report/")
    form = page.locator("form#report-form[data-draft-form]")
    expect(form).to_have_count(1)
    key = form.locator("input[name=draft_key]").input_value()
    page.get_by_text("Or give coordinates").click()
    page.get_by_label("Latitude").fill(str(INSIDE_WARD_1[0]))
    page.get_by_label("Longitude").fill(str(INSIDE_WARD_1[1]))
    page.get_by_label("Pothole in Street").check()
    page.get_by_label("Traffic lane").check()  # the service's question, loaded while online
    page.context.set_offline(True)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#draft-status")).to_contain_text("Saved on this device")
    assert [d["key"] for d in drafts_on_device(page)] == [key]
    assert ServiceRequest.objects.count() == 0
    saved = page.evaluate("() => CivicDrafts.list()")

    page.context.set_offline(False)
    expect(page.locator("#draft-status")).to_contain_text("Its number is SR")
    sr = ServiceRequest.objects.get()
    assert sr.service.service_code == "PHF" and sr.channel == "web"
    expect(page.get_by_role("link", name="Track it")).to_have_attribute(
        "href", re.compile(rf"/track/{sr.service_request_id}$")
    )

    # Sent again (a reload before the answer came, another tab): the same draft_key, the same request.
    page.evaluate(PUT_BACK, saved)
    page.reload()
    expect(page.locator("#draft-status")).to_contain_text(f"Its number is {sr.service_request_id}")
    assert drafts_on_device(page) == []
    assert ServiceRequest.objects.count() == 1


def test_a_step_of_the_real_form_offline_is_not_kept_as_a_report(page: Page, springfield):
    page.goto("/report/")
    page.context.set_offline(True)
    page.get_by_role("button", name="Continue").click()  # a step that asks the server, not a report
    expect(page.locator("#draft-status")).to_contain_text("this step needs a connection")
    assert drafts_on_device(page) == []


def test_a_report_whose_sending_fails_while_online_is_kept_by_the_worker(page: Page, springfield):
    """The browser thinks it is online, but the report does not reach the server: the service worker
    keeps the posted form as a draft and shows the offline page, which sends it once it can."""
    page.goto("/report/")
    wait_for_worker(page)
    key = page.locator("input[name=draft_key]").input_value()
    page.get_by_text("Or give coordinates").click()
    page.get_by_label("Latitude").fill(str(INSIDE_WARD_1[0]))
    page.get_by_label("Longitude").fill(str(INSIDE_WARD_1[1]))
    page.get_by_label("Pothole in Street").check()
    page.get_by_label("Traffic lane").check()

    def refuse_posts(route):
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.context.route("**/report/", refuse_posts)
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.locator("#draft-status")).to_contain_text("Saved on this device")
    assert [d["key"] for d in drafts_on_device(page)] == [key]
    assert ServiceRequest.objects.count() == 0

    page.context.unroute("**/report/")
    page.evaluate("() => CivicDrafts.sendNow()")
    expect(page.locator("#draft-status")).to_contain_text("Its number is SR")
    assert ServiceRequest.objects.count() == 1
    assert drafts_on_device(page) == []


def test_each_report_from_the_cached_report_page_gets_its_own_draft_key(page: Page, springfield):
    """Offline, the report page comes from the worker's cache, always with the draft_key it was cached
    with: the second report made from it must not pass for the first."""
    page.goto("/report/")
    wait_for_worker(page)
    page.context.set_offline(True)
    keys = []
    for text in ["Pothole by the school", "Another pothole, by the church"]:
        page.goto("/report/")  # from the cache
        expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem")
        page.wait_for_function("() => window.CivicDrafts !== undefined")
        page.get_by_label("Describe the problem").fill(text)
        page.get_by_role("button", name="Send report").click()
        expect(page.locator("#draft-status")).to_contain_text("Saved on this device")
        keys.append(page.locator("input[name=draft_key]").input_value())
    assert keys[0] != keys[1]
    assert sorted(d["key"] for d in drafts_on_device(page)) == sorted(keys)
