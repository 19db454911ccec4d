"""Admin of the people app: employees, their site memberships and certifications; electronic signatures
and signing attempts (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.history_admin import ReadOnlyHistoryAdmin
from people.models import Certification, Employee, EmployeeCertification
from people.signature_models import Signature, SigningAttempts
from people.signatures import verify


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    """Electronic signatures are append-only: written by the signed actions, only read here."""

    list_display = ("signed_at", "signer_name", "meaning", "action", "content_type", "object_id", "method")
    list_filter = ("meaning", "method", "content_type")
    list_select_related = ("content_type",)
    raw_id_fields = ("signer",)
    search_fields = ("signer_name", "signer__username", "statement", "content_hash")
    date_hierarchy = "signed_at"
    # Checking a signature reads its record: on the signature's page, not for every row of the list.
    readonly_fields = ("valid",)

    @admin.display(boolean=True, description=_("record still matches what was signed"))
    def valid(self, signature: Signature) -> bool:
        return verify(signature)


@admin.register(SigningAttempts)
class SigningAttemptsAdmin(ReadOnlyAdmin):
    list_display = ("user", "failures", "last_failure_at", "locked_until")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    search_fields = ("user__username",)
    exclude = ("last_failure_key",)
