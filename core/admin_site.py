"""The Django admin's site: its login is the site's two-step login page (one door, one lockout policy),
and with ``OTP_REQUIRED_FOR_ADMINS`` it opens only to sessions verified by a one-time password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.two_factor import two_factor_required
from core.views import safe_url


class MMSAdminSite(admin.AdminSite):
    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        """The admin has no password form of its own: the login page asks (and, for users with a second
        factor, asks for the code), then sends the user back to the admin."""
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if request.method == "GET" and self.has_permission(request):
            return redirect(safe_url(request, next_url) or reverse("admin:index", current_app=self.name))
        return redirect_to_login(next_url, settings.LOGIN_URL)

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if two_factor_required(user) and not user.is_verified():  # type: ignore[union-attr]
            return False
        return super().has_permission(request)
