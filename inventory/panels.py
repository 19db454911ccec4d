"""Store panels on other apps' pages (``core.panels``): a resource's warranty and service contracts, and
its spare parts with the stock of its site."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.panels import register_panel
from inventory import services


@register_panel("resource.summary", name="warranty", template="inventory/_warranty.html", position=10)
def warranty_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    return {"status": services.warranty_status(resource), "resource": resource}


@register_panel("resource.main", name="spare_parts", template="inventory/_spare_parts.html", position=25)
def spare_parts_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    """The resource's spare parts with the stock of its site; hidden from users who may not see parts."""
    if not request.user.has_perm("inventory.view_part"):
        return None
    return {"lines": services.spare_parts_for(resource), "resource": resource}
