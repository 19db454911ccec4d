"""What every app's screens share: the permission decorator, htmx detection and safe "next" redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

View = Callable[..., HttpResponseBase]


def screen(permission: str) -> Callable[[View], View]:
    """A screen for signed-in users holding ``permission``: anonymous users go to the login page, others
    without it get 403 (GET or POST alike)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


def require_perm(request: HttpRequest, permission: str) -> None:
    """403 unless the user holds ``permission`` (for a step of a screen that needs more than seeing it)."""
    if not request.user.has_perm(permission):
        raise PermissionDenied


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def htmx_target(request: HttpRequest) -> str | None:
    """The id of the element an htmx request will swap (None for an ordinary request)."""
    htmx = getattr(request, "htmx", None)
    return htmx.target if htmx else None


def safe_url(request: HttpRequest, url: str) -> str:
    """``url`` when it leads to this site (never to another host, nor to http from https), else ``""``."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


def safe_next(request: HttpRequest) -> str:
    """The form's ``next`` when it is a URL of this site, else ``""``."""
    return safe_url(request, request.POST.get("next", ""))


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the form's ``next`` when it is a URL of this site, else to ``default``."""
    return redirect(safe_next(request) or default)
