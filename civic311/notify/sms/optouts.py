"""Numbers that said STOP: the one list the text channel (sms/) writes and the outgoing texts read."""

from civic311.notify.models import TextOptOut


def stop(phone: str) -> None:
    TextOptOut.objects.get_or_create(phone=phone)


def start(phone: str) -> None:
    TextOptOut.objects.filter(phone=phone).delete()


def is_stopped(phone: str) -> bool:
    return TextOptOut.objects.filter(phone=phone).exists()


def stopped(numbers: list[str]) -> set[str]:
    """Which of these numbers said STOP."""
    return set(TextOptOut.objects.filter(phone__in=numbers).values_list("phone", flat=True))
