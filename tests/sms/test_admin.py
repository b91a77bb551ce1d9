"""The administrator sees the conversations and the message log in the admin; the log is read-only."""

import pytest
from django.contrib.auth import get_user_model

from civic311.accounts.models import StaffProfile
from civic311.sms.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(client, city):
    user = get_user_model().objects.create_user(
        "ada", "ada@city.example", "x" * 20, is_staff=True, is_superuser=True
    )
    StaffProfile.objects.create(user=user, role="admin")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_admin_lists_conversations_and_messages(ada, alice):
    alice.says("HELP")
    assert ada.get("/admin/sms/conversation/").status_code == 200
    page = ada.get("/admin/sms/message/")
    assert page.status_code == 200
    assert b"+13125550100" in page.content
    message = Message.objects.get()
    assert ada.get(f"/admin/sms/message/{message.pk}/change/").status_code == 200
