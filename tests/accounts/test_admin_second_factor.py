"""The admin asks for the same second factor as the console: a user with an authenticator (or whose role
requires one) who gave only the password reaches no admin page, the authenticator devices above all, nor
either password change page."""

from urllib.parse import unquote

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from civic311.accounts.models import RolePolicy
from tests.console.conftest import PASSWORD, make_staff
from tests.console.test_sign_in import code_for, sign_in

ADMIN_PAGES = [
    "/admin/",
    "/admin/auth/user/",
    "/admin/otp_totp/totpdevice/",
    "/admin/accounts/apikey/",
    "/admin/accounts/rolepolicy/",
    "/admin/password_change/",
]


def lands_on(client, page: str, method: str = "get", **data) -> str:
    """Where the browser ends up after the redirects: path?query (decoded: the test client re-encodes)."""
    response = getattr(client, method)(page, data, follow=True)
    return f"{response.request['PATH_INFO']}?{unquote(response.request['QUERY_STRING'])}"


@pytest.fixture
def ada(city):
    return make_staff("ada", "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def ada_device(ada):
    return TOTPDevice.objects.create(user=ada, name="phone", confirmed=True)


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_the_password_alone_opens_no_admin_page_to_a_user_with_an_authenticator(client, ada_device, page):
    sign_in(client, "ada", next_url="/admin/")
    assert lands_on(client, page) == f"/staff/verify/?next={page}"


def test_the_authenticator_cannot_be_deleted_with_the_password_alone(client, ada_device):
    sign_in(client, "ada", next_url="/admin/")
    url = f"/admin/otp_totp/totpdevice/{ada_device.pk}/delete/"
    assert lands_on(client, url, "post", post="yes").startswith("/staff/verify/?next=")
    assert TOTPDevice.objects.filter(pk=ada_device.pk).exists()


def test_after_the_code_the_admin_opens(client, ada_device):
    sign_in(client, "ada", next_url="/admin/")
    verified = client.post("/staff/verify/", {"code": code_for(ada_device), "next": "/admin/"})
    assert verified.status_code == 302 and verified["Location"] == "/admin/"
    for page in ADMIN_PAGES:
        assert client.get(page).status_code == 200, page


def test_a_role_that_requires_an_authenticator_must_set_one_up_before_the_admin(client, ada):
    RolePolicy.objects.create(role="admin", require_totp=True)
    sign_in(client, "ada", next_url="/admin/")
    assert lands_on(client, "/admin/auth/user/") == "/staff/totp/setup/?"


def test_without_an_authenticator_or_a_policy_the_password_is_enough_as_before(client, ada):
    sign_in(client, "ada", next_url="/admin/")
    assert client.get("/admin/").status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_console_sign_in(client, db):
    assert lands_on(client, "/admin/auth/user/") == "/staff/login/?next=/admin/auth/user/"


def test_the_consoles_password_change_asks_for_the_code_too(client, city):
    bob = make_staff("bob", "staff", city.streets)
    TOTPDevice.objects.create(user=bob, name="phone", confirmed=True)
    sign_in(client, "bob")
    new = "violet elephants dance at noon"
    response = client.post(
        "/staff/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302 and response["Location"].startswith("/staff/verify/")
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)
