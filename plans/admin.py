"""Admin of the plans app: change sets, plans, their versions and activities, plan instances.

States are never edited here. Every change of state, and every new plan, draft version, piece of draft
content or plan instance, goes through ``plans.services`` (the functions the planner screens call);
what they refuse comes back as an error message or a form error, never as a server error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assets.models import ENTITY_FIELDS
from core.errors import ActionForbidden, ActionNotAllowed
from core.history_admin import ReadOnlyHistoryAdmin
from plans import services
from plans.models import (
    ACTIVITY_AUTOMATION_FIELDS,
    ACTIVITY_EXECUTION_FIELDS,
    ACTIVITY_IDENTITY_FIELDS,
    ACTIVITY_SCHEDULING_FIELDS,
    ACTIVITY_TIME_FIELDS,
    ACTIVITY_USAGE_FIELDS,
    TIME_TRIGGERS,
    USAGE_TRIGGERS,
    Activity,
    ActivityAction,
    BillOfPartsLine,
    ChangeSet,
    ChangeSetState,
    ChecklistItem,
    DataParameter,
    MaintenancePlan,
    PersonnelRequirement,
    PlanInstance,
    PlanVersion,
    PlanVersionState,
    VersionedContent,
    VersionLocked,
)

# What the services refuse with; shown to the user as they are.
REFUSALS = (ActionNotAllowed, ActionForbidden, VersionLocked)


def refusal_message(error: Exception) -> str:
    if isinstance(error, ActionNotAllowed | ActionForbidden):
        return error.message
    return " ".join(getattr(error, "messages", [str(error)]))


def version_of(obj: Any) -> PlanVersion | None:
    """The version whose lock governs ``obj`` (a version, an activity or a row it carries), once known."""
    if isinstance(obj, PlanVersion):
        return obj
    if isinstance(obj, VersionedContent):
        try:
            return obj.owning_version()
        except ObjectDoesNotExist:  # not linked to an activity or version yet
            return None
    return None


def is_editable(obj: Any) -> bool:
    """Whether ``obj`` (a version, or content of one) may still change; ``None`` (an add page) may."""
    version = version_of(obj)
    return version is None or version.pk is None or version.is_editable


def version_link(version: PlanVersion) -> str:
    url = reverse("admin:plans_planversion_change", args=[version.pk])
    return format_html('<a href="{}">{}</a>', url, version)


def interval_summary(activity: Activity) -> str:
    """e.g. "1 months", "250 h (Operating hours)", "6 months or 10000 km (Odometer)"; "—" for ad hoc."""
    parts = []
    if activity.trigger in TIME_TRIGGERS and activity.time_interval:
        parts.append(f"{activity.time_interval} {activity.get_time_unit_display()}")
    if activity.trigger in USAGE_TRIGGERS and activity.usage_interval:
        unit = f" {activity.counter_unit}" if activity.counter_unit else ""
        parts.append(f"{activity.usage_interval.normalize():f}{unit} ({activity.counter_name})")
    return gettext(" or ").join(parts) or "—"


# --- Shared behaviour --------------------------------------------------------------------------
class PlansAdmin(ReadOnlyHistoryAdmin):
    """History without "revert", no bulk delete, and service refusals as messages.

    Reverting would save an old copy of the row straight to the database (states and effective
    version included), and a bulk delete skips each row's checks, so both would bypass the services.
    """

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and object_id:
            obj = self.get_object(request, unquote(object_id))
            version = version_of(obj)
            if version is not None and not version.is_editable:
                try:
                    version.assert_editable()
                except VersionLocked as error:
                    self.message_user(request, refusal_message(error), messages.ERROR)
                    return HttpResponseRedirect(request.path)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as error:
            # A rule the form could not check beforehand, or someone acted at the same moment; the
            # transaction around the save was rolled back.
            self.message_user(request, refusal_message(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def run_each(
        self,
        request: HttpRequest,
        queryset: models.QuerySet[Any],
        service: Callable[[Any], Any],
        done: str,
    ) -> None:
        """Call ``service`` for each selected row; one message per success and per refusal."""
        for obj in queryset:
            try:
                result = service(obj)
            except REFUSALS as error:
                self.message_user(request, f"{obj}: {refusal_message(error)}", messages.ERROR)
            else:
                self.message_user(request, done % {"object": result if result is not None else obj}, messages.SUCCESS)


class LockedContentForm(forms.ModelForm):
    """Refuses, as a form error, content of a version that is no longer an editable draft."""

    def _post_clean(self) -> None:  # after the instance took the form's values
        super()._post_clean()  # type: ignore[misc]
        version = version_of(self.instance)
        if version is not None and version.pk is not None:
            try:
                version.assert_editable()
            except VersionLocked as error:
                self.add_error(None, error)


class VersionedContentAdminMixin:
    """Saves and deletes draft content through ``draft_content_save`` / ``draft_content_delete``."""

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        if not issubclass(formset.model, VersionedContent):
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        saved = formset.save(commit=False)
        for obj in formset.deleted_objects:  # first, so a code or part can move to a new row
            services.draft_content_delete(obj=obj, user=request.user)
        for obj in saved:
            services.draft_content_save(obj=obj, user=request.user)
        formset.save_m2m()


class ReadOnlyInline(admin.TabularInline):
    """Rows shown for reference; they change only through their own page or a service."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContentInline(admin.TabularInline):
    """Content of a version, editable only while the version (``obj``: the parent) is an editable draft."""

    form = LockedContentForm
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and is_editable(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and is_editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and is_editable(obj)


class VersionInline(ReadOnlyInline):
    model = PlanVersion
    fields: ClassVar[tuple[str, ...]] = ("version", "state", "change_set", "effective_from", "superseded_at", "notes")
    ordering = ("-number",)
    readonly_fields: ClassVar[tuple[str, ...]] = (*fields, "created_by", "effective_by")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[PlanVersion]:
        return super().get_queryset(request).select_related("plan", "change_set")

    @admin.display(description=_("version"))
    def version(self, version: PlanVersion) -> str:
        return version_link(version)


class ChangeSetVersionInline(VersionInline):
    fields: ClassVar[tuple[str, ...]] = ("version", "plan", "state", "effective_from", "notes")
    readonly_fields: ClassVar[tuple[str, ...]] = (*fields, "created_by", "effective_by")


# --- Change sets -------------------------------------------------------------------------------
class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), help_text=_("Required.")
    )


