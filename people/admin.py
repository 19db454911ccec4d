"""Admin of the people app: employees, their site memberships and certifications; electronic signatures
and signing attempts (read-only); and personal data: consents (added, never changed), location traces and
people in photos (read-only), the privacy log, and the two data-subject actions on employees (export,
anonymise)."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.errors import ActionNotAllowed
from core.history_admin import ReadOnlyHistoryAdmin
from people.anonymisation import anonymise_employee
from people.models import (
    Certification,
    ConsentRecord,
    Employee,
    EmployeeCertification,
    LocationTrace,
    PersonInPhoto,
    PrivacyLog,
)
from people.privacy import current_consent, photo_mark_person, record_consent
from people.signature_models import Signature, SigningAttempts
from people.signatures import verify
from people.subject_access import export_person_data


class EmployeeCertificationInline(admin.TabularInline):
    model = EmployeeCertification
    fields = ("certification", "certificate_number", "valid_from", "valid_to")
    autocomplete_fields = ("certification",)
    extra = 0


class ReadOnlyMixin:
    """Rows written by the services only; the admin shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ConsentRecordInline(ReadOnlyMixin, admin.TabularInline):
    """Every statement the employee made, newest first (add one on the consent records page)."""

    model = ConsentRecord
    fields = ("purpose", "given", "at", "notice_version", "recorded_by", "recorded_at")
    readonly_fields = fields
    ordering = ("-at", "-id")
    extra = 0


class AnonymiseConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone"),
        error_messages={"required": _("Tick the box to confirm.")},
    )


@admin.register(Employee)
class EmployeeAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "trade", "user", "hourly_rate", "currency", "active")
    list_filter = ("active", "trade", "sites")
    list_select_related = ("user",)
    search_fields = ("code", "name", "trade", "email", "phone", "user__username")
    autocomplete_fields = ("user",)
    filter_horizontal = ("sites",)
    inlines = (EmployeeCertificationInline, ConsentRecordInline)
    actions = ("export_personal_data", "anonymise")

    # Erasure and a full copy of someone's data are the data-protection officer's acts: whoever may
    # delete employees may do them (Administrators), not whoever may edit them (Supervisors).
    def has_privacy_permission(self, request: HttpRequest) -> bool:
        return self.has_delete_permission(request)

    @admin.action(description=_("Export personal data (ZIP)"), permissions=["privacy"])
    def export_personal_data(self, request: HttpRequest, queryset: models.QuerySet[Employee]) -> HttpResponse | None:
        """One employee at a time: the ZIP is one person's data subject access answer."""
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one employee to export."), messages.ERROR)
            return None
        employee = queryset.get()
        out = io.BytesIO()
        export_person_data(employee=employee, out=out, user=request.user)
        response = HttpResponse(out.getvalue(), content_type="application/zip")
        name = f"person-data-{employee.pk}-{timezone.now():%Y%m%d-%H%M%S}.zip"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.action(description=_("Anonymise for good…"), permissions=["privacy"])
    def anonymise(self, request: HttpRequest, queryset: models.QuerySet[Employee]) -> HttpResponse | None:
        """Ask for confirmation on an intermediate page, then anonymise each selected employee."""
        form = AnonymiseConfirmForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for employee in queryset:
                try:
                    anonymise_employee(employee=employee, user=request.user)
                except ActionNotAllowed as refusal:
                    self.message_user(request, f"{employee.pk}: {refusal.message}", messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(
                    request,
                    ngettext("%(count)d employee anonymised.", "%(count)d employees anonymised.", done)
                    % {"count": done},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Anonymise employees"),
            "opts": self.opts,
            "queryset": queryset.select_related("user"),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/people/employee/anonymise.html", context)


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


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Consent is recorded here (a new record for each statement); records are never changed or deleted."""

    list_display = ("employee", "purpose", "given", "at", "notice_version", "recorded_by", "recorded_at")
    list_filter = ("purpose", "given", "notice_version")
    list_select_related = ("employee", "recorded_by")
    search_fields = ("employee__code", "employee__name")
    autocomplete_fields = ("employee",)
    fields = ("employee", "purpose", "given", "at", "notice_version", "notice_text")
    readonly_fields = ("recorded_by", "recorded_at")
    date_hierarchy = "at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.fields, *self.readonly_fields) if obj is not None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ConsentRecord, form: forms.ModelForm, change: bool) -> None:
        saved = record_consent(
            employee=obj.employee,
            purpose=obj.purpose,
            given=obj.given,
            notice_version=obj.notice_version,
            notice_text=obj.notice_text,
            user=request.user,
            at=obj.at,
        )
        obj.pk, obj.recorded_by, obj.recorded_at = saved.pk, saved.recorded_by, saved.recorded_at
        obj._state.adding = False


@admin.register(LocationTrace)
class LocationTraceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Kept only with consent, deleted by the retention policy; nobody edits where someone was."""

    list_display = ("employee", "at", "latitude", "longitude", "accuracy_m", "source", "reference")
    list_filter = ("source",)
    list_select_related = ("employee",)
    search_fields = ("employee__code", "employee__name", "reference")
    readonly_fields = ("employee", "at", "latitude", "longitude", "accuracy_m", "source", "reference")
    date_hierarchy = "at"


class WithoutConsentFilter(admin.SimpleListFilter):
    title = _("consent")
    parameter_name = "consent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("withdrawn", _("Withdrawn since: review and remove"))]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return queryset.without_consent() if self.value() == "withdrawn" else queryset  # type: ignore[attr-defined]


class PersonInPhotoForm(forms.ModelForm):
    class Meta:
        model = PersonInPhoto
        fields = ("attachment", "employee")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        employee = cleaned.get("employee")
        if employee is not None:
            record = current_consent(employee, "photos")
            if record is None or not record.given:
                raise ValidationError({"employee": gettext("This person has not consented to photos of them.")})
            self.instance.consent = record
        return cleaned


@admin.register(PersonInPhoto)
class PersonInPhotoAdmin(admin.ModelAdmin):
    """Which photos show whom; a mark needs the person's photo consent, a withdrawn one flags the photo."""

    form = PersonInPhotoForm
    list_display = ("attachment", "employee", "marked_by", "marked_at")
    list_filter = (WithoutConsentFilter,)
    list_select_related = ("attachment", "employee", "marked_by")
    search_fields = ("employee__code", "employee__name", "attachment__title", "attachment__original_name")
    autocomplete_fields = ("employee",)
    raw_id_fields = ("attachment",)
    readonly_fields = ("consent", "marked_by", "marked_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PersonInPhoto, form: forms.ModelForm, change: bool) -> None:
        try:
            saved = photo_mark_person(attachment=obj.attachment, employee=obj.employee, user=request.user)
        except (ActionNotAllowed, ValidationError) as refusal:
            # The form checked consent a moment ago; withdrawn in between, the mark is not made.
            text = refusal.message if isinstance(refusal, ActionNotAllowed) else " ".join(refusal.messages)
            self.message_user(request, text, messages.ERROR)
            return
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(PrivacyLog)
class PrivacyLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who exported or anonymised whose data, and when (after anonymisation the row names no one)."""

    list_display = ("action", "employee", "performed_by", "performed_at")
    list_filter = ("action",)
    list_select_related = ("employee", "performed_by")
    date_hierarchy = "performed_at"
    readonly_fields = ("action", "employee", "performed_by", "performed_at", "counts")


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
