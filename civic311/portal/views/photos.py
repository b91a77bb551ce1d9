"""Photos of requests: GET /media/<stored name> (the photo or its thumbnail).

Anyone sees a photo that is public (Media.objects.public(): shown, of a request anyone may see); staff see
the photos of the requests in their scope, once past the second factor; anyone else gets 404, as for a
name that is no photo, so the answer tells nothing of what exists. Names are random (models.photo_path).

With MEDIA_ACCEL_PREFIX set, the web server sends the file (nginx's X-Accel-Redirect to an internal
location over MEDIA_ROOT); with a storage that is not the filesystem (S3), the answer redirects to the
storage's URL for it (presigned when the bucket is private).
"""

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import re_path
from django.views.decorators.http import require_safe

from civic311.accounts.permissions import may_see
from civic311.accounts.security import second_factor_ok
from civic311.servicerequests.models import Media

# Stored names never change (each upload gets a new random one): a public photo may be cached for ever.
PUBLIC_CACHE = "public, max-age=31536000, immutable"
PRIVATE_CACHE = "private, no-store"


def _may_see(request: HttpRequest, media: Media) -> tuple[bool, bool]:
    """(may see it, it is public)."""
    if Media.objects.public().filter(pk=media.pk).exists():
        return True, True
    user = request.user
    return user.is_authenticated and second_factor_ok(request) and may_see(user, media.request), False


def _send(media: Media, name: str) -> HttpResponseBase:
    field = media.file if media.file.name == name else media.thumbnail
    storage = field.storage
    if settings.MEDIA_ACCEL_PREFIX:
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + name
        return response
    try:
        storage.path(name)
    except NotImplementedError:  # not on this machine's disk: the storage's own (signed) URL
        return HttpResponseRedirect(storage.url(name))
    if not storage.exists(name):
        raise Http404("no such photo")
    return FileResponse(storage.open(name, "rb"), content_type=media.content_type or "image/jpeg")


@require_safe
def photo(request: HttpRequest, name: str) -> HttpResponseBase:
    media = Media.objects.stored_as(name).select_related("request").first()
    if media is None:
        raise Http404("no such photo")
    allowed, public = _may_see(request, media)
    if not allowed:
        raise Http404("no such photo")
    response = _send(media, name)
    response["Cache-Control"] = PUBLIC_CACHE if public else PRIVATE_CACHE
    return response


urlpatterns = [re_path(r"^media/(?P<name>.+)$", photo, name="photo")]
