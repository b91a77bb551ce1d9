"""The resident web app lives at `/`: each views module brings its own patterns."""

from civic311.portal.views import around, home, me, photos, pwa, report, track

app_name = "portal"

urlpatterns = (
    home.urlpatterns
    + report.urlpatterns
    + track.urlpatterns
    + around.urlpatterns
    + me.urlpatterns
    + pwa.urlpatterns
    + photos.urlpatterns
)
