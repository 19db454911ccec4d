"""Change sets: a bundle of plan versions submitted, then approved or rejected as one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from core.history import FSMHistoryBase


class ChangeSetState(models.TextChoices):
    CREATED = "created", _("Created")
    IN_APPROVAL = "in_approval", _("In approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ChangeSet(ConcurrentTransitionMixin, models.Model):
    """A bundle of plan versions that is submitted, then approved or rejected as one."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    state = FSMField(
        _("state"), max_length=12, choices=ChangeSetState.choices, default=ChangeSetState.CREATED, protected=True
    )
    implicit = models.BooleanField(
        _("implicit"), default=False, help_text=_("Created and approved by the system for the planner.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    decision_note = models.TextField(_("reason / comment"), blank=True)
    history = HistoricalRecords(bases=[FSMHistoryBase])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    # What an electronic signature of the approval covers (``people.signatures``); the versions it
    # approves can never change afterwards (``VersionLocked``).
    SIGNED_FIELDS = (
        "name",
        "description",
        "state",
        "implicit",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )

    class Meta:
        verbose_name = _("change set")
        verbose_name_plural = _("change sets")
        ordering = ["-created_at"]
        permissions = [
            ("submit_changeset", _("Can submit change sets for approval")),
            ("approve_changeset", _("Can approve or reject change sets")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ChangeSetState.values), name="changeset_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=ChangeSetState.REJECTED) | ~Q(decision_note=""),
                name="changeset_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state=ChangeSetState.CREATED) | Q(submitted_at__isnull=False),
                name="changeset_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def is_open(self) -> bool:
        return self.state == ChangeSetState.CREATED

    def has_versions(self: Any) -> bool:
        return self.versions.exists()

    @transition(
        field=state,
        source=ChangeSetState.CREATED,
        target=ChangeSetState.IN_APPROVAL,
        conditions=[has_versions],
        permission="plans.submit_changeset",
    )
    def submit(self) -> None:
        """Send for approval; its versions can no longer be edited."""

    @transition(
        field=state,
        source=ChangeSetState.IN_APPROVAL,
        target=ChangeSetState.APPROVED,
        permission="plans.approve_changeset",
    )
    def approve(self) -> None:
        """Accept the change; its versions become approved (immutable)."""

    @transition(
        field=state,
        source=ChangeSetState.IN_APPROVAL,
        target=ChangeSetState.REJECTED,
        permission="plans.approve_changeset",
    )
    def reject(self) -> None:
        """Refuse the change (a reason is required)."""
