"""Spare parts lists of resources and resource types: add, change, remove, and what the resource page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assets.models import Resource, ResourceType
from inventory.models import Part, SparePart, StockBalance
from inventory.services.common import ZERO, _require, check_site, quantity_of


def _site_id(resource: Resource) -> int:
    """The resource's site, without a query once its area is loaded (a site's ``site`` is empty)."""
    return resource.area.site_id or resource.area_id


@transaction.atomic
def spare_part_add(
    *,
    part: Part,
    quantity: Any,
    user: Any,
    resource: Resource | None = None,
    resource_type: ResourceType | None = None,
    note: str = "",
) -> SparePart:
    """Put a part on the spare parts list of a resource (of the user's sites) or of a resource type."""
    _require(user, "inventory.add_sparepart", _("Your role may not change spare parts lists."))
    if resource is not None:
        check_site(user, _site_id(resource), _("You do not have access to this resource."))
    if not part.active:
        raise ValidationError({"part": _("%(part)s is no longer in use.") % {"part": part.part_number}})
    spare = SparePart(
        resource=resource,
        resource_type=resource_type,
        part=part,
        quantity=quantity_of(quantity),
        note=note.strip()[:300],
    )
    spare.full_clean()
    spare._history_user = user  # type: ignore[attr-defined]
    try:
        # Two people adding the same part at once: the unique constraint lets one in.
        with transaction.atomic():
            spare.save()
    except IntegrityError:
        raise ValidationError({"part": _("This part is already on the spare parts list.")}) from None
    return spare


@transaction.atomic
def spare_part_change(*, spare_part: SparePart, user: Any, quantity: Any, note: str | None = None) -> SparePart:
    """Change how many of the part the resource (or type) takes, and the note."""
    _require(user, "inventory.change_sparepart", _("Your role may not change spare parts lists."))
    spare_part = (
        SparePart.objects.select_for_update(of=("self",)).select_related("resource__area").get(pk=spare_part.pk)
    )
    if spare_part.resource is not None:
        check_site(user, _site_id(spare_part.resource), _("You do not have access to this resource."))
    spare_part.quantity = quantity_of(quantity)
    if note is not None:
        spare_part.note = note.strip()[:300]
    spare_part._history_user = user  # type: ignore[attr-defined]
    spare_part.save(update_fields=["quantity", "note", "updated_at"])
    return spare_part


@transaction.atomic
def spare_part_remove(*, spare_part: SparePart, user: Any) -> None:
    """Take a part off the spare parts list."""
    _require(user, "inventory.delete_sparepart", _("Your role may not change spare parts lists."))
    if spare_part.resource_id is not None:
        resource = Resource.objects.select_related("area").get(pk=spare_part.resource_id)
        check_site(user, _site_id(resource), _("You do not have access to this resource."))
    spare_part._history_user = user  # type: ignore[attr-defined]
    spare_part.delete()


@dataclass
class SparePartLine:
    """One part on a resource's spare parts list, with the stock of the resource's site."""

    spare: SparePart
    from_type: bool
    on_hand: Decimal = ZERO
    kept_at: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def part(self) -> Part:
        return self.spare.part


def spare_parts_for(resource: Resource) -> list[SparePartLine]:
    """The resource's spare parts: its own rows and its type's (its own row wins for one part), each with
    the stock on hand at the resource's site and the locations holding it. Two queries, however many parts
    (the resource's area loaded)."""
    chosen: dict[int, SparePart] = {}
    rows = SparePart.objects.for_resource(resource).select_related("part")
    for spare in sorted(rows, key=lambda row: row.resource_id is not None):
        chosen[spare.part_id] = spare  # type rows first: an own row replaces them
    if not chosen:
        return []
    lines = {
        part_id: SparePartLine(spare=spare, from_type=spare.resource_id is None) for part_id, spare in chosen.items()
    }
    balances = (
        StockBalance.objects.filter(part_id__in=list(lines), location__site_id=_site_id(resource), on_hand__gt=0)
        .select_related("location")
        .order_by("location__code")
    )
    for balance in balances:
        line = lines[balance.part_id]
        line.on_hand += balance.on_hand
        line.kept_at.append((balance.location.code, balance.on_hand))
    return sorted(lines.values(), key=lambda line: line.part.part_number)
