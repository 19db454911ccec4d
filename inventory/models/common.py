"""What the inventory models share: the non-negative validator, site-scoped querysets, a site of an area."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models

NOT_NEGATIVE = [MinValueValidator(Decimal(0))]
# Quantities: max_digits=12, decimal_places=3; money: 14, 2; unit costs: 12, 4 (written out on each field).


class SiteScopedQuerySet(models.QuerySet[Any]):
    def in_sites(self, site_ids: list[int] | None) -> Any:
        """Rows of these sites; ``None`` means every site (see ``core.scoping.visible_site_ids``)."""
        return self if site_ids is None else self.filter(site_id__in=list(site_ids))
