"""Named constants of the catalog (GeoReport's service types and attribute datatypes)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    REALTIME = "realtime", _("Realtime: the request number is returned at once")
    BATCH = "batch", _("Batch: a token is returned, the number later")
    BLACKBOX = "blackbox", _("Blackbox: no number is returned")


class Datatype(models.TextChoices):
    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLEVALUELIST = "singlevaluelist", _("One choice from a list")
    MULTIVALUELIST = "multivaluelist", _("Several choices from a list")


LIST_DATATYPES = {Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST}
