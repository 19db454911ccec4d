"""Plan panels on other apps' pages (``core.panels``): the maintenance plans applied to a resource."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.pagination import paginate
from core.panels import register_panel
from plans.models import PlanInstance

SECTION_PAGE_SIZE = 10


@register_panel("resource.main", name="plans", template="plans/_resource_plans.html", position=30)
def resource_plans_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    instances = PlanInstance.objects.filter(resource=resource).select_related("plan", "owner_role")
    return {
        "plan_instances": paginate(
            request, instances.order_by("-active", "plan__code", "pk"), "plans_page", SECTION_PAGE_SIZE
        ),
        "may_see_plans": request.user.has_perm("plans.view_maintenanceplan"),
    }
