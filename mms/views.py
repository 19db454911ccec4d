from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mms.services import system_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and heartbeat: 200 when all are fine, 503 otherwise."""
    report = system_health()
    return JsonResponse(report.as_dict(), status=200 if report.healthy else 503)


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
