"""Signing in: password (locked out after repeated failures by django-axes), then the second factor."""

import base64
import io

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from civic311.accounts.security import has_totp, pending_device
from civic311.console.access import second_factor_required
from civic311.console.forms import TotpForm


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True


@method_decorator(second_factor_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Behind the second factor too: a password alone must not replace the password."""

    template_name = "console/password_change.html"
    success_url = "/staff/"

    def form_valid(self, form):
        messages.success(self.request, "Your password is changed.")
        return super().form_valid(form)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/staff/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/staff/"


@login_required(login_url="/staff/login/")
def verify(request: HttpRequest) -> HttpResponse:
    """The second step for users with an authenticator: a 6-digit code."""
    if not has_totp(request.user):
        return redirect(_next(request))
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", "That code is not right (or has expired); try the current one.")
    return render(request, "console/verify.html", {"form": form, "next": _next(request)})


def _qr_svg(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


@login_required(login_url="/staff/login/")
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the code (or type the key), then prove it with one code."""
    user = request.user
    if has_totp(user) and not getattr(user, "is_verified", lambda: False)():
        return redirect("/staff/verify/?next=/staff/totp/setup/")
    device = pending_device(user) or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Your authenticator app is set up: sign-ins will ask for its code.")
            return redirect("/staff/")
        form.add_error("code", "That code does not match; check the app's clock and try the current code.")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "console/totp_setup.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/staff/login/")
