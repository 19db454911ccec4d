"""Maintenance plans and their versions, and the base of a version's content.

A plan's identity (code, name) is global; its content lives in PlanVersions. A version belongs to a
ChangeSet and may be edited only while it is a draft in a change set that has not been submitted.
Approving the change set freezes its versions; one of them may then be made effective (the plan's
previous effective version becomes superseded). Content of a version (``VersionedContent``) refuses
to change once its version is not an editable draft.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from core.history import FSMHistoryBase
from plans.models.changesets import ChangeSet, ChangeSetState


class VersionLocked(ValidationError):
    """Raised when content of a version that is no longer an editable draft would change."""


class PlanVersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    EFFECTIVE = "effective", _("Effective")
    SUPERSEDED = "superseded", _("Superseded")


class MaintenancePlanQuerySet(models.QuerySet["MaintenancePlan"]):
    def with_effective(self) -> MaintenancePlanQuerySet:
        return self.select_related("effective_version")


class MaintenancePlan(models.Model):
    """The global identity of a plan; its content lives in versions."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    effective_version = models.OneToOneField(
        "PlanVersion",
        verbose_name=_("effective version"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    history = HistoricalRecords()

    objects = MaintenancePlanQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def latest_version(self) -> PlanVersion | None:
        return self.versions.order_by("-number").first()


class PlanVersionQuerySet(models.QuerySet["PlanVersion"]):
    def drafts(self) -> PlanVersionQuerySet:
        return self.filter(state=PlanVersionState.DRAFT)


class PlanVersion(ConcurrentTransitionMixin, models.Model):
    """One version of a plan's content: its activities and everything they carry."""

    plan = models.ForeignKey(MaintenancePlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    change_set = models.ForeignKey(
        ChangeSet, verbose_name=_("change set"), on_delete=models.PROTECT, related_name="versions"
    )
    state = FSMField(
        _("state"), max_length=12, choices=PlanVersionState.choices, default=PlanVersionState.DRAFT, protected=True
    )
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    effective_from = models.DateTimeField(_("effective from"), null=True, blank=True)
    effective_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made effective by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    history = HistoricalRecords(bases=[FSMHistoryBase])

    objects = PlanVersionQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan", "-number"]
        permissions = [("make_effective_planversion", _("Can make plan versions effective"))]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_number_unique"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(state=PlanVersionState.EFFECTIVE),
                name="planversion_one_effective",
                violation_error_message=_("A plan has only one effective version."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="planversion_number_positive"),
            models.CheckConstraint(condition=Q(state__in=PlanVersionState.values), name="planversion_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.state == PlanVersionState.DRAFT and self.change_set.state == ChangeSetState.CREATED

    def assert_editable(self) -> None:
        if self.state != PlanVersionState.DRAFT:
            raise VersionLocked(
                _("%(version)s is %(state)s and cannot be changed; create a new draft version instead.")
                % {"version": self, "state": self.get_state_display().lower()}
            )
        if self.change_set.state != ChangeSetState.CREATED:
            raise VersionLocked(
                _("%(version)s cannot be changed while its change set is %(state)s.")
                % {"version": self, "state": self.change_set.get_state_display().lower()}
            )

    def change_set_approved(self: Any) -> bool:
        return self.change_set.state == ChangeSetState.APPROVED

    @transition(field=state, source=PlanVersionState.DRAFT, target=PlanVersionState.APPROVED)
    def approve(self) -> None:
        """Frozen with its approved change set."""

    @transition(
        field=state,
        source=[PlanVersionState.APPROVED, PlanVersionState.SUPERSEDED],
        target=PlanVersionState.EFFECTIVE,
        conditions=[change_set_approved],
        permission="plans.make_effective_planversion",
    )
    def make_effective(self) -> None:
        """New orders use this version from now on (a superseded version may be made effective again)."""

    @transition(field=state, source=PlanVersionState.EFFECTIVE, target=PlanVersionState.SUPERSEDED)
    def supersede(self) -> None:
        """Another version became effective."""


class VersionedContentQuerySet(models.QuerySet[Any]):
    """Deleting or updating content in bulk is refused, as a row's own ``save()`` and ``delete()`` are,
    when any of the rows belongs to a version that is no longer an editable draft (nothing is changed)."""

    def delete(self) -> tuple[int, dict[str, int]]:
        self._assert_editable()
        return super().delete()

    def update(self, **kwargs: Any) -> int:
        self._assert_editable()
        return super().update(**kwargs)

    def _assert_editable(self) -> None:
        version = self.model.version_path.replace(".", "__")
        locked = self.exclude(
            **{f"{version}__state": PlanVersionState.DRAFT, f"{version}__change_set__state": ChangeSetState.CREATED}
        )
        row = locked.select_related(f"{version}__change_set").first()
        if row is not None:
            row.owning_version().assert_editable()


class VersionedContent(models.Model):
    """Content of a version: saving or deleting it is refused once the version is not an editable draft,
    one row at a time or in bulk (``VersionedContentQuerySet``)."""

    # Attribute path from the row to its version: "version" or "activity.version".
    version_path = "activity.version"
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = VersionedContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def owning_version(self) -> PlanVersion:
        target: Any = self
        for attribute in self.version_path.split("."):
            target = getattr(target, attribute)
        return target

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.owning_version().assert_editable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self.owning_version().assert_editable()
        return super().delete(*args, **kwargs)
