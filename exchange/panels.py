"""What data exchange shows on other apps' pages: a resource's or area's attributes (what an import read
that has no field of its own), its document references, and the systems a resource belongs to."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest

from core.panels import register_panel
from exchange.models import Attribute, DocumentReference, System

ATTRIBUTES_SHOWN = 200


def _record_rows(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    if not request.user.has_perm("exchange.view_attribute"):
        return None
    content_type = ContentType.objects.get_for_model(obj)
    attributes = list(
        Attribute.objects.filter(content_type=content_type, object_id=obj.pk).order_by("group", "name")[
            : ATTRIBUTES_SHOWN + 1
        ]
    )
    documents = list(DocumentReference.objects.filter(content_type=content_type, object_id=obj.pk))
    systems = list(System.objects.filter(resources=obj)) if obj._meta.model_name == "resource" else []
    return {
        "attributes": attributes[:ATTRIBUTES_SHOWN],
        "more_attributes": len(attributes) > ATTRIBUTES_SHOWN,
        "documents": documents,
        "systems": systems,
        "record": obj,
    }


@register_panel("resource.main", name="exchange_attributes", template="exchange/_record_panel.html", position=60)
def resource_attributes_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    return _record_rows(request, resource)
