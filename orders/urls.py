"""Work-order screens: my work, the supervisor queue, the planner calendar and backlog, the order page."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "orders"

urlpatterns: list[URLPattern] = []
