"""Planner screens: plans, versions and their diff, the draft editor, change sets, applying plans.

Views are thin: fetch the object (plans are global; plan instances and entities are scoped to the
user's sites), check the permission, validate a form, call one service from ``plans.services``, then
message and redirect (or, for htmx, render the partial that changed). Services refuse what is not
allowed now with ``ActionNotAllowed`` (shown as a message or a form error) and what the user's roles
do not allow with ``ActionForbidden`` (a 403, like any ``PermissionDenied``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from assets.models import ENTITY_FIELDS, Area
from core.csv_export import export_response
from core.errors import ActionNotAllowed
from core.pagination import paginate
from core.queries import count_of
from core.scoping import visible_site_ids
from core.views import back, is_htmx, require_perm, screen
from people.signatures import checks_of
from plans import exports, services
from plans.filters import ChangeSetFilterSet, MaintenancePlanFilterSet, PlanInstanceFilterSet
from plans.forms import (
    ENTITY_KINDS,
    ActivityActionForm,
    ActivityForm,
    BillOfPartsLineForm,
    ChangeSetApproveForm,
    ChangeSetRejectForm,
    ChecklistItemForm,
    DataParameterForm,
    EntityFilterForm,
    MaintenancePlanCreateForm,
    PersonnelRequirementForm,
    PlanApplyForm,
    PlanInstanceDeactivateForm,
    PlanVersionCreateForm,
    VersionDiffForm,
    add_service_error,
)
from plans.models import (
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

VIEW_PERMISSION = "plans.view_maintenanceplan"
LIST_PAGE_SIZE = 20
ENTITY_PAGE_SIZE = 25


# Signed in, and a role that may see plans (Planner, Supervisor, Administrator): else 403, GET or POST.
plans_screen = screen(VIEW_PERMISSION)


def run_service(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Call a service; a refusal becomes an error message (``ActionForbidden`` propagates as a 403)."""
    try:
        action()
    except ActionNotAllowed as refusal:
        messages.error(request, refusal.message)
        return False
    except ValidationError as invalid:  # VersionLocked, or a rule of the model
        messages.error(request, " ".join(invalid.messages))
        return False
    messages.success(request, success)
    return True


def transition_allowed(user: Any, bound_transition: Any) -> bool:
    """The transition leaves the current state and the user's roles allow it.

    Like ``django_fsm.has_transition_perm`` without its conditions, which may query per row: a list shows
    the button, and the service checks the conditions when it is pressed.
    """
    meta = bound_transition._django_fsm
    instance = bound_transition.__self__
    return bool(meta.has_transition_perm(instance, meta.field.get_state(instance), user))


def may_decide(user: Any, change_set: ChangeSet) -> bool:
    """May approve or reject: in approval, the role allows it, and (four eyes) someone else submitted it."""
    if not transition_allowed(user, change_set.approve):
        return False
    own = change_set.submitted_by_id is not None and change_set.submitted_by_id == user.pk
    return not (settings.CHANGE_SET_FOUR_EYES and own and not user.is_superuser)


def annotate_change_set(user: Any, change_set: ChangeSet, has_versions: bool) -> ChangeSet:
    """Which change-set buttons the user sees (the services refuse the rest anyway)."""
    change_set.may_submit = has_versions and transition_allowed(user, change_set.submit)  # type: ignore[attr-defined]
    change_set.may_decide = may_decide(user, change_set)  # type: ignore[attr-defined]
    change_set.waits_for_other = (  # type: ignore[attr-defined]
        change_set.state == ChangeSetState.IN_APPROVAL
        and not change_set.may_decide  # type: ignore[attr-defined]
        and transition_allowed(user, change_set.approve)
    )
    return change_set


