"""Panels one app shows on another app's page, without the page's app importing it.

A page names its slots (``"resource.summary"``, ``"resource.main"``, ``"order.main"``); an app registers
a panel for a slot in its ``panels.py`` (imported by its ``AppConfig.ready``) with a context function and
a template. The page renders ``{% panels "resource.main" resource %}`` (``core.templatetags.panels``):
every registered panel, in ``position`` order, whose context function returns a context; ``None`` hides
the panel (the user may not see what it shows). Like pretix's plugin signals: the upper app plugs in,
the lower page stays ignorant of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PanelContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    """One registered panel: its slot, a name unique in the slot, its template and context function."""

    slot: str
    name: str
    template: str
    context: PanelContext
    position: int


_registry: dict[str, dict[str, Panel]] = defaultdict(dict)


def register_panel(
    slot: str, *, name: str, template: str, position: int = 100
) -> Callable[[PanelContext], PanelContext]:
    """Decorator: ``context`` becomes the panel ``name`` of ``slot`` (registering the name again replaces it)."""

    def decorate(context: PanelContext) -> PanelContext:
        _registry[slot][name] = Panel(slot, name, template, context, position)
        return context

    return decorate


def panels_of(slot: str) -> list[Panel]:
    """The panels registered for ``slot``, in the order they are shown."""
    return sorted(_registry.get(slot, {}).values(), key=lambda panel: (panel.position, panel.name))


def render_panels(slot: str, request: HttpRequest, obj: Any) -> SafeString:
    """The HTML of every panel of ``slot`` that shows something for ``obj`` to this request's user."""
    parts = []
    for panel in panels_of(slot):
        context = panel.context(request, obj)
        if context is not None:
            parts.append(render_to_string(panel.template, context, request=request))
    return mark_safe("".join(parts))  # each part was rendered (and escaped) by its template
