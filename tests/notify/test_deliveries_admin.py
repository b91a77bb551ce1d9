"""The delivery log in the admin: filters, failures with their reason, the retry action and button; the
webhook endpoints: checked URL and secret, the kinds wanted, who created each."""

import pytest

from civic311.notify import deliveries
from civic311.notify.models import Delivery, DeliveryStatus, WebhookEndpoint
from civic311.notify.registry import Recipient

pytestmark = pytest.mark.django_db(transaction=True)


def failed(address: str, error: str = "SMTPRecipientsRefused: 550 no such user") -> Delivery:
    delivery = deliveries.enqueue(Recipient("email", address, "status"))
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=6, last_error=error)
    return delivery


def test_the_log_lists_failures_with_their_reason_and_filters_them(admin_client, city):
    failed("gone@example.org")
    deliveries.enqueue(Recipient("sms", "+13125550100", "note"))
    page = admin_client.get("/admin/notify/delivery/?status__exact=failed").content.decode()
    assert "gone@example.org" in page and "550 no such user" in page
    assert "+13125550100" not in page
    page = admin_client.get("/admin/notify/delivery/?channel__exact=sms&kind=note").content.decode()
    assert "+13125550100" in page and "gone@example.org" not in page


def test_the_retry_action_sends_failed_deliveries_again(admin_client, city):
    one, two = failed("a@example.org"), failed("b@example.org")
    sent = deliveries.enqueue(Recipient("email", "c@example.org", "status"))
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    response = admin_client.post(
        "/admin/notify/delivery/",
        {"action": "retry_deliveries", "_selected_action": [one.pk, two.pk, sent.pk]},
        follow=True,
    )
    assert "2 deliveries will be sent again." in response.content.decode()
    assert set(Delivery.objects.filter(pk__in=[one.pk, two.pk]).values_list("status", "attempts")) == {
        (DeliveryStatus.PENDING, 0)
    }
    assert Delivery.objects.get(pk=sent.pk).status == DeliveryStatus.SENT


def test_the_retry_button_of_a_failed_delivery(admin_client, city):
    delivery = failed("a@example.org")
    url = f"/admin/notify/delivery/{delivery.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="_retry"' in page
    response = admin_client.post(url, {"_retry": "Send again now"}, follow=True)
    assert "1 delivery will be sent again." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert 'name="_retry"' not in admin_client.get(url).content.decode()


def test_deliveries_are_not_added_by_hand(admin_client, city):
    assert admin_client.get("/admin/notify/delivery/add/").status_code == 403


def test_an_endpoint_is_added_with_the_kinds_it_wants_and_who_added_it(admin_client, admin_user, city):
    page = admin_client.get("/admin/notify/webhookendpoint/add/").content.decode()
    assert 'name="secret"' in page  # a strong secret is proposed
    response = admin_client.post(
        "/admin/notify/webhookendpoint/add/",
        {
            "url": "https://hooks.example.org/civic311",
            "secret": "a-long-shared-secret-123",
            "event_kinds": ["created", "status_changed"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_kinds == ["created", "status_changed"]
    assert endpoint.created_by == admin_user


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "ftp://files.example.org/drop", "An http:// or https:// address."),
        ("url", "not a url", "Enter a valid URL."),
        ("url", "https://example.org/" + "a" * 600, "at most 500 characters"),
        ("secret", "short", "At least 16 characters"),
        ("event_kinds", "exploded", "Select a valid choice"),
    ],
)
def test_a_bad_endpoint_is_refused_with_a_reason_and_nothing_stored(
    admin_client, city, field, value, message
):
    form = {"url": "https://hooks.example.org/x", "secret": "a-long-shared-secret-123", "active": "on"}
    form[field] = value
    response = admin_client.post("/admin/notify/webhookendpoint/add/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
