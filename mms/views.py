from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.roles import REQUESTER
from mms.dashboards import RESOURCE_SEARCH_TARGET, Dashboard, home_context, requester_section, user_roles
from mms.services import system_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and heartbeat: 200 when all are fine, 503 otherwise."""
    report = system_health()
    return JsonResponse(report.as_dict(), status=200 if report.healthy else 503)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 as JSON under /api/ (``{"detail": ...}``, as the API's other errors), Django's page elsewhere.

    A URL under /api/ that matches no route (``/api/v1/orders/abc/``: ids are numbers) is still an API
    answer: an integrator's client reads JSON, and the schema documents 404 as ``ErrorDetail``.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: a section for each role the user holds, scoped to the user's sites."""
    htmx = getattr(request, "htmx", None)
    partial = htmx and htmx.target == RESOURCE_SEARCH_TARGET and not htmx.history_restore_request
    if partial and REQUESTER in user_roles(request.user):
        # The requester's search box asks only for its results.
        response = render(request, "mms/home/_resource_search_results.html", requester_section(Dashboard(request)))
    else:
        response = render(request, "mms/home.html", home_context(request))
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
