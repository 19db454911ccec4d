"""Admin of investment planning: type lifecycles are master data; a resource's own figures and its planned
replacement year, and the organisation's settings, are saved through the services (which check the
horizon and write history with the user), as on the screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history_admin import ReadOnlyHistoryAdmin
from core.scoping import visible_site_ids
from investment import services
from investment.health import with_health
from investment.models import SETTINGS_ID, AssessedResource, InvestmentSettings, ResourceLifecycle, TypeLifecycle


@admin.register(TypeLifecycle)
class TypeLifecycleAdmin(ReadOnlyHistoryAdmin):
    list_display = (
        "resource_type",
        "expected_life_years",
        "replacement_cost",
        "currency",
        "consequence",
        "likelihood",
    )
    list_filter = ("consequence", "likelihood", "currency")
    list_select_related = ("resource_type",)
    search_fields = ("resource_type__name", "resource_type__manufacturer", "resource_type__model_number")
    autocomplete_fields = ("resource_type",)


class ResourceLifecycleForm(forms.ModelForm):
    """The planned year is checked against the forecast's horizon here, so a wrong one is a field error."""

    class Meta:
        model = ResourceLifecycle
        fields = [
            "resource",
            "expected_life_years",
            "replacement_cost",
            "currency",
            "consequence",
            "likelihood",
            "planned_replacement_year",
        ]

    def clean_planned_replacement_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("planned_replacement_year")
        if "planned_replacement_year" in self.changed_data:
            error = services.planned_year_error(year)
            if error:
                raise ValidationError(error)
        return year


@admin.register(ResourceLifecycle)
class ResourceLifecycleAdmin(ReadOnlyHistoryAdmin):
    form = ResourceLifecycleForm
    list_display = (
        "resource",
        "expected_life_years",
        "replacement_cost",
        "currency",
        "consequence",
        "likelihood",
        "planned_replacement_year",
        "planned_by",
    )
    list_filter = ("planned_replacement_year", ("resource__area__site", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("resource", "planned_by")
    search_fields = ("resource__tag", "resource__name")
    autocomplete_fields = ("resource",)
    readonly_fields = ("planned_by", "planned_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The row belongs to its resource for good: another resource's figures are another row.
        return (*self.readonly_fields, "resource") if obj is not None else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        site_ids = visible_site_ids(request.user)
        return queryset if site_ids is None else queryset.filter(resource__area__site_id__in=site_ids)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        resource = obj.resource if change else data["resource"]
        lifecycle = services.resource_lifecycle_update(
            resource=resource, user=request.user, **{name: data[name] for name in services.LIFECYCLE_FIELDS}
        )
        if "planned_replacement_year" in form.changed_data:
            lifecycle = services.replacement_move(
                resource=resource, year=data["planned_replacement_year"], user=request.user
            )
        obj.pk = lifecycle.pk
        obj.planned_by, obj.planned_at = lifecycle.planned_by, lifecycle.planned_at


@admin.register(InvestmentSettings)
class InvestmentSettingsAdmin(ReadOnlyHistoryAdmin):
    """One row: added once (when nobody has saved the settings yet), then changed, never deleted."""

    list_display = ("__str__", "inflation_rate", "horizon_years", "base_year", "first_year", "updated_at")
    fields = ("inflation_rate", "horizon_years", "base_year")

    @admin.display(description=_("first year"))
    def first_year(self, obj: InvestmentSettings) -> int:
        return obj.first_year(timezone.localdate())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not InvestmentSettings.objects.filter(pk=SETTINGS_ID).exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.settings_update(
            user=request.user,
            inflation_rate=data["inflation_rate"],
            horizon_years=data["horizon_years"],
            base_year=data["base_year"],
        )
        obj.pk = saved.pk


@admin.register(AssessedResource)
class AssessedResourceAdmin(admin.ModelAdmin):
    """Health, risk and replacement year of every resource, to look at (they are computed, not edited)."""

    list_display = ("tag", "name", "site", "health_shown", "risk", "replacement_year")
    list_select_related = ("area__site",)
    search_fields = ("tag", "name")
    list_filter = (("area__site", admin.RelatedOnlyFieldListFilter), "status")
    fields = readonly_fields = ("tag", "name", "area", "parent", "resource_type", "status", "installation_date")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = with_health(super().get_queryset(request), now=timezone.now())
        site_ids = visible_site_ids(request.user)
        return queryset if site_ids is None else queryset.filter(area__site_id__in=site_ids)

    @admin.display(description=_("site"), ordering="area__site__name")
    def site(self, obj: Any) -> Any:
        return obj.area.site

    @admin.display(description=_("health"), ordering="health")
    def health_shown(self, obj: Any) -> str:
        return f"{obj.health:.0f}"

    @admin.display(description=_("risk"), ordering="risk")
    def risk(self, obj: Any) -> int:
        return int(obj.risk)

    @admin.display(description=_("replacement year"), ordering="replacement_year")
    def replacement_year(self, obj: Any) -> int | None:
        return obj.replacement_year

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
