"""Admin of data exchange: import runs (read only: they are made by importing), the keys, attributes,
systems and document references imports keep, and the saved column mappings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

from core.errors import ActionForbidden
from core.history_admin import ReadOnlyHistoryAdmin
from exchange.feeds import calendar_feed_revoke
from exchange.models import (
    Attribute,
    CalendarFeed,
    ColumnMapping,
    DocumentReference,
    ExternalRef,
    ImportRun,
    System,
    ZoneSpace,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the importers keep: shown, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "original_name", "format", "mode", "outcome", "created_by")
    list_filter = ("format", "mode", "outcome")
    search_fields = ("original_name",)
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "format", "file", "original_name", "size", "options", "mode", "outcome", "report", "follows", "created_by",
        "created_at", "finished_at", "updated_at",
    )  # fmt: skip


@admin.register(ExternalRef)
class ExternalRefAdmin(ReadOnlyAdmin):
    list_display = ("scheme", "scope", "kind", "key", "content_type", "object_id")
    list_filter = ("scheme", "kind")
    search_fields = ("scope", "key")
    list_select_related = ("content_type",)
    readonly_fields = ("scheme", "scope", "kind", "key", "content_type", "object_id", "created_at", "updated_at")


@admin.register(Attribute)
class AttributeAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "value", "unit", "group", "content_type", "object_id", "source")
    list_filter = ("source", "content_type")
    search_fields = ("name", "value", "group")
    list_select_related = ("content_type",)


@admin.register(DocumentReference)
class DocumentReferenceAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "category", "file_name", "content_type", "object_id")
    list_filter = ("content_type",)
    search_fields = ("name", "file_name", "reference")
    list_select_related = ("content_type",)


@admin.register(System)
class SystemAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "category", "site")
    list_filter = ("site",)
    search_fields = ("name", "category")
    autocomplete_fields = ("site", "resources")
    list_select_related = ("site",)


@admin.register(ZoneSpace)
class ZoneSpaceAdmin(ReadOnlyHistoryAdmin):
    """Which spaces each zone groups (COBie and IFC zones fill these; a space may be in several zones)."""

    list_display = ("zone", "space")
    search_fields = ("zone__code", "zone__name", "space__code", "space__name")
    autocomplete_fields = ("zone", "space")
    list_select_related = ("zone", "space")


@admin.register(ColumnMapping)
class ColumnMappingAdmin(ReadOnlyHistoryAdmin):
    list_display = ("target", "name", "created_by", "updated_at")
    list_filter = ("target",)
    search_fields = ("name",)
    readonly_fields = ("created_by",)
    list_select_related = ("created_by",)


class RevokedFilter(admin.SimpleListFilter):
    title = gettext_lazy("revoked")
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", gettext_lazy("Live")), ("yes", gettext_lazy("Revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> QuerySet[CalendarFeed]:
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Every person's calendar feeds, to see which are read and to revoke one (a leaked address, a person
    who left). Feeds are made by their owners on the "Calendar feeds" screen, where the address is shown
    once; neither the token nor its hash is shown here."""

    list_display = ("user", "kind", "site", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind", RevokedFilter)
    list_select_related = ("user", "site")
    search_fields = ("user__username", "user__first_name", "user__last_name", "site__name")
    fields = ("user", "kind", "site", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected calendar feeds"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        revoked = 0
        for feed in queryset.filter(revoked_at__isnull=True):
            try:
                calendar_feed_revoke(feed=feed, user=request.user)
            except ActionForbidden as error:
                self.message_user(request, f"{feed}: {error.message}", level=messages.ERROR)
            else:
                revoked += 1
        message = ngettext("%(count)s calendar feed revoked.", "%(count)s calendar feeds revoked.", revoked)
        self.message_user(request, message % {"count": revoked})
