"""The health and risk panel on the resource page (``core.panels`` slot ``resource.summary``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from assets.models import EntityStatus, Resource
from core.panels import register_panel
from investment.health import risk_class, with_health
from investment.services import VIEW_PERMISSION


@register_panel("resource.summary", name="investment", template="investment/_resource_panel.html", position=50)
def resource_health_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    """Health, risk and replacement year of the resource (one query), with a link to its breakdown; hidden
    from roles that do not see investment planning, and for retired resources (no longer assessed)."""
    if not request.user.has_perm(VIEW_PERMISSION) or resource.status == EntityStatus.RETIRED:
        return None
    assessed: Any = with_health(Resource.objects.filter(pk=resource.pk), now=timezone.now()).first()
    if assessed is None:
        return None
    return {"assessed": assessed, "risk_class": risk_class(assessed.risk)}