@admin.register(ChangeSet)
class ChangeSetAdmin(PlansAdmin):
    list_display = (
        "name",
        "state",
        "version_count",
        "implicit",
        "created_by",
        "created_at",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("state", "implicit")
    list_select_related = ("created_by", "submitted_by", "decided_by")
    search_fields = ("name", "description", "decision_note", "versions__plan__code", "versions__plan__name")
    date_hierarchy = "created_at"
    fields = (
        "name",
        "description",
        "state",
        "implicit",
        "created_by",
        "created_at",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = (
        "state",
        "implicit",
        "created_by",
        "created_at",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    inlines = (ChangeSetVersionInline,)
    actions = ("submit", "approve", "reject")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[ChangeSet]:
        return super().get_queryset(request).annotate(version_total=Count("versions"))

    @admin.display(description=_("versions"), ordering="version_total")
    def version_count(self, change_set: Any) -> int:
        return int(change_set.version_total)

    def get_fields(self, request: HttpRequest, obj: ChangeSet | None = None) -> Any:
        return ("name", "description") if obj is None else self.fields

    def get_inlines(self, request: HttpRequest, obj: ChangeSet | None) -> Any:
        return self.inlines if obj is not None else ()  # a new change set holds no versions yet

    # Once submitted, what was approved or rejected stays as it was.
    def has_change_permission(self, request: HttpRequest, obj: ChangeSet | None = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.is_open)

    def has_delete_permission(self, request: HttpRequest, obj: ChangeSet | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_open)

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("plans.submit_changeset")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("plans.approve_changeset")

    def save_model(self, request: HttpRequest, obj: ChangeSet, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.changeset_create(user=request.user, name=obj.name, description=obj.description)
        obj.pk, obj.created_by, obj.created_at = created.pk, created.created_by, created.created_at
        obj._state.adding = False

    @admin.action(description=_("Submit for approval"), permissions=["submit"])
    def submit(self, request: HttpRequest, queryset: models.QuerySet[ChangeSet]) -> None:
        self.run_each(
            request,
            queryset,
            lambda change_set: services.changeset_submit(change_set=change_set, user=request.user),
            gettext("%(object)s: submitted for approval."),
        )

    @admin.action(description=_("Approve"), permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: models.QuerySet[ChangeSet]) -> None:
        self.run_each(
            request,
            queryset,
            lambda change_set: services.changeset_approve(change_set=change_set, user=request.user),
            gettext("%(object)s: approved."),
        )

    @admin.action(description=_("Reject…"), permissions=["approve"])
    def reject(self, request: HttpRequest, queryset: models.QuerySet[ChangeSet]) -> HttpResponse | None:
        """Ask for the reason on an intermediate page, then reject each selected change set."""
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self.run_each(
                request,
                queryset,
                lambda change_set: services.changeset_reject(change_set=change_set, user=request.user, reason=reason),
                gettext("%(object)s: rejected."),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject change sets"),
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/plans/changeset/reject.html", context)


# --- Plans and versions ------------------------------------------------------------------------
class ActivityInline(ContentInline):
    model = Activity
    fields = (
        "position",
        "code",
        "name",
        "trigger",
        "time_interval",
        "time_unit",
        "counter_name",
        "counter_unit",
        "usage_interval",
        "schedule_next_mode",
        "executing_role",
        "priority",
    )
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Activity]:
        return super().get_queryset(request).select_related("executing_role")


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(PlansAdmin):
    list_display = ("code", "name", "effective", "effective_from", "active", "instance_count")
    list_filter = ("active", ("effective_version", admin.EmptyFieldListFilter))
    list_select_related = ("effective_version",)
    search_fields = ("code", "name", "description")
    readonly_fields = ("effective_version", "created_at")
    inlines = (VersionInline,)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[MaintenancePlan]:
        active = Count("instances", filter=Q(instances__active=True))
        return super().get_queryset(request).annotate(active_instances=active)

    def get_fields(self, request: HttpRequest, obj: MaintenancePlan | None = None) -> Any:
        if obj is None:  # a new plan starts with a first draft version, made by plan_create
            return ("code", "name", "description")
        return ("code", "name", "description", "active", "effective_version", "created_at")

    def get_inlines(self, request: HttpRequest, obj: MaintenancePlan | None) -> Any:
        return self.inlines if obj is not None else ()

    @admin.display(description=_("effective version"), ordering="effective_version__number")
    def effective(self, plan: MaintenancePlan) -> str:
        return f"v{plan.effective_version.number}" if plan.effective_version else "—"

    @admin.display(description=_("effective from"), ordering="effective_version__effective_from")
    def effective_from(self, plan: MaintenancePlan) -> Any:
        return plan.effective_version.effective_from if plan.effective_version else None

    @admin.display(description=_("active instances"), ordering="active_instances")
    def instance_count(self, plan: Any) -> int:
        return int(plan.active_instances)

    def save_model(self, request: HttpRequest, obj: MaintenancePlan, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        version = services.plan_create(user=request.user, code=obj.code, name=obj.name, description=obj.description)
        obj.pk, obj.created_at = version.plan_id, version.plan.created_at
        obj._state.adding = False
        self.message_user(
            request,
            gettext("Draft %(version)s is in change set %(change_set)s: add its activities, then submit it.")
            % {"version": version, "change_set": version.change_set},
            messages.INFO,
        )

    def has_delete_permission(self, request: HttpRequest, obj: MaintenancePlan | None = None) -> bool:
        """Only a plan never used: no instances, and nothing but drafts still being edited."""
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        used = obj.versions.exclude(state=PlanVersionState.DRAFT, change_set__state=ChangeSetState.CREATED)
        return not used.exists() and not obj.instances.exists()


@admin.register(PlanVersion)
class PlanVersionAdmin(VersionedContentAdminMixin, PlansAdmin):
    form = LockedContentForm
    list_display = ("__str__", "plan", "number", "state", "change_set", "effective_from", "created_by")
    list_filter = ("state", "change_set__state", ("plan", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("plan", "change_set", "created_by")
    search_fields = ("plan__code", "plan__name", "notes", "change_set__name")
    fields = (
        "plan",
        "number",
        "state",
        "change_set",
        "based_on",
        "notes",
        "created_by",
        "created_at",
        "effective_from",
        "effective_by",
        "superseded_at",
    )
    readonly_fields = (
        "plan",
        "number",
        "state",
        "change_set",
        "based_on",
        "created_by",
        "created_at",
        "effective_from",
        "effective_by",
        "superseded_at",
    )
    inlines = (ActivityInline,)
    actions = ("create_draft", "make_effective")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[PlanVersion]:
        return super().get_queryset(request).select_related("plan", "change_set", "based_on__plan")

    # New versions come from plan_create (a new plan) or the "Create draft" action, never from a form.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PlanVersion | None = None) -> bool:
        return super().has_change_permission(request, obj) and is_editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: PlanVersion | None = None) -> bool:
        return super().has_delete_permission(request, obj) and is_editable(obj)

    def delete_model(self, request: HttpRequest, obj: PlanVersion) -> None:
        services.version_delete_draft(version=obj, user=request.user)

    def has_create_draft_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("plans.add_planversion")

    def has_make_effective_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("plans.make_effective_planversion")

    @admin.action(description=_("Create a draft from this version"), permissions=["create_draft"])
    def create_draft(self, request: HttpRequest, queryset: models.QuerySet[PlanVersion]) -> None:
        self.run_each(
            request,
            queryset,
            lambda version: services.version_create_draft(plan=version.plan, source=version, user=request.user),
            gettext("%(object)s: new draft created."),
        )

    @admin.action(description=_("Make effective"), permissions=["make_effective"])
    def make_effective(self, request: HttpRequest, queryset: models.QuerySet[PlanVersion]) -> None:
        self.run_each(
            request,
            queryset,
            lambda version: services.version_make_effective(version=version, user=request.user),
            gettext("%(object)s: now effective."),
        )


# --- Activities and what they carry ------------------------------------------------------------
class ChecklistItemInline(ContentInline):
    model = ChecklistItem
    fields = ("position", "text", "kind", "required", "unit", "lower_limit", "upper_limit")


class BillOfPartsLineInline(ContentInline):
    model = BillOfPartsLine
    fields = ("part", "quantity")
    autocomplete_fields = ("part",)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[BillOfPartsLine]:
        return super().get_queryset(request).select_related("part")


class DataParameterInline(ContentInline):
    model = DataParameter
    fields = (
        "position",
        "name",
        "unit",
        "required",
        "lower_action_limit",
        "lower_warning_limit",
        "upper_warning_limit",
        "upper_action_limit",
    )


class PersonnelRequirementInline(ContentInline):
    model = PersonnelRequirement
    fields = ("count", "certification", "trade", "estimated_hours")
    autocomplete_fields = ("certification",)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[PersonnelRequirement]:
        return super().get_queryset(request).select_related("certification")


class ActivityActionInline(ContentInline):
    model = ActivityAction
    fields = ("on_transition", "kind", "settings")


@admin.register(Activity)
class ActivityAdmin(VersionedContentAdminMixin, PlansAdmin):
    form = LockedContentForm
    list_display = (
        "name",
        "code",
        "version",
        "trigger",
        "interval",
        "schedule_next_mode",
        "executing_role",
        "priority",
    )
    list_filter = (
        "trigger",
        ("executing_role", admin.RelatedOnlyFieldListFilter),
        "priority",
        "version__state",
    )
    list_select_related = ("version__plan", "executing_role")
    search_fields = ("code", "name", "instructions", "version__plan__code", "version__plan__name")
    fieldsets = (
        (None, {"fields": ("version", *ACTIVITY_IDENTITY_FIELDS)}),
        (
            _("Trigger"),
            {
                "fields": (
                    "trigger",
                    ACTIVITY_TIME_FIELDS,
                    ACTIVITY_USAGE_FIELDS[:2],
                    ACTIVITY_USAGE_FIELDS[2:],
                    ACTIVITY_SCHEDULING_FIELDS,
                )
            },
        ),
        (_("Execution"), {"fields": (ACTIVITY_EXECUTION_FIELDS, ACTIVITY_AUTOMATION_FIELDS)}),
    )
    inlines = (
        ChecklistItemInline,
        BillOfPartsLineInline,
        DataParameterInline,
        PersonnelRequirementInline,
        ActivityActionInline,
    )

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Activity]:
        return super().get_queryset(request).select_related("version__plan", "version__change_set", "executing_role")

    def get_readonly_fields(self, request: HttpRequest, obj: Activity | None = None) -> Any:
        return ("version",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "version":  # new activities go into drafts still being edited
            kwargs["queryset"] = PlanVersion.objects.filter(
                state=PlanVersionState.DRAFT, change_set__state=ChangeSetState.CREATED
            ).select_related("plan")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("interval"))
    def interval(self, activity: Activity) -> str:
        return interval_summary(activity)

    def has_change_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        return super().has_change_permission(request, obj) and is_editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        return super().has_delete_permission(request, obj) and is_editable(obj)

    def save_model(self, request: HttpRequest, obj: Activity, form: forms.ModelForm, change: bool) -> None:
        services.draft_content_save(obj=obj, user=request.user)

    def delete_model(self, request: HttpRequest, obj: Activity) -> None:
        services.draft_content_delete(obj=obj, user=request.user)


# --- Plan instances ----------------------------------------------------------------------------
class PlanInstanceAddForm(forms.ModelForm):
    """Checks what ``plan_apply`` would refuse, so the refusal shows on the form.

    Duplicates and "exactly one entity" are the model's own constraints, checked by every model form.
    """

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        plan = cleaned.get("plan")
        entities = [cleaned[name] for name in ENTITY_FIELDS if cleaned.get(name)]
        if plan is None or len(entities) != 1:
            return cleaned
        version = plan.effective_version
        if version is None:
            self.add_error(
                "plan", _("%(plan)s has no effective version yet; make one effective first.") % {"plan": plan}
            )
            return cleaned
        missing = services.entities_missing_counters(version, entities)
        if missing:
            raise forms.ValidationError(missing)
        return cleaned


@admin.register(PlanInstance)
class PlanInstanceAdmin(PlansAdmin):
    list_display = ("plan", "entity", "owner_role", "start_date", "active", "created_by", "created_at")
    list_filter = (
        ("plan", admin.RelatedOnlyFieldListFilter),
        "active",
        ("owner_role", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("plan", "owner_role", "created_by", *ENTITY_FIELDS)
    search_fields = (
        "plan__code",
        "plan__name",
        "area__code",
        "area__name",
        "resource__tag",
        "resource__name",
        "container__tag",
        "container__name",
        "material__code",
        "material__name",
    )
    date_hierarchy = "start_date"
    raw_id_fields = ENTITY_FIELDS
    readonly_fields = ("active", "created_by", "created_at", "deactivated_at", "deactivated_by", "deactivation_reason")
    actions = ("deactivate",)

    def get_fields(self, request: HttpRequest, obj: PlanInstance | None = None) -> Any:
        if obj is None:
            return ("plan", *ENTITY_FIELDS, "owner_role", "start_date")
        return ("plan", "entity", "owner_role", "start_date", *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: PlanInstance | None = None) -> Any:
        if obj is None:
            return ()
        return ("plan", "entity", *self.readonly_fields)

    def get_form(
        self, request: HttpRequest, obj: PlanInstance | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = PlanInstanceAddForm
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "plan":
            kwargs["queryset"] = MaintenancePlan.objects.filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("entity"))
    def entity(self, instance: PlanInstance) -> Any:
        return instance.entity

    def save_model(self, request: HttpRequest, obj: PlanInstance, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        assert obj.entity is not None  # the form required exactly one
        (created,) = services.plan_apply(
            plan=obj.plan,
            entities=[obj.entity],
            owner_role=obj.owner_role,
            start_date=obj.start_date,
            user=request.user,
        )
        obj.pk, obj.created_by, obj.created_at = created.pk, created.created_by, created.created_at
        obj._state.adding = False

    # An instance is deactivated, not deleted: its orders keep pointing at it.
    def has_delete_permission(self, request: HttpRequest, obj: PlanInstance | None = None) -> bool:
        return False

    @admin.action(description=_("Deactivate"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: models.QuerySet[PlanInstance]) -> None:
        self.run_each(
            request,
            queryset,
            lambda instance: services.planinstance_deactivate(instance=instance, user=request.user),
            gettext("%(object)s: deactivated."),
        )