# --- Plans -------------------------------------------------------------------------------------
def plans_with_summary(site_ids: list[int] | None) -> QuerySet[MaintenancePlan]:
    """Plans with their effective version, their draft (if any) and their active instances in these sites."""
    drafts = PlanVersion.objects.filter(plan_id=OuterRef("pk"), state=PlanVersionState.DRAFT).order_by("-number")
    instances = PlanInstance.objects.active().in_sites(site_ids).filter(plan_id=OuterRef("pk"))
    return (
        MaintenancePlan.objects.with_effective()
        .annotate(
            draft_id=Subquery(drafts.values("pk")[:1]),
            draft_number=Subquery(drafts.values("number")[:1]),
            draft_change_set_state=Subquery(drafts.values("change_set__state")[:1]),
            active_instance_count=count_of(instances),
        )
        .order_by("code")
    )


# How a plan's draft stands, by the state of its change set.
DRAFT_LABELS = {
    ChangeSetState.CREATED: gettext_lazy("being edited"),
    ChangeSetState.IN_APPROVAL: gettext_lazy("in approval"),
    ChangeSetState.APPROVED: gettext_lazy("approved"),
    ChangeSetState.REJECTED: gettext_lazy("rejected"),
}


@plans_screen
def plan_list(request: HttpRequest) -> HttpResponseBase:
    """Plans, filtered and paginated."""
    site_ids = visible_site_ids(request.user)
    filterset = MaintenancePlanFilterSet(request.GET, queryset=plans_with_summary(site_ids), request=request)
    if (
        export := export_response(request, filterset.qs, exports.PLAN_COLUMNS, name=_("maintenance plans"))
    ) is not None:
        return export
    plans = paginate(request, filterset.qs, "page", LIST_PAGE_SIZE)
    for plan in plans:
        plan.draft_label = DRAFT_LABELS.get(plan.draft_change_set_state, "")
    waiting = None
    if request.user.has_perm("plans.approve_changeset"):
        waiting = ChangeSet.objects.filter(state=ChangeSetState.IN_APPROVAL).count()
    return render(
        request,
        "plans/plan_list.html",
        {
            "filterset": filterset,
            "plans": plans,
            "waiting_count": waiting,
            "filtered": bool(filterset.form.changed_data),
        },
    )


@plans_screen
def plan_create(request: HttpRequest) -> HttpResponse:
    """A new plan with its first draft version; then on to the draft editor."""
    require_perm(request, "plans.add_maintenanceplan")
    form = MaintenancePlanCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.plan_create(
                user=request.user,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                change_set=data["change_set"],
            )
        except ActionNotAllowed as refusal:
            form.add_error(None, refusal.message)
        except ValidationError as invalid:  # e.g. the code was taken a moment ago
            add_service_error(form, invalid)
        else:
            messages.success(request, _("Plan %(plan)s created; add its activities.") % {"plan": version.plan})
            return redirect("plans:version_detail", pk=version.pk)
    return render(request, "plans/plan_form.html", {"form": form})


def version_buttons(user: Any, version: PlanVersion) -> dict[str, bool]:
    change_set = version.change_set
    draft_of_open_set = version.state == PlanVersionState.DRAFT and change_set.state == ChangeSetState.CREATED
    implicit_shortcut = draft_of_open_set and change_set.implicit
    return {
        "editable": draft_of_open_set,
        "delete": draft_of_open_set and user.has_perm("plans.delete_planversion"),
        "make_effective": (
            (implicit_shortcut and user.has_perm("plans.make_effective_planversion"))
            or (version.change_set_approved() and transition_allowed(user, version.make_effective))
        ),
    }


