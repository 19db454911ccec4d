"""``OTP_REQUIRED_FOR_ADMINS``: an administrator's session that is not verified by a one-time password
reaches only the Two-factor screen (to enrol, or to give a code), the login steps and logout.

Runs after django-otp's middleware (which knows whether the session is verified). Token-authenticated
API calls are not sessions (their user is known only inside DRF) and are not affected: an administrator's
token is made through the token endpoint, which asks for the code itself.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.two_factor import two_factor_required

# Reachable without the second factor (URL names): enrolling, verifying, logging in and out.
OPEN_URL_NAMES = (
    "two_factor",
    "two_factor_enrol",
    "two_factor_qr",
    "two_factor_verify",
    "login",
    "login_code",
    "logout",
    "healthz",
)


class AdminTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.OTP_REQUIRED_FOR_ADMINS and self.must_verify(request):
            return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def must_verify(request: HttpRequest) -> bool:
        user = request.user
        if not two_factor_required(user) or user.is_verified():  # type: ignore[union-attr]
            return False
        path = request.path_info
        if path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/" + settings.MEDIA_URL.lstrip("/"))):
            return False
        return path not in {reverse(name) for name in OPEN_URL_NAMES}

    @staticmethod
    def refuse(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            detail = _("Your role must log in with a one-time password: set one up on the Two-factor screen.")
            return JsonResponse({"detail": detail, "code": "two_factor_required"}, status=403)
        return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.get_full_path()})}")
