"""The requester portal: report a breakdown on an asset, and follow what became of my requests.

Anyone with a role may report, on the resources of their sites (the same scoping as everywhere: a
resource of another site answers 404). The report and its photo are one transaction: if the photo is
refused, no order is created and the form says why.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Resource
from core.csv_export import export_response
from core.errors import ActionNotAllowed
from core.pagination import paginate
from core.scoping import user_group_ids, visible_site_ids
from core.views import htmx_target
from orders import records, services
from orders.exports import REQUEST_COLUMNS
from orders.filters import WorkOrderFilterSet
from orders.models import ExecutionState, WorkOrder
from orders.portal_forms import BreakdownReportForm, add_service_error

SEARCH_PAGE_SIZE = 8
LIST_PAGE_SIZE = 20
# The list of resources matching the search, swapped in place by htmx.
CHOICES_TARGET = "resource-choices"

# What a requester should understand from each state of their request.
STATE_EXPLANATIONS = {
    ExecutionState.REQUESTED: gettext_lazy("Waiting for a supervisor to look at it."),
    ExecutionState.APPROVED: gettext_lazy("Approved; the work is being planned."),
    ExecutionState.RELEASED: gettext_lazy("Ready for a technician."),
    ExecutionState.IN_PROGRESS: gettext_lazy("A technician is working on it."),
    ExecutionState.WAITING_FOR_ACCEPTANCE: gettext_lazy("The work is done and being checked."),
    ExecutionState.CLOSED: gettext_lazy("Done."),
    ExecutionState.REWORKED: gettext_lazy("Sent back for more work (a new order follows it up)."),
    ExecutionState.SKIPPED: gettext_lazy("Will not be done."),
    ExecutionState.REJECTED: gettext_lazy("Not accepted as a request."),
    ExecutionState.CLOSED_AS_JOINED: gettext_lazy("Already reported: followed up in another order."),
    ExecutionState.CANCELED: gettext_lazy("Canceled."),
}


def require_role(request: HttpRequest) -> None:
    """Any role may report; a signed-in user without one may not (the service says the same)."""
    if not user_group_ids(request.user):
        raise PermissionDenied


def resource_search(resources: QuerySet[Resource], query: str) -> QuerySet[Resource]:
    return (
        resources.filter(Q(tag__icontains=query) | Q(name__icontains=query))
        .select_related("area", "area__site")
        .order_by("tag")
    )


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    """Report a breakdown: pick the resource (by search, or preselected from its page), say what is wrong."""
    require_role(request)
    resources = Resource.objects.in_sites(visible_site_ids(request.user))
    preselected = None
    if resource_id := request.GET.get("resource", "").strip():
        if not resource_id.isdigit():
            raise Http404
        preselected = get_object_or_404(resources.select_related("area", "area__site"), pk=int(resource_id))

    form = BreakdownReportForm(
        request.POST or None,
        request.FILES or None,
        resources=resources.select_related("area", "area__site"),
        initial={"resource": preselected.pk if preselected else None},
    )
    if request.method == "POST" and form.is_valid():
        order = report_breakdown(request, form)
        if order is not None:
            messages.success(
                request,
                _("Thank you: your request %(number)s was sent. You can follow it here.") % {"number": order.number},
            )
            return redirect("requests:mine")

    query = request.GET.get("q", "").strip()[:100]
    results = paginate(request, resource_search(resources, query), "page", SEARCH_PAGE_SIZE) if query else None
    chosen = preselected
    if form.is_bound and hasattr(form, "cleaned_data"):
        chosen = form.cleaned_data.get("resource") or preselected
    context: dict[str, Any] = {
        "form": form,
        "chosen": chosen,
        "query": query,
        "results": results,
        "choices_target": CHOICES_TARGET,
    }
    if htmx_target(request) == CHOICES_TARGET:
        return render(request, "orders/portal/_resource_choices.html", context)
    return render(request, "orders/portal/request_form.html", context)


def report_breakdown(request: HttpRequest, form: BreakdownReportForm) -> WorkOrder | None:
    """The order and its photo, both or neither; refusals become form errors."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            order = services.order_request_corrective(
                entity=data["resource"],
                user=request.user,
                title=data["title"],
                description=data["description"],
                priority=data["priority"],
                entity_down=data.get("entity_down", False),
            )
            if data.get("photo"):
                records.attachment_add(order=order, user=request.user, file=data["photo"], title=_("Photo"))
    except ValidationError as invalid:
        add_service_error(form, invalid, renamed={"file": "photo"})
        return None
    except ActionNotAllowed as refusal:
        form.add_error(None, refusal.message)
        return None
    return order


@login_required
def request_list(request: HttpRequest) -> HttpResponseBase:
    """The orders I requested, newest first, filtered by search and open/closed."""
    mine = (
        WorkOrder.objects.visible_to(request.user)
        .filter(requester=request.user)
        .select_related("resource", "area", "container", "material")
    )
    filterset = WorkOrderFilterSet(request.GET, queryset=mine, request=request)
    listed = filterset.qs.select_related("site").order_by("-created_at", "-pk")
    if (export := export_response(request, listed, REQUEST_COLUMNS, name=_("my requests"))) is not None:
        return export
    orders = paginate(request, filterset.qs.order_by("-created_at", "-pk"), "page", LIST_PAGE_SIZE)
    for order in orders:
        order.explanation = STATE_EXPLANATIONS.get(order.execution_state, "")
    filtered = bool(request.GET.get("q", "").strip() or request.GET.get("status"))
    return render(
        request,
        "orders/portal/request_list.html",
        {"filterset": filterset, "orders": orders, "filtered": filtered},
    )
