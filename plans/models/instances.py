"""Plan instances: a plan applied to exactly one Area, Resource, Container or Material."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import ENTITY_FIELDS, EntityLinkMixin, exactly_one_entity
from plans.models.plans import MaintenancePlan


class PlanInstanceQuerySet(models.QuerySet["PlanInstance"]):
    def active(self) -> PlanInstanceQuerySet:
        return self.filter(active=True)

    def in_sites(self, site_ids: list[int] | None) -> PlanInstanceQuerySet:
        if site_ids is None:
            return self
        return self.filter(
            Q(area__site_id__in=site_ids)
            | Q(resource__area__site_id__in=site_ids)
            | Q(container__area__site_id__in=site_ids)
            | Q(material__area__site_id__in=site_ids)
        )

    def with_entity(self) -> PlanInstanceQuerySet:
        return self.select_related(*ENTITY_FIELDS, "plan", "owner_role")


class PlanInstance(EntityLinkMixin):
    """A plan applied to one Area, Resource, Container or Material, owned by a role."""

    plan = models.ForeignKey(
        MaintenancePlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="instances"
    )
    owner_role = models.ForeignKey(Group, verbose_name=_("owner role"), on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("start date"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("applied at"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deactivated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deactivation_reason = models.CharField(_("reason"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = PlanInstanceQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("plan instance")
        verbose_name_plural = _("plan instances")
        ordering = ["plan", "id"]
        constraints = [
            exactly_one_entity("planinstance"),
            *[
                models.UniqueConstraint(
                    fields=["plan", field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"planinstance_plan_once_per_{field}",
                    violation_error_message=_("This plan is already applied to that entity."),
                )
                for field in ENTITY_FIELDS
            ],
            models.CheckConstraint(
                condition=Q(active=True) | Q(deactivated_at__isnull=False), name="planinstance_inactive_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} @ {self.entity}"

    def clean(self) -> None:
        super().clean()
        self.clean_entity()
