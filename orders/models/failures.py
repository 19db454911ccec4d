"""Failure codes: what failed (problem), why (cause) and what was done (remedy), recorded on corrective work.

The design follows ISO 14224, which keeps *failure mode*, *failure mechanism / cause* and *maintenance
activity* as three separate code lists, and still fits the tree-shaped lists many CMMS keep (a cause
belongs under some problems, a remedy under some causes) and the flat per-domain lists of real code
workbooks (a sheet per domain, code + description):

- one table for the three kinds, a code unique within its kind, so a Pareto of causes counts each cause
  once and a drill-down filters on one id;
- ``parents`` (many-to-many, the kind above: a cause's problems, a remedy's causes) narrows where a code
  may be chosen; left empty, the code is shared and may follow any code of the kind above (ISO 14224's
  independent lists). A many-to-many rather than a single parent, because tree-shaped lists repeat a cause
  ("wear") under several problems: it is one cause, found under each;
- ``resource_types`` narrows a code to some types of equipment (ISO 14224 lists failure modes per
  equipment class); empty, it applies to all.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import ResourceType


class FailureKind(models.TextChoices):
    PROBLEM = "problem", _("Problem (failure mode)")
    CAUSE = "cause", _("Cause (failure mechanism or cause)")
    REMEDY = "remedy", _("Remedy (maintenance activity)")


# The kind a code's parents are of: a cause sits under problems, a remedy under causes.
PARENT_KIND = {FailureKind.CAUSE: FailureKind.PROBLEM, FailureKind.REMEDY: FailureKind.CAUSE}


class FailureCodeQuerySet(models.QuerySet["FailureCode"]):
    def active(self) -> FailureCodeQuerySet:
        return self.filter(active=True)

    def of_kind(self, kind: str) -> FailureCodeQuerySet:
        return self.filter(kind=kind)

    def for_resource_type(self, resource_type_id: int | None) -> FailureCodeQuerySet:
        """Codes that apply to equipment of this type: the type's own and those for every type. Without a
        type (an order on an area, a container, an untyped resource) only the codes for every type."""
        general = ~models.Exists(
            FailureCode.resource_types.through.objects.filter(failurecode_id=models.OuterRef("pk"))
        )
        if resource_type_id is None:
            return self.filter(general)
        typed = models.Exists(
            FailureCode.resource_types.through.objects.filter(
                failurecode_id=models.OuterRef("pk"), resourcetype_id=resource_type_id
            )
        )
        return self.filter(general | typed)

    def under(self, parent_id: int | None) -> FailureCodeQuerySet:
        """Codes that may follow ``parent_id`` (shared ones, and those listed under it). Without a parent
        chosen, every code of the kind may be shown."""
        if parent_id is None:
            return self
        through = FailureCode.parents.through.objects
        shared = ~models.Exists(through.filter(from_failurecode_id=models.OuterRef("pk")))
        listed = models.Exists(through.filter(from_failurecode_id=models.OuterRef("pk"), to_failurecode_id=parent_id))
        return self.filter(shared | listed)

    def choices_for(self, kind: str, resource_type_id: int | None) -> FailureCodeQuerySet:
        """The active codes of a kind a technician may pick on an order of this resource type."""
        return self.active().of_kind(kind).for_resource_type(resource_type_id).order_by("code")


class FailureCode(models.Model):
    """A problem, cause or remedy code, editable in the admin; seeded with an ISO 14224-like default set
    (``manage.py load_failure_codes``) or imported from a workbook (``manage.py import_failure_codes``).

    Codes are deactivated, not deleted, once orders point at them (the orders' links protect them).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=FailureKind.choices)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parents = models.ManyToManyField(
        "self",
        verbose_name=_("under"),
        symmetrical=False,
        blank=True,
        related_name="children",
        help_text=_(
            "A cause: the problems it is found with; a remedy: the causes it answers. Empty: it may follow any of them."
        ),
    )
    resource_types = models.ManyToManyField(
        ResourceType,
        verbose_name=_("resource types"),
        blank=True,
        related_name="+",
        help_text=_("The types of equipment the code applies to. Empty: all."),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Inactive codes are no longer offered."))
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)  # API sync loops

    objects = FailureCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("failure code")
        verbose_name_plural = _("failure codes")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"],
                name="failurecode_kind_code_unique",
                violation_error_message=_("A code of this kind with this code exists already."),
            ),
            models.CheckConstraint(condition=Q(kind__in=FailureKind.values), name="failurecode_kind_valid"),
            models.CheckConstraint(condition=~Q(code=""), name="failurecode_code_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def parent_kind(self) -> str | None:
        return PARENT_KIND.get(FailureKind(self.kind))

    def may_follow(self, parent: Any) -> bool:
        """Whether this code may be chosen after ``parent`` (a cause after a problem, ...): it is shared
        (no parents) or listed under it. One query; parents prefetched: none."""
        if parent is None:
            return True
        parent_ids = [p.pk for p in self.parents.all()]
        return not parent_ids or parent.pk in parent_ids
