# Phones are stored as E.164 from now on (servicerequests.intake.check_contact); the ones stored as typed
# ('(312) 555-0100') are rewritten the same way, so every channel finds and texts one number one way.

from django.db import migrations

from civic311.lib.phones import e164


def to_e164(apps, schema_editor):
    db = schema_editor.connection.alias
    for model, field in (("ServiceRequest", "reporter_phone"), ("Follower", "phone")):
        Model = apps.get_model("servicerequests", model)
        rows = Model.objects.using(db).exclude(**{field: ""}).exclude(**{f"{field}__regex": r"^\+[0-9]+$"})
        for pk, phone in rows.values_list("pk", field).iterator():
            Model.objects.using(db).filter(pk=pk).update(**{field: e164(phone)})


class Migration(migrations.Migration):
    dependencies = [("servicerequests", "0010_follower_stopped_event")]

    operations = [migrations.RunPython(to_e164, migrations.RunPython.noop)]