@plans_screen
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan: its versions with their change sets, and what the user may do with each."""
    plan = get_object_or_404(MaintenancePlan.objects.with_effective(), pk=pk)
    versions = list(
        plan.versions.select_related("change_set", "created_by")
        .annotate(activity_count=count_of(Activity.objects.filter(version_id=OuterRef("pk"))))
        .order_by("-number")
    )
    change_sets: dict[int, ChangeSet] = {}
    for version in versions:
        version.buttons = version_buttons(request.user, version)  # type: ignore[attr-defined]
        if version.change_set_id not in change_sets:
            change_sets[version.change_set_id] = annotate_change_set(request.user, version.change_set, True)
        version.change_set = change_sets[version.change_set_id]
    has_open_draft = any(v.buttons["editable"] for v in versions)  # type: ignore[attr-defined]
    site_ids = visible_site_ids(request.user)
    context = {
        "plan": plan,
        "versions": versions,
        "may_create_draft": not has_open_draft and request.user.has_perm("plans.add_planversion"),
        "draft_form": PlanVersionCreateForm(),
        "may_apply": request.user.has_perm("plans.add_planinstance"),
        "active_instance_count": PlanInstance.objects.filter(plan=plan).active().in_sites(site_ids).count(),
        "can_diff": len(versions) > 1,
    }
    return render(request, "plans/plan_detail.html", context)


@plans_screen
@require_POST
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft version of the plan, copied from its effective version."""
    plan = get_object_or_404(MaintenancePlan, pk=pk)
    form = PlanVersionCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That change set is no longer open; choose another."))
        return redirect("plans:plan_detail", pk=plan.pk)
    created: list[PlanVersion] = []

    def action() -> None:
        created.append(
            services.version_create_draft(
                plan=plan,
                user=request.user,
                change_set=form.cleaned_data["change_set"],
                notes=form.cleaned_data["notes"],
            )
        )

    if run_service(request, action, _("New draft version created.")):
        return redirect("plans:version_detail", pk=created[0].pk)
    return redirect("plans:plan_detail", pk=plan.pk)


@plans_screen
@require_POST
def version_delete(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=pk)
    plan_id, label = version.plan_id, str(version)
    if not run_service(
        request,
        lambda: services.version_delete_draft(version=version, user=request.user),
        _("Draft %(version)s deleted.") % {"version": label},
    ):
        return redirect("plans:plan_detail", pk=plan_id)
    # Deleting a plan's only version deletes the plan.
    if MaintenancePlan.objects.filter(pk=plan_id).exists():
        return redirect("plans:plan_detail", pk=plan_id)
    return redirect("plans:plan_list")


@plans_screen
@require_POST
def version_make_effective(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=pk)
    run_service(
        request,
        lambda: services.version_make_effective(version=version, user=request.user),
        _("%(version)s is now effective.") % {"version": version},
    )
    return redirect("plans:plan_detail", pk=version.plan_id)


