"""Admin of the shared records: notifications (read and delete only) and number sequences (read only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import DocumentSequence, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """In-app notifications are raised by the system; administrators may read and delete them."""

    list_display = ("title", "recipient", "created_at", "read_at")
    list_filter = ("read_at",)
    list_select_related = ("recipient",)
    search_fields = ("title", "body", "recipient__username")
    raw_id_fields = ("recipient",)
    readonly_fields = ("recipient", "title", "body", "url", "created_at", "read_at")

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(admin.ModelAdmin):
    """The last number of each prefix (WO-, PR-, PO-); moved only by the services that hand numbers out."""

    list_display = ("prefix", "last")
    readonly_fields = ("prefix", "last")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
