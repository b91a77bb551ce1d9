"""The named actors of the console: bob (staff, Streets and Sanitation), carol (supervisor, Streets),
dave (staff of Water Management: must be refused Streets' requests), agnes (call-centre agent),
ada (administrator). Each signs in with a strong password."""

import pytest
from django.contrib.auth import get_user_model

from civic311.accounts.models import StaffProfile

PASSWORD = "correct horse battery staple 311"


def make_staff(username: str, role: str, department=None, **extra):
    user = get_user_model().objects.create_user(username, f"{username}@city.example", PASSWORD, **extra)
    StaffProfile.objects.create(user=user, role=role, department=department)
    return user


@pytest.fixture
def actors(city):
    return {
        "bob": make_staff("bob", "staff", city.streets),
        "carol": make_staff("carol", "supervisor", city.streets),
        "dave": make_staff("dave", "staff", city.water),
        "agnes": make_staff("agnes", "agent"),
        "ada": make_staff("ada", "admin", is_staff=True, is_superuser=True),
    }


@pytest.fixture
def signed_in(client, actors):
    """signed_in("bob") -> the test client, signed in as bob (the sign-in form itself is tested in
    test_sign_in.py; django-axes needs a real request, which client.login() does not give)."""

    def _sign_in(name: str):
        client.logout()
        client.force_login(actors[name], backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _sign_in
