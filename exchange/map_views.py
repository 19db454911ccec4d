"""The map screen (``/exchange/map/``): a site's areas and equipment on a Leaflet map, equipment coloured by
status and by open and late work orders, each linking to its asset page; beside it the same features as a
list, which is the whole screen without JavaScript.

The page renders the site selector, the filters, the legend and the list; the map loads the same site's
GeoJSON from the API (``/api/v1/geo/sites/<id>/``, the session signs the request) with the same filters.
Supervisors, planners and administrators see it (the roles the navigation shows it to), with the right to
see equipment; the sites are the user's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.models import Area, EntityStatus
from core.pagination import paginate
from core.roles import PLANNER, SUPERVISOR
from core.scoping import has_role, is_administrator, visible_site_ids
from core.views import View
from exchange.geojson_export import site_features

MAP_PERMISSION = "assets.view_resource"
MAP_ROLES = (SUPERVISOR, PLANNER)  # and administrators, who act as every role
LIST_PAGE_SIZE = 100
WHITESPACE = re.compile(r"\s")  # not allowed in an HTML id


def may_see_map(user: Any) -> bool:
    return bool(
        user.has_perm(MAP_PERMISSION) and (is_administrator(user) or any(has_role(user, role) for role in MAP_ROLES))
    )


def map_screen(view: View) -> View:
    """Signed in (else the login page), and allowed the map (else 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not may_see_map(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


class MapFilterForm(forms.Form):
    site = forms.TypedChoiceField(label=_("Site"), coerce=int, required=False)
    status = forms.ChoiceField(
        label=_("Equipment status"), choices=[("", _("Any status")), *EntityStatus.choices], required=False
    )
    late = forms.BooleanField(label=_("Only with late orders"), required=False)

    def __init__(self, *args: Any, sites: Sequence[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(site.pk, f"{site.code} · {site.name}") for site in sites]  # type: ignore[attr-defined]


# What the map's colours and marks mean (the classes of static/exchange/map.css), as the legend lists them.
LEGEND = [
    ("map-marker status-in_service", _("In service"), ""),
    ("map-marker status-on_hold", _("On hold"), ""),
    ("map-marker status-down", _("Down"), ""),
    ("map-marker status-retired", _("Retired"), ""),
    ("map-marker status-in_service has-open", _("Open work orders: their number"), "3"),
    ("map-marker status-in_service has-late", _("Late work orders: a red ring"), ""),
    ("map-marker status-in_service from-area", _("Placed at its area (no position of its own)"), ""),
    ("map-area-swatch", _("Area: its outline or point"), ""),
]

# The words the map's script shows (popups, messages), translated here.
MAP_TEXTS = {
    "open": _("open orders"),
    "late": _("late"),
    "link": _("Open the asset page"),
    "fromArea": _("Placed at its area"),
    "showOnMap": _("Show on map"),
    "loading": _("Loading the map…"),
    "failed": _("The map could not be loaded; the list shows the same places."),
    "nothing": _("Nothing on this site matches these filters."),
    "drawn": _("%(n)s places on the map."),
    "drawnOne": _("1 place on the map."),
}


def list_items(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One list entry per record (an area with an outline and a point is two features, one entry), with the
    id of its list item: ``map-feature-<tag>`` for equipment, ``map-feature-area-<code>`` for an area."""
    items: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for feature in features:
        properties = feature["properties"]
        if (properties["kind"], properties["id"]) in seen:
            continue
        seen.add((properties["kind"], properties["id"]))
        key = properties["tag"] if properties["kind"] == "resource" else f"area-{properties['code']}"
        items.append({"dom_id": "map-feature-" + WHITESPACE.sub("_", key), "properties": properties})
    return items


@map_screen
def site_map(request: HttpRequest) -> HttpResponse:
    """One site of the user's on the map, with the filters of the query string (the first site by default)."""
    sites = list(
        Area.objects.sites().in_sites(visible_site_ids(request.user)).only("pk", "code", "name").order_by("name", "pk")
    )
    form = MapFilterForm(request.GET or None, sites=sites, initial={"site": sites[0].pk} if sites else None)
    filters: dict[str, Any] = {"site": None, "status": "", "late": False}
    if form.is_bound:
        if form.is_valid():
            filters.update(form.cleaned_data)
        elif "site" in form.errors and request.GET.get("site"):
            raise Http404  # another site's id, or no site at all: as if it did not exist
        else:
            filters.update({name: value for name, value in form.cleaned_data.items() if value})
    context: dict[str, Any] = {"form": form, "sites": sites, "legend": LEGEND}
    context["map_texts"] = {key: str(text) for key, text in MAP_TEXTS.items()}
    site = next((s for s in sites if s.pk == filters["site"]), sites[0] if sites else None)
    context["site"] = site
    if site is None:
        return render(request, "exchange/map.html", context)
    everything = site_features([site.pk], user=request.user)
    shown = everything.filtered(status=filters["status"], late_only=filters["late"])
    query = {"status": filters["status"], "late": "true" if filters["late"] else ""}
    context.update(
        {
            "total": len(everything.features),
            "shown": len(shown.features),
            "unplaced": everything.unplaced,
            "features": paginate(request, list_items(shown.features), "page", LIST_PAGE_SIZE),  # type: ignore[arg-type]
            "filtered": bool(filters["status"] or filters["late"]),
            "geojson_url": reverse("api:geo-site-detail", args=[site.pk])
            + ("?" + urlencode({k: v for k, v in query.items() if v}) if any(query.values()) else ""),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        }
    )
    return render(request, "exchange/map.html", context)