@plans_screen
def plan_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions side by side: by default the effective one against the latest draft."""
    plan = get_object_or_404(MaintenancePlan, pk=pk)
    versions = list(plan.versions.order_by("-number"))
    newest = next((v for v in versions if v.state == PlanVersionState.DRAFT), versions[0] if versions else None)
    older = [v for v in versions if newest is not None and v.number < newest.number]
    effective = next((v for v in versions if v.state == PlanVersionState.EFFECTIVE), None)
    default_a = effective if effective is not None and effective != newest else (older[0] if older else None)
    form = VersionDiffForm(
        request.GET if {"a", "b"} <= set(request.GET) else None,
        versions=versions,
        initial={"a": default_a.pk if default_a else None, "b": newest.pk if newest else None},
    )
    old, new = default_a, newest
    if form.is_bound and form.is_valid():
        old, new = form.cleaned_data["a"], form.cleaned_data["b"]
    diff = services.version_diff(old, new) if old is not None and new is not None and old != new else None
    context = {
        "plan": plan,
        "form": form,
        "old": old,
        "new": new,
        "changed": [d for d in diff or [] if d.changed],
        "same": [d for d in diff or [] if not d.changed],
        "compared": diff is not None,
    }
    return render(request, "plans/plan_diff.html", context)


# --- The draft editor --------------------------------------------------------------------------
@dataclass(frozen=True)
class RowKind:
    """Rows of one kind that an activity carries, added and deleted inline on the draft editor."""

    slug: str
    title: Promise
    related_name: str
    model: type[VersionedContent]
    form_class: type[forms.ModelForm[Any]]
    add_label: Promise
    empty: Promise
    prefetch: str


ROW_KINDS: dict[str, RowKind] = {
    kind.slug: kind
    for kind in [
        RowKind(
            "checklist",
            gettext_lazy("Checklist"),
            "checklist_items",
            ChecklistItem,
            ChecklistItemForm,
            gettext_lazy("Add checklist item"),
            gettext_lazy("No checklist items yet."),
            "checklist_items",
        ),
        RowKind(
            "parts",
            gettext_lazy("Bill of parts"),
            "parts",
            BillOfPartsLine,
            BillOfPartsLineForm,
            gettext_lazy("Add part"),
            gettext_lazy("No parts."),
            "parts__part",
        ),
        RowKind(
            "data",
            gettext_lazy("Data collection"),
            "data_parameters",
            DataParameter,
            DataParameterForm,
            gettext_lazy("Add data parameter"),
            gettext_lazy("No data to collect."),
            "data_parameters",
        ),
        RowKind(
            "personnel",
            gettext_lazy("Personnel requirements"),
            "personnel",
            PersonnelRequirement,
            PersonnelRequirementForm,
            gettext_lazy("Add requirement"),
            gettext_lazy("No personnel requirements."),
            "personnel__certification",
        ),
        RowKind(
            "actions",
            gettext_lazy("Actions"),
            "actions",
            ActivityAction,
            ActivityActionForm,
            gettext_lazy("Add action"),
            gettext_lazy("No actions."),
            "actions",
        ),
    ]
}


@dataclass
class RowSection:
    """One kind of rows of one activity on the editor: the rows and, on a draft, the add form."""

    kind: RowKind
    activity: Activity
    rows: list[Any]
    form: forms.ModelForm[Any] | None

    @property
    def anchor(self) -> str:
        return f"activity-{self.activity.pk}-{self.kind.slug}"


@dataclass
class EditorContext:
    """Caches the choices of select fields, so the editor's many add forms cost no query each."""

    editable: bool
    choices: dict[str, list[Any]] = field(default_factory=dict)

    def row_form(self, kind: RowKind, activity: Activity, data: Any = None) -> forms.ModelForm[Any]:
        form = kind.form_class(
            data, prefix=f"a{activity.pk}-{kind.slug}", instance=cast(Any, kind.model)(activity=activity)
        )
        for name, form_field in form.fields.items():
            if isinstance(form_field, forms.ModelChoiceField):
                if name not in self.choices:
                    self.choices[name] = list(cast(Any, form_field.choices))
                form_field.choices = self.choices[name]
        return form

    def section(self, kind: RowKind, activity: Activity, form: forms.ModelForm[Any] | None = None) -> RowSection:
        rows = list(getattr(activity, kind.related_name).all())
        if form is None and self.editable:
            form = self.row_form(kind, activity)
            if "position" in form.fields:
                form.initial["position"] = max((row.position for row in rows), default=0) + 1
        return RowSection(kind, activity, rows, form)


def version_for_editor(pk: int) -> PlanVersion:
    return get_object_or_404(PlanVersion.objects.select_related("plan", "change_set", "created_by"), pk=pk)


def activities_with_rows(version: PlanVersion) -> QuerySet[Activity]:
    return version.activities.select_related("executing_role").prefetch_related(
        *[kind.prefetch for kind in ROW_KINDS.values()]
    )


def editor_page(
    request: HttpRequest, version: PlanVersion, bound: tuple[int, str, forms.ModelForm[Any]] | None = None
) -> HttpResponse:
    editable = version.is_editable and request.user.has_perm("plans.change_activity")
    editor = EditorContext(editable=editable)
    activities = list(activities_with_rows(version))
    for activity in activities:
        activity.sections = [  # type: ignore[attr-defined]
            editor.section(
                kind, activity, bound[2] if bound and bound[0] == activity.pk and bound[1] == kind.slug else None
            )
            for kind in ROW_KINDS.values()
        ]
    change_set = annotate_change_set(request.user, version.change_set, True)
    context = {
        "version": version,
        "plan": version.plan,
        "change_set": change_set,
        "activities": activities,
        "editable": editable,
        "locked": not version.is_editable,
        "buttons": version_buttons(request.user, version),
    }
    return render(request, "plans/version_detail.html", context, status=200)


