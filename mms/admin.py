"""Admin of the project package: technical records, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mms.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    """Written only by the Celery heartbeat task; people just look."""

    list_display = ("name", "beat_at", "worker", "count")
    search_fields = ("name", "worker")
    readonly_fields = ("name", "beat_at", "worker", "count")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
