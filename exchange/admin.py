"""Admin of data exchange: import runs (read only: they are made by importing), the keys, attributes,
systems and document references imports keep, and the saved column mappings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from exchange.models import Attribute, ColumnMapping, DocumentReference, ExternalRef, ImportRun, System


class ReadOnlyAdmin(admin.ModelAdmin):
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


@admin.register(ExternalRef)
class ExternalRefAdmin(ReadOnlyAdmin):
    list_display = ("scheme", "scope", "kind", "key", "content_type", "object_id")
    list_filter = ("scheme", "kind")
    search_fields = ("scope", "key")
    list_select_related = ("content_type",)


@admin.register(Attribute)
class AttributeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "value", "unit", "group", "content_type", "object_id", "source")
    list_filter = ("source", "content_type")
    search_fields = ("name", "value", "group")
    list_select_related = ("content_type",)


@admin.register(DocumentReference)
class DocumentReferenceAdmin(SimpleHistoryAdmin):
    list_display = ("name", "category", "file_name", "content_type", "object_id")
    list_filter = ("content_type",)
    search_fields = ("name", "file_name", "reference")
    list_select_related = ("content_type",)


@admin.register(System)
class SystemAdmin(SimpleHistoryAdmin):
    list_display = ("name", "category", "site")
    list_filter = ("site",)
    search_fields = ("name", "category")
    autocomplete_fields = ("site", "resources")
    list_select_related = ("site",)


@admin.register(ColumnMapping)
class ColumnMappingAdmin(SimpleHistoryAdmin):
    list_display = ("target", "name", "created_by", "updated_at")
    list_filter = ("target",)
    search_fields = ("name",)