@plans_screen
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft editor; any other version is shown read-only."""
    return editor_page(request, version_for_editor(pk))


def locked_response(request: HttpRequest, version: PlanVersion) -> HttpResponse:
    """A write to a version that is no longer an editable draft: say so on the (read-only) editor."""
    try:
        version.assert_editable()
    except VersionLocked as locked:
        messages.error(request, " ".join(locked.messages))
    url = reverse("plans:version_detail", args=[version.pk])
    return HttpResponseClientRedirect(url) if is_htmx(request) else redirect(url)


def save_content(request: HttpRequest, form: forms.ModelForm[Any]) -> bool:
    """Save the form's object through ``draft_content_save``; its refusals go onto the form."""
    try:
        services.draft_content_save(obj=form.instance, user=request.user)
    except ValidationError as invalid:
        add_service_error(form, invalid)
        return False
    return True


@plans_screen
def activity_form(request: HttpRequest, version_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    """Add an activity to a draft (``version_pk``) or change one (``pk``)."""
    if pk is not None:
        activity = get_object_or_404(Activity.objects.select_related("version__plan", "version__change_set"), pk=pk)
        version = activity.version
        require_perm(request, "plans.change_activity")
    else:
        version = version_for_editor(version_pk or 0)
        activity = Activity(version=version)
        require_perm(request, "plans.add_activity")
    if not version.is_editable:
        return locked_response(request, version)
    if pk is None and request.method == "GET":
        activity.position = version.activities.count() + 1
    form = ActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid() and save_content(request, form):
        messages.success(request, _("Activity “%(activity)s” saved.") % {"activity": form.instance})
        return redirect(reverse("plans:version_detail", args=[version.pk]) + f"#activity-{form.instance.pk}")
    return render(request, "plans/activity_form.html", {"form": form, "version": version, "activity": activity})


@plans_screen
@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity.objects.select_related("version__plan", "version__change_set"), pk=pk)
    version = activity.version
    if not version.is_editable:
        return locked_response(request, version)
    run_service(
        request,
        lambda: services.draft_content_delete(obj=activity, user=request.user),
        _("Activity “%(activity)s” deleted.") % {"activity": activity},
    )
    return redirect("plans:version_detail", pk=version.pk)


def row_kind(slug: str) -> RowKind:
    try:
        return ROW_KINDS[slug]
    except KeyError as missing:
        raise Http404 from missing


def section_response(request: HttpRequest, section: RowSection) -> HttpResponse:
    return render(request, "plans/_row_section.html", {"section": section, "editable": True})


