from django.urls import path

from civic311.console.views import analytics, auth, bulk, intake, live, queue, requests

app_name = "console"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.sign_out, name="logout"),
    path("verify/", auth.verify, name="verify"),
    path("totp/setup/", auth.totp_setup, name="totp_setup"),
    path("password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("", queue.queue_page, name="queue"),
    path("queue.geojson", queue.queue_geojson, name="queue_geojson"),
    path("districts.geojson", queue.districts_geojson, name="districts_geojson"),
    path("bulk/", bulk.bulk, name="bulk"),
    path("analytics/", analytics.analytics_page, name="analytics"),
    path("analytics/requests/", analytics.analytics_requests, name="analytics_requests"),
    path("live/", live.staff_events, name="live"),
    path("requests/<str:number>/", requests.request_page, name="request"),
    path("requests/<str:number>/status/", requests.change_status, name="change_status"),
    path("requests/<str:number>/note/", requests.add_note, name="add_note"),
    path("requests/<str:number>/priority/", requests.set_priority, name="set_priority"),
    path("requests/<str:number>/reroute/", requests.reroute, name="reroute"),
    path("requests/<str:number>/assign/", requests.assign, name="assign"),
    path("requests/<str:number>/duplicate/", requests.mark_duplicate, name="mark_duplicate"),
    path("requests/<str:number>/refer/", requests.refer, name="refer"),
    path("requests/<str:number>/follow/", requests.add_follower, name="add_follower"),
    # Call-centre intake (views/intake.py)
    path("intake/", intake.intake_page, name="intake"),
    path("intake/search/", intake.intake_search, name="intake_search"),
    path("intake/addresses", intake.address_suggest, name="address_suggest"),
    path("intake/services", intake.service_search, name="service_search"),
    path("intake/questions/<str:code>/", intake.intake_questions, name="intake_questions"),
    path("intake/file/", intake.intake_file, name="intake_file"),
    path("intake/follow/", intake.intake_follow, name="intake_follow"),
]
