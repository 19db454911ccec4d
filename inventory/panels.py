"""Store panels on other apps' pages (``core.panels``): a resource's warranty and service contracts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.panels import register_panel
from inventory import services


@register_panel("resource.summary", name="warranty", template="inventory/_warranty.html", position=10)
def warranty_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    return {"status": services.warranty_status(resource), "resource": resource}