@plans_screen
@require_POST
def row_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Add a checklist item, part, data parameter, requirement or action to an activity of a draft."""
    spec = row_kind(kind)
    activity = get_object_or_404(Activity.objects.select_related("version__plan", "version__change_set"), pk=pk)
    version = activity.version
    if not version.is_editable:
        return locked_response(request, version)
    editor = EditorContext(editable=True)
    form = editor.row_form(spec, activity, request.POST)
    saved = form.is_valid() and save_content(request, form)
    if is_htmx(request):
        fresh = Activity.objects.prefetch_related(spec.prefetch).get(pk=activity.pk)
        return section_response(request, editor.section(spec, fresh, None if saved else form))
    if saved:
        messages.success(request, _("%(row)s added.") % {"row": spec.model._meta.verbose_name})
        return redirect(reverse("plans:version_detail", args=[version.pk]) + f"#activity-{activity.pk}-{spec.slug}")
    return editor_page(request, version, bound=(activity.pk, spec.slug, form))


@plans_screen
@require_POST
def row_delete(request: HttpRequest, pk: int, kind: str, row_pk: int) -> HttpResponse:
    spec = row_kind(kind)
    activity = get_object_or_404(Activity.objects.select_related("version__plan", "version__change_set"), pk=pk)
    row = get_object_or_404(spec.model, pk=row_pk, activity=activity)
    version = activity.version
    if not version.is_editable:
        return locked_response(request, version)
    row.activity = activity  # type: ignore[attr-defined]  # its version is loaded already
    try:
        services.draft_content_delete(obj=row, user=request.user)
    except VersionLocked:  # locked a moment ago
        return locked_response(request, version)
    if is_htmx(request):
        fresh = Activity.objects.prefetch_related(spec.prefetch).get(pk=activity.pk)
        return section_response(request, EditorContext(editable=True).section(spec, fresh))
    messages.success(request, _("%(row)s deleted.") % {"row": spec.model._meta.verbose_name})
    return redirect(reverse("plans:version_detail", args=[version.pk]) + f"#activity-{activity.pk}-{spec.slug}")


# --- Change sets -------------------------------------------------------------------------------
@plans_screen
def changeset_list(request: HttpRequest) -> HttpResponseBase:
    """Change sets by state; a supervisor's approval queue is ``?state=in_approval``."""
    queryset = (
        ChangeSet.objects.select_related("created_by", "submitted_by", "decided_by")
        .prefetch_related(
            Prefetch("versions", queryset=PlanVersion.objects.select_related("plan").order_by("plan__code"))
        )
        .order_by("-created_at", "-pk")
    )
    filterset = ChangeSetFilterSet(request.GET, queryset=queryset)
    if (
        export := export_response(request, filterset.qs, exports.CHANGE_SET_COLUMNS, name=_("change sets"))
    ) is not None:
        return export
    change_sets = paginate(request, filterset.qs, "page", LIST_PAGE_SIZE)
    signature_checks = checks_of(change_sets)  # the page's signatures, in one query
    for change_set in change_sets:
        annotate_change_set(request.user, change_set, bool(change_set.versions.all()))
        change_set.signature_checks = signature_checks.get(change_set.pk, [])
    return render(
        request,
        "plans/changeset_list.html",
        {"filterset": filterset, "change_sets": change_sets, "reject_form": ChangeSetRejectForm()},
    )


def change_set_action(request: HttpRequest, pk: int, action: Callable[[ChangeSet], Any], success: str) -> HttpResponse:
    change_set = get_object_or_404(ChangeSet, pk=pk)
    run_service(request, lambda: action(change_set), success % {"change_set": change_set})
    return back(request, reverse("plans:changeset_list"))


@plans_screen
@require_POST
def changeset_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return change_set_action(
        request,
        pk,
        lambda change_set: services.changeset_submit(change_set=change_set, user=request.user),
        _("Change set %(change_set)s submitted for approval."),
    )


@plans_screen
@require_POST
def changeset_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve with an electronic signature (the service re-authenticates and signs)."""
    form = ChangeSetApproveForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return back(request, reverse("plans:changeset_list"))
    data = {"comment": form.cleaned_data["comment"], **form.signature()}
    return change_set_action(
        request,
        pk,
        lambda change_set: services.changeset_approve(change_set=change_set, user=request.user, **data),
        _("Change set %(change_set)s approved and signed."),
    )


@plans_screen
@require_POST
def changeset_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = ChangeSetRejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return change_set_action(
        request,
        pk,
        lambda change_set: services.changeset_reject(change_set=change_set, user=request.user, reason=reason),
        _("Change set %(change_set)s rejected."),
    )


# --- Applying plans and their instances --------------------------------------------------------
def entities_for(
    plan: MaintenancePlan, kind: str, area: Area | None, search: str, site_ids: list[int] | None
) -> QuerySet[Any]:
    """Entities of one kind in the user's sites, optionally below an area and matching a search."""
    model = ENTITY_KINDS[kind][0]
    queryset: QuerySet[Any] = model.objects.in_sites(site_ids)  # type: ignore[attr-defined]
    if kind == "area":
        if area is not None:
            queryset = queryset.filter(path__startswith=area.path)
        text = Q(code__icontains=search) | Q(name__icontains=search)
        order = ["path"]
    else:
        queryset = queryset.select_related("area")
        if area is not None:
            queryset = queryset.filter(area__path__startswith=area.path)
        if kind == "material":
            text = Q(code__icontains=search) | Q(lot_number__icontains=search) | Q(name__icontains=search)
            order = ["code", "lot_number"]
        else:
            text = Q(tag__icontains=search) | Q(name__icontains=search)
            order = ["tag"]
    if search:
        queryset = queryset.filter(text)
    applied = PlanInstance.objects.filter(plan=plan, **{kind: OuterRef("pk")})
    return queryset.annotate(already_applied=Exists(applied)).order_by(*order)


