"""What changes requests' figures without an event: a service made private (or public again) changes which
requests are public all at once (servicerequests.signals.sync_request_privacy). The rollups of its
jurisdiction are then marked unbuilt: reads go the exact way until the worker has rebuilt them."""

from civic311.analytics.models import FoldState


def remember_privacy(sender, instance, **kwargs) -> None:
    if instance.pk is not None:
        before = sender.objects.filter(pk=instance.pk).values_list("private", flat=True)
        instance._was_private = before.first()


def rebuild_on_privacy_change(sender, instance, created: bool, **kwargs) -> None:
    was = getattr(instance, "_was_private", None)
    if not created and was is not None and was != instance.private:
        FoldState.objects.filter(jurisdiction_id=instance.jurisdiction_id).update(built_at=None)
