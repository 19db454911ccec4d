"""Admin of the people app: employees, their site memberships and certifications."""

from __future__ import annotations

from django.contrib import admin

from core.history_admin import ReadOnlyHistoryAdmin
from people.models import Certification, Employee, EmployeeCertification


class EmployeeCertificationInline(admin.TabularInline):
    model = EmployeeCertification
    fields = ("certification", "certificate_number", "valid_from", "valid_to")
    autocomplete_fields = ("certification",)
    extra = 0


@admin.register(Employee)
class EmployeeAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "trade", "user", "hourly_rate", "currency", "location_tracking_consent", "active")
    list_filter = ("active", "trade", "sites", "location_tracking_consent")
    list_select_related = ("user",)
    search_fields = ("code", "name", "trade", "email", "phone", "user__username")
    autocomplete_fields = ("user",)
    filter_horizontal = ("sites",)
    readonly_fields = ("location_tracking_consent_at",)
    inlines = (EmployeeCertificationInline,)


@admin.register(Certification)
class CertificationAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "issuing_body", "validity_months")
    list_filter = ("issuing_body",)
    search_fields = ("code", "name", "issuing_body")


@admin.register(EmployeeCertification)
class EmployeeCertificationAdmin(ReadOnlyHistoryAdmin):
    list_display = ("employee", "certification", "certificate_number", "valid_from", "valid_to")
    list_filter = ("certification", "valid_to")
    list_select_related = ("employee", "certification")
    search_fields = (
        "employee__code",
        "employee__name",
        "certification__code",
        "certification__name",
        "certificate_number",
    )
    autocomplete_fields = ("employee", "certification")
    date_hierarchy = "valid_to"
