"""Spare parts lists: which parts a resource, or every resource of a type, needs and how many."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import Resource, ResourceType
from inventory.models.catalogue import Part

ONE_OWNER_MESSAGE = _("Choose either a resource or a resource type, not both.")


class SparePartQuerySet(models.QuerySet["SparePart"]):
    def visible_in(self, site_ids: list[int] | None) -> SparePartQuerySet:
        """Rows of resources of these sites, and every type-level row (types belong to no site);
        ``None`` means every site."""
        if site_ids is None:
            return self
        return self.filter(Q(resource__area__site_id__in=list(site_ids)) | Q(resource__isnull=True))

    def for_resource(self, resource: Resource) -> SparePartQuerySet:
        """The resource's own rows and its type's rows (the caller lets an own row win for one part)."""
        condition = Q(resource=resource)
        if resource.resource_type_id is not None:
            condition |= Q(resource_type_id=resource.resource_type_id)
        return self.filter(condition)


class SparePart(models.Model):
    """A part kept for a resource (or for every resource of a type), with the quantity it takes, in the
    part's unit. A resource's own row for a part replaces its type's row for that part."""

    resource = models.ForeignKey(
        Resource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    resource_type = models.ForeignKey(
        ResourceType,
        verbose_name=_("resource type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="spare_for")
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("In the part's unit."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = SparePartQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")
        ordering = ["part__part_number", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(resource__isnull=False) & Q(resource_type__isnull=True))
                | (Q(resource__isnull=True) & Q(resource_type__isnull=False)),
                name="sparepart_resource_or_type",
                violation_error_message=ONE_OWNER_MESSAGE,
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sparepart_quantity_positive"),
            models.UniqueConstraint(
                fields=["resource", "part"],
                condition=Q(resource__isnull=False),
                name="sparepart_once_per_resource",
                violation_error_message=_("This part is already on the resource's spare parts list."),
            ),
            models.UniqueConstraint(
                fields=["resource_type", "part"],
                condition=Q(resource_type__isnull=False),
                name="sparepart_once_per_type",
                violation_error_message=_("This part is already on the type's spare parts list."),
            ),
        ]

    def __str__(self) -> str:
        owner = self.resource if self.resource_id else self.resource_type
        return f"{owner}: {self.quantity.normalize()} × {self.part}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if bool(self.resource_id) == bool(self.resource_type_id):
            errors["resource"] = ONE_OWNER_MESSAGE
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = _("The quantity must be more than 0.")
        if errors:
            raise ValidationError(errors)

    def get_constraints(self) -> list[tuple[type[models.Model], Any]]:
        """``clean()`` checks the resource-or-type rule with a field error: leave the database constraint
        out of ``validate_constraints()`` so a form shows the message once."""
        return [
            (model, [c for c in constraints if c.name != "sparepart_resource_or_type"])
            for model, constraints in super().get_constraints()
        ]
