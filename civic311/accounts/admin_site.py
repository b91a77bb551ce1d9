"""The admin site, behind the console's door: the console's sign-in (lock-out included), then the second
factor wherever the console asks for it (accounts.security). Installed as Django's default site
(civic311.accounts.apps.AdminConfig in INSTALLED_APPS), so every ModelAdmin registered with admin.site,
the authenticator devices' and the password change page included, is behind it."""

from urllib.parse import quote

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from civic311.accounts.security import owed_second_factor_url, second_factor_ok

CONSOLE_LOGIN = "/staff/login/"


class SecondFactorAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and second_factor_ok(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponseRedirect:
        """Where the admin sends whoever may not see a page: a signed-in user who owes the second factor to
        give it (or set it up), anyone else to the console's sign-in; the admin has no form of its own."""
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated and (owed := owed_second_factor_url(request, target)):
            return HttpResponseRedirect(owed)
        return HttpResponseRedirect(f"{CONSOLE_LOGIN}?next={quote(target, safe='/')}")
