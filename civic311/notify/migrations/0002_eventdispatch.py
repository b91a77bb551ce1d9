import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0001_initial"),
        ("servicerequests", "0007_follower_reason"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventDispatch",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="notify_dispatch",
                        serialize=False,
                        to="servicerequests.event",
                    ),
                ),
                ("dispatched_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
    ]