@plans_screen
def plan_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick entities of the user's sites (by area, kind and search) and apply the plan to them."""
    require_perm(request, "plans.add_planinstance")
    plan = get_object_or_404(MaintenancePlan.objects.with_effective(), pk=pk)
    site_ids = visible_site_ids(request.user)
    filter_form = EntityFilterForm(request.GET, site_ids=site_ids)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    kind = filters.get("kind") or "resource"
    area = None
    if filters.get("area"):
        area = Area.objects.in_sites(site_ids).filter(pk=filters["area"]).first()
    search = filters.get("q", "").strip()
    form = PlanApplyForm(request.POST or None, site_ids=site_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.plan_apply(
                plan=plan,
                entities=data["entities"],
                owner_role=data["owner_role"],
                start_date=data["start_date"],
                user=request.user,
            )
        except ActionNotAllowed as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request, _("%(plan)s applied to %(count)d entities.") % {"plan": plan.code, "count": len(created)}
            )
            return redirect("plans:instance_list", pk=plan.pk)
    entities = paginate(request, entities_for(plan, kind, area, search, site_ids), "page", ENTITY_PAGE_SIZE)
    selected = set(request.POST.getlist("entities"))
    for entity in entities:
        entity.token = f"{kind}:{entity.pk}"
        entity.checked = entity.token in selected
    context = {
        "plan": plan,
        "filter_form": filter_form,
        "form": form,
        "kind": kind,
        "kind_label": ENTITY_KINDS[kind][1],
        "entities": entities,
    }
    return render(request, "plans/plan_apply.html", context)


@plans_screen
def instance_list(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Where the plan is applied, in the user's sites."""
    plan = get_object_or_404(MaintenancePlan.objects.with_effective(), pk=pk)
    site_ids = visible_site_ids(request.user)
    queryset = PlanInstance.objects.filter(plan=plan).in_sites(site_ids).with_entity().select_related("created_by")
    filterset = PlanInstanceFilterSet(request.GET, queryset=queryset.order_by("-active", "pk"))
    if (
        export := export_response(request, filterset.qs, exports.INSTANCE_COLUMNS, name=f"{plan.code} {_('instances')}")
    ) is not None:
        return export
    instances = paginate(request, filterset.qs, "page", LIST_PAGE_SIZE)
    for instance in instances:
        instance.entity_kind = next(
            (
                str(ENTITY_KINDS[name][0]._meta.verbose_name)
                for name in ENTITY_FIELDS
                if getattr(instance, f"{name}_id")
            ),
            "",
        )
    context = {
        "plan": plan,
        "filterset": filterset,
        "instances": instances,
        "may_deactivate": request.user.has_perm("plans.change_planinstance"),
        "may_apply": request.user.has_perm("plans.add_planinstance"),
    }
    return render(request, "plans/instance_list.html", context)


@plans_screen
@require_POST
def instance_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    instance = get_object_or_404(PlanInstance.objects.in_sites(visible_site_ids(request.user)).with_entity(), pk=pk)
    form = PlanInstanceDeactivateForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    run_service(
        request,
        lambda: services.planinstance_deactivate(instance=instance, user=request.user, reason=reason),
        _("%(instance)s deactivated.") % {"instance": instance},
    )
    return back(request, reverse("plans:instance_list", args=[instance.plan_id]))
