"""``{% risk_class_of risk as class %}``: the class (key, label) of a risk of 1-25, for its badge."""

from __future__ import annotations

from typing import Any

from django import template

from investment.health import risk_class

register = template.Library()


@register.simple_tag
def risk_class_of(risk: int | None) -> tuple[str, Any]:
    return risk_class(risk)
