# The API key model now lives in accounts (accounts 0002); its table stays, so nothing is dropped.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0001_initial"),
        ("servicerequests", "0009_api_client_is_an_actor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiKey")],
            database_operations=[],
        ),
    ]
