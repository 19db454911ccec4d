"""By-hand downtime screens: from the resource page's downtime panel, mark a resource down or on hold,
or put it back in service. For users who may change resources, on the resources of their sites (others
answer 404). A valid form goes to the service and back to the resource page with a message; an invalid
or refused one is shown again on a page of its own."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assets.models import Resource
from core.errors import ActionNotAllowed
from core.scoping import visible_site_ids
from core.views import screen
from orders import downtime
from orders.forms import DowntimeCloseForm, DowntimeOpenForm
from orders.models import DowntimeKind

PERMISSION = "assets.change_resource"


def get_resource(request: HttpRequest, pk: int) -> Resource:
    resources = Resource.objects.in_sites(visible_site_ids(request.user)).select_related("area", "area__site")
    return get_object_or_404(resources, pk=pk)


def back_to_resource(resource: Resource) -> HttpResponse:
    return redirect(reverse("assets:resource_detail", args=[resource.pk]) + "#downtime")


def show_again(
    request: HttpRequest, resource: Resource, *, open_form: DowntimeOpenForm, close_form: DowntimeCloseForm, status: int
) -> HttpResponse:
    context = {
        "resource": resource,
        "open_period": downtime.open_period_of(resource),
        "open_form": open_form,
        "close_form": close_form,
    }
    return render(request, "orders/downtime_form.html", context, status=status)


@require_POST
@screen(PERMISSION)
def downtime_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the resource down or on hold (a reason is required)."""
    resource = get_resource(request, pk)
    form = DowntimeOpenForm(request.POST, auto_id="id_downtime_%s")
    empty_close = DowntimeCloseForm(auto_id="id_downtime_close_%s")
    if not form.is_valid():
        return show_again(request, resource, open_form=form, close_form=empty_close, status=400)
    kind = DowntimeKind(form.cleaned_data["kind"])
    try:
        downtime.downtime_open(entity=resource, kind=kind, reason=form.cleaned_data["reason"], user=request.user)
    except ActionNotAllowed as refusal:
        form.add_error(None, refusal.message)
        return show_again(request, resource, open_form=form, close_form=empty_close, status=409)
    messages.success(
        request, _("%(resource)s is now %(kind)s.") % {"resource": resource.tag, "kind": kind.label.lower()}
    )
    return back_to_resource(resource)


@require_POST
@screen(PERMISSION)
def downtime_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the resource back in service (with an optional note)."""
    resource = get_resource(request, pk)
    form = DowntimeCloseForm(request.POST, auto_id="id_downtime_close_%s")
    empty_open = DowntimeOpenForm(auto_id="id_downtime_%s")
    if not form.is_valid():
        return show_again(request, resource, open_form=empty_open, close_form=form, status=400)
    try:
        downtime.downtime_close(entity=resource, user=request.user, note=form.cleaned_data["note"])
    except ActionNotAllowed as refusal:
        form.add_error(None, refusal.message)
        return show_again(request, resource, open_form=empty_open, close_form=form, status=409)
    messages.success(request, _("%(resource)s is back in service.") % {"resource": resource.tag})
    return back_to_resource(resource)
