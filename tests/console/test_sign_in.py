"""Signing in: the password form, lock-out after repeated failures, the second factor (TOTP)."""

import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from civic311.accounts.models import RolePolicy
from tests.console.conftest import PASSWORD


def sign_in(client, username, password=PASSWORD, next_url="/staff/"):
    return client.post(
        f"/staff/login/?next={next_url}", {"username": username, "password": password, "next": next_url}
    )


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_staff_sign_in_with_their_password(client, actors):
    response = sign_in(client, "bob")
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_wrong_password_is_refused(client, actors):
    response = sign_in(client, "bob", "wrong password")
    assert response.status_code == 200
    assert "enter a correct" in response.content.decode().lower()
    assert client.get("/staff/").status_code == 302


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, actors, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "bob", "guess")
    locked = sign_in(client, "bob")
    assert locked.status_code == 429
    assert "locked" in locked.content.decode().lower()
    assert client.get("/staff/").status_code == 302
    # Another account from the same address is not locked.
    assert sign_in(client, "carol").status_code == 302


def test_a_role_that_requires_totp_must_set_it_up_first(client, actors):
    RolePolicy.objects.create(role="supervisor", require_totp=True)
    sign_in(client, "carol")
    assert client.get("/staff/")["Location"] == "/staff/totp/setup/"
    page = client.get("/staff/totp/setup/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=actors["carol"], confirmed=False)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert client.post("/staff/totp/setup/", {"code": wrong}).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    confirmed = client.post("/staff/totp/setup/", {"code": code_for(device)})
    assert confirmed.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_user_with_totp_must_give_a_code_after_the_password(client, actors):
    device = TOTPDevice.objects.create(user=actors["bob"], name="phone", confirmed=True)
    sign_in(client, "bob")
    assert client.get("/staff/requests/x/")["Location"].startswith("/staff/verify/")
    wrong = client.post("/staff/verify/", {"code": "12345x"})
    assert wrong.status_code == 200 and client.get("/staff/").status_code == 302
    # The wrong code throttles the next attempt for a second (django-otp); a person waits, a test resets.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    right = client.post("/staff/verify/", {"code": code_for(device), "next": "/staff/"})
    assert right.status_code == 302 and right["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_the_admin_signs_in_through_the_console(client, actors):
    assert client.get("/admin/login/?next=/admin/")["Location"].startswith("/staff/login/")
    sign_in(client, "ada", next_url="/admin/")
    assert client.get("/admin/").status_code == 200


def test_a_user_without_staff_profile_is_refused(client, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("mallory", password=PASSWORD)
    sign_in(client, "mallory")
    assert client.get("/staff/").status_code == 403


@pytest.mark.parametrize("password", ["short", "password1234", "123456789012345", "bob@city.example"])
def test_weak_passwords_are_refused_when_changing(signed_in, password):
    client = signed_in("bob")
    response = client.post(
        "/staff/password/", {"old_password": PASSWORD, "new_password1": password, "new_password2": password}
    )
    assert response.status_code == 200  # the form again, with the reasons
    assert b"error" in response.content


def test_a_strong_password_is_accepted(signed_in, actors):
    client = signed_in("bob")
    new = f"violet elephants dance {time.time_ns()}"
    response = client.post(
        "/staff/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    actors["bob"].refresh_from_db()
    assert actors["bob"].check_password(new)
