"""The login (password, then a one-time code for users who have a second factor) and the Two-factor screen.

Two steps: the password form is Django's (checked through ``authenticate`` with the request, so axes
counts and refuses as on every password form). A user with a confirmed TOTP device is not logged in
yet: the session only remembers, for ``PENDING_SECONDS``, who passed the password; the code step then
logs them in and marks the session verified by that device (django-otp), which is what
``user.is_verified()`` and the admin check. A wrong code counts as a failed login (``record_failure``).
"""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.forms import OneTimeCodeForm, PasswordConfirmForm
from core.login_protection import is_locked_out, lockout_response, record_failure
from core.two_factor import (
    confirmed_device,
    pending_device,
    totp_check,
    totp_disable,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_qr_svg,
    totp_secret_text,
    two_factor_required,
)
from core.views import safe_url

PENDING_KEY = "mms_login_pending"
# How long the code step waits after the password: a few codes' worth, not a half-open login for hours.
PENDING_SECONDS = 5 * 60


class LoginView(auth_views.LoginView):
    """Step one: the password. Users without a second factor are logged in at once."""

    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login_code")


def _pending(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    """Who passed the password in this session, if still in time."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=int(pending.get("user", 0)), is_active=True).first()
    return (user, pending) if user is not None else None


@never_cache
def login_code(request: HttpRequest) -> HttpResponseBase:
    """Step two: the code from the user's authenticator app; right, the user is logged in and verified."""
    found = _pending(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Log in with your password first (or again: the code was not given in time)."))
        return redirect("login")
    user, pending = found
    username = user.get_username()
    if is_locked_out(request, username):
        return lockout_response(request)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = totp_check(user=user, code=form.cleaned_data["code"])
        if device is not None:
            request.session.pop(PENDING_KEY, None)
            user.otp_device = device  # django-otp marks the new session verified by it when login() runs
            auth_login(request, user, backend=pending["backend"])
            return redirect(safe_url(request, pending.get("next", "")) or settings.LOGIN_REDIRECT_URL)
        record_failure(request, username)  # the axes middleware answers the lockout page if this was one too many
        form.add_error(
            "code",
            _("That code is not right, or came too soon after a wrong one: wait for the next code and try again."),
        )
    return render(request, "registration/login_code.html", {"form": form, "username": username})


# --- The Two-factor screen ----------------------------------------------------------------------
def _two_factor_page(request: HttpRequest, password_form: PasswordConfirmForm, status: int = 200) -> HttpResponse:
    context = {
        "device": confirmed_device(request.user),
        "verified": request.user.is_verified(),  # type: ignore[union-attr]
        "required": two_factor_required(request.user),
        "code_form": OneTimeCodeForm(),
        "password_form": password_form,
        "next": safe_url(request, request.GET.get("next", "")),
    }
    return render(request, "registration/two_factor.html", context, status=status)


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Whether the user has a second factor, and the buttons to set one up, verify this session or remove it."""
    return _two_factor_page(request, PasswordConfirmForm(request=request))


@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponseBase:
    """POST without a code: start (a new secret); GET: the QR code and the code field; POST with a code:
    confirm. The session that confirmed is verified by the new device."""
    next_url = safe_url(request, request.POST.get("next", "") or request.GET.get("next", ""))
    if request.method == "POST" and "code" not in request.POST:
        totp_enrol_start(user=request.user)
        return redirect(reverse("two_factor_enrol") + (f"?next={next_url}" if next_url else ""))
    device = pending_device(request.user)
    if device is None:
        return redirect("two_factor")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_enrol_confirm(device=device, code=form.cleaned_data["code"]):
            django_otp.login(request, device)
            messages.success(request, _("Two-factor login is on: from now on, log in with a code from your app."))
            return redirect(next_url or "two_factor")
        form.add_error("code", _("That code is not right: check the app shows the code for MMS, and try the next one."))
    context = {"form": form, "secret": totp_secret_text(device), "next": next_url}
    return render(request, "registration/two_factor_enrol.html", context)


@never_cache
@login_required
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the enrolment in progress (SVG), shown by the enrolment page's ``<img>``."""
    device = pending_device(request.user)
    if device is None:
        raise Http404
    return HttpResponse(totp_qr_svg(device), content_type="image/svg+xml")


@require_POST
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponseBase:
    """A session logged in before the device was confirmed (or elsewhere) proves it with a code."""
    form = OneTimeCodeForm(request.POST)
    next_url = safe_url(request, request.POST.get("next", ""))
    username = request.user.get_username()
    if is_locked_out(request, username):
        return lockout_response(request)
    if form.is_valid():
        device = totp_check(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            messages.success(request, _("This session is verified."))
            return redirect(next_url or "two_factor")
    record_failure(request, username)
    messages.error(request, _("That code is not right: try the next one your app shows."))
    return redirect(reverse("two_factor") + (f"?next={next_url}" if next_url else ""))


@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponseBase:
    """Remove the second factor after the password; refused where the setting requires one."""
    if two_factor_required(request.user):
        messages.error(request, _("Your role must log in with two factors; you may set up a new app instead."))
        return redirect("two_factor")
    form = PasswordConfirmForm(request.POST, request=request)
    if not form.is_valid():
        return _two_factor_page(request, form, status=400)
    totp_disable(user=request.user)
    messages.success(request, _("Two-factor login is off: you log in with your password alone."))
    return redirect("two_factor")
