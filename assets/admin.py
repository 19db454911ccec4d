"""Admin of the assets app: the master data administrators keep, with its change history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from assets.models import (
    ALLOWED_PARENT_KINDS,
    Area,
    Attachment,
    Container,
    Counter,
    Material,
    Reading,
    Resource,
    ResourceType,
    status_edit_error,
)
from core.history_admin import ReadOnlyHistoryAdmin

# Kinds that can hold other areas (a space holds nothing); offered as parents.
PARENT_KINDS = sorted(set().union(*ALLOWED_PARENT_KINDS.values()))
# Apps whose records take attachments; the record type list offers only these.
ATTACHABLE_APPS = ("assets", "people", "inventory", "plans", "orders")
READINGS_SHOWN = 5


@admin.register(Area)
class AreaAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "kind", "parent", "site", "active")
    list_filter = ("kind", ("site", admin.RelatedOnlyFieldListFilter), "active")
    list_select_related = ("parent", "site")
    search_fields = ("code", "name", "address")
    autocomplete_fields = ("parent",)
    readonly_fields = ("site", "path")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = Area.objects.filter(kind__in=PARENT_KINDS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet[Area], search_term: str
    ) -> tuple[models.QuerySet[Area], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The parent autocomplete offers only areas that can hold others.
        if request.GET.get("model_name") == "area" and request.GET.get("field_name") == "parent":
            queryset = queryset.filter(kind__in=PARENT_KINDS)
        return queryset, may_have_duplicates


@admin.register(ResourceType)
class ResourceTypeAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "manufacturer", "model_number")
    search_fields = ("name", "manufacturer", "model_number")


class StatusEditForm(ModelForm):
    """Down and on hold are set through downtime (with who and why), not by editing the status."""

    def clean_status(self) -> str:
        status: str = self.cleaned_data["status"]
        error = status_edit_error(self.initial.get("status") if self.instance.pk else None, status)
        if error:
            raise ValidationError(error)
        return status


@admin.register(Resource)
class ResourceAdmin(ReadOnlyHistoryAdmin):
    form = StatusEditForm
    list_display = (
        "tag",
        "name",
        "area",
        "parent",
        "resource_type",
        "manufacturer",
        "model_number",
        "criticality",
        "status",
    )
    list_filter = (
        "status",
        "criticality",
        ("area__site", admin.RelatedOnlyFieldListFilter),
        ("resource_type", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("area", "parent", "resource_type")
    search_fields = ("tag", "name", "manufacturer", "model_number", "serial_number")
    autocomplete_fields = ("area", "parent", "resource_type")


@admin.register(Container)
class ContainerAdmin(ReadOnlyHistoryAdmin):
    form = StatusEditForm
    list_display = ("tag", "name", "container_type", "area", "capacity", "capacity_unit", "status")
    list_filter = ("status", "container_type", ("area__site", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("area",)
    search_fields = ("tag", "name", "container_type")
    autocomplete_fields = ("area",)


@admin.register(Material)
class MaterialAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "lot_number", "name", "area", "quantity", "unit", "expiry_date")
    list_filter = (("area__site", admin.RelatedOnlyFieldListFilter), "expiry_date")
    list_select_related = ("area",)
    search_fields = ("code", "lot_number", "name")
    autocomplete_fields = ("area",)


class NewestReadingsFormSet(BaseInlineFormSet):
    """Only the newest readings: a counter may have thousands."""

    def get_queryset(self) -> models.QuerySet[Reading]:
        return super().get_queryset().order_by("-taken_at")[:READINGS_SHOWN]


class ReadingInline(admin.TabularInline):
    model = Reading
    formset = NewestReadingsFormSet
    fields = ("taken_at", "value", "is_reset", "source", "entered_by", "note")
    raw_id_fields = ("entered_by",)
    extra = 1


@admin.register(Counter)
class CounterAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "entity", "kind", "unit")
    list_filter = ("kind",)
    list_select_related = ("area", "resource", "container", "material")
    search_fields = ("name", "area__code", "resource__tag", "container__tag", "material__code")
    autocomplete_fields = ("area", "resource", "container", "material")
    inlines = (ReadingInline,)

    @admin.display(description=_("entity"))
    def entity(self, counter: Counter) -> Any:
        return counter.entity

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any, change: bool) -> None:
        for reading in (inline_form.instance for inline_form in formset.forms):
            if isinstance(reading, Reading) and reading.entered_by_id is None:
                reading.entered_by_id = request.user.pk
        super().save_formset(request, form, formset, change)


@admin.register(Reading)
class ReadingAdmin(ReadOnlyHistoryAdmin):
    list_display = ("counter", "taken_at", "value", "is_reset", "source", "entered_by")
    list_filter = ("source", "is_reset", "counter__kind")
    list_select_related = (
        "counter__area",
        "counter__resource",
        "counter__container",
        "counter__material",
        "entered_by",
    )
    search_fields = ("counter__name", "note")
    date_hierarchy = "taken_at"
    autocomplete_fields = ("counter",)
    raw_id_fields = ("entered_by",)

    def save_model(self, request: HttpRequest, obj: Reading, form: ModelForm, change: bool) -> None:
        if obj.entered_by_id is None:
            obj.entered_by_id = request.user.pk
        super().save_model(request, obj, form, change)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("__str__", "content_type", "object_id", "size", "mime_type", "uploaded_by", "uploaded_at")
    list_filter = ("content_type", "mime_type")
    list_select_related = ("content_type", "uploaded_by")
    search_fields = ("title", "original_name")
    date_hierarchy = "uploaded_at"
    fields = ("content_type", "object_id", "file", "title", "original_name", "size", "mime_type", "uploaded_by")
    readonly_fields = ("original_name", "size", "mime_type", "uploaded_by")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "content_type":
            kwargs["queryset"] = ContentType.objects.filter(app_label__in=ATTACHABLE_APPS).exclude(
                model__startswith="historical"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Attachment, form: ModelForm, change: bool) -> None:
        if not change or "file" in form.changed_data:
            obj.uploaded_by_id = request.user.pk
        super().save_model(request, obj, form, change)
