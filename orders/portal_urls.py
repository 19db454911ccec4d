"""The requester portal: report a breakdown, follow my requests."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "requests"

urlpatterns: list[URLPattern] = []
