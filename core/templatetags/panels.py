"""``{% panels "<slot>" obj %}``: the panels other apps registered for a slot of this page (``core.panels``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from core.panels import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: Any, slot: str, obj: Any) -> SafeString:
    return render_panels(slot, context["request"], obj)
