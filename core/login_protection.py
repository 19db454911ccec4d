"""Brute-force protection of the password forms (django-axes): who the client is, what a locked-out client
is answered, and the one-time-code step counting its failures with the passwords'.

Axes counts failed ``authenticate(request, ...)`` calls per username and client address (the login page,
the Django admin, whose login is the same page, and the token API all pass their request) and refuses
the pair once it reaches ``LOGIN_FAILURE_LIMIT``, until ``LOGIN_COOLOFF_MINUTES`` have passed since the
last failure (or an administrator deletes the access attempt in the admin). The one-time code asked
after the password counts into the same tally (``record_failure``), so guessing codes is locked out too.
"""

from __future__ import annotations

import math
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's, or, behind ``LOGIN_TRUSTED_PROXIES`` proxies, the address
    the outermost of them saw (X-Forwarded-For is appended to by each proxy, so only its last entries,
    written by our own proxies, can be trusted; anything before them the client may have forged)."""
    proxies = settings.LOGIN_TRUSTED_PROXIES
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def cool_off_seconds(request: HttpRequest | None = None) -> int | None:
    """Seconds a locked-out client waits, or ``None`` when a lockout lasts until an administrator lifts it."""
    cool_off = get_cool_off(request)
    return math.ceil(cool_off.total_seconds()) if cool_off else None


def wants_json(request: HttpRequest) -> bool:
    """API clients (the token endpoint, scripts) get JSON; browsers get the lockout page."""
    accept = str(request.META.get("HTTP_ACCEPT", ""))
    return request.path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept)


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """Axes' answer to a locked-out client (``AXES_LOCKOUT_CALLABLE``): 429 with ``Retry-After`` while the
    cool-off runs, 403 when the lockout is permanent; JSON ``{"detail": ...}`` for the API, else a page."""
    seconds = cool_off_seconds(request)
    minutes = math.ceil(seconds / 60) if seconds else None
    if seconds:
        message = _(
            "Too many failed attempts to log in: this account is locked from your address for %(minutes)d "
            "minutes. Try again later, or ask an administrator to unlock it."
        ) % {"minutes": minutes}
        status = 429
    else:
        message = _("Too many failed attempts to log in: ask an administrator to unlock this account.")
        status = 403
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=status)
    else:
        context = {"message": message, "minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
        response = render(request, "registration/locked_out.html", context, status=status)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def credentials_for(username: str) -> dict[str, str]:
    return {str(getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")): username}


def is_locked_out(request: HttpRequest, username: str) -> bool:
    """Whether this username is locked out at this client's address (no failure is recorded)."""
    AxesProxyHandler.update_request(request)
    return not AxesProxyHandler.is_allowed(request, credentials_for(username))


def record_failure(request: HttpRequest, username: str) -> None:
    """Count a failed second factor as a failed login of ``username`` (it locks the pair out as a wrong
    password does): Django's ``user_login_failed`` signal, which axes listens to."""
    AxesProxyHandler.update_request(request)
    user_login_failed.send(sender=__name__, credentials=credentials_for(username), request=request)
