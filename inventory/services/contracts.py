"""Contracts: a resource's warranty status and notices of contracts about to expire."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Resource
from core.notifications import notify
from inventory.models import (
    Contract,
    ContractKind,
)
from inventory.services.common import EXPIRING_WARRANTY_DAYS


# --- Contracts ---------------------------------------------------------------------------------
@dataclass
class WarrantyStatus:
    """Whether a resource is under warranty today, until when, and by whom; service contracts in force."""

    state: str  # "in_warranty", "expiring", "expired" or "none"
    ends_on: datetime.date | None = None
    days_left: int | None = None
    contract: Contract | None = None
    service_contracts: list[Contract] = field(default_factory=list)

    @property
    def label(self) -> str:
        labels = {
            "in_warranty": _("Under warranty"),
            "expiring": _("Warranty ends soon"),
            "expired": _("Warranty expired"),
            "none": _("No warranty recorded"),
        }
        return str(labels[self.state])


def warranty_status(resource: Resource, today: datetime.date | None = None) -> WarrantyStatus:
    """The resource's warranty (the latest-ending warranty contract covering it, or its own warranty end
    date) and the service contracts in force, for the resource page. Two queries."""
    today = today or timezone.localdate()
    contracts = list(
        Contract.objects.filter(resources=resource).select_related("vendor").order_by("-ends_on", "number")
    )
    warranties = [c for c in contracts if c.kind == ContractKind.WARRANTY and c.starts_on <= today]
    services = [c for c in contracts if c.kind == ContractKind.SERVICE and c.starts_on <= today <= c.ends_on]
    contract = warranties[0] if warranties else None
    ends_on = contract.ends_on if contract is not None else None
    if resource.warranty_end and (ends_on is None or resource.warranty_end > ends_on):
        ends_on, contract = resource.warranty_end, None
    if ends_on is None:
        return WarrantyStatus("none", service_contracts=services)
    days_left = (ends_on - today).days
    if days_left < 0:
        state = "expired"
    elif days_left <= (contract.notice_days if contract is not None else EXPIRING_WARRANTY_DAYS):
        state = "expiring"
    else:
        state = "in_warranty"
    return WarrantyStatus(state, ends_on, days_left, contract, services)


def contract_recipients(contract: Contract) -> list[User]:
    """Storekeepers and supervisors of the sites of the resources covered, and the administrators."""
    from core.roles import ADMINISTRATOR, STOREKEEPER, SUPERVISOR

    site_ids = set(contract.resources.values_list("area__site_id", flat=True))
    local = Q(groups__name__in=[STOREKEEPER, SUPERVISOR])
    if site_ids:
        local &= Q(employee__sites__in=site_ids)
    users = User.objects.filter(is_active=True).filter(local | Q(groups__name=ADMINISTRATOR)).distinct()
    return list(users.order_by("pk"))


def contracts_notify_expiring(today: datetime.date | None = None) -> int:
    """Tell people about contracts ending within their notice period, once per end date.

    Each contract is claimed with a conditional UPDATE, so two runs (two beats) never notify twice.
    """
    from django.urls import reverse

    today = today or timezone.localdate()
    candidates = Contract.objects.filter(ends_on__gte=today).exclude(expiry_notified_for=F("ends_on"))
    notified = 0
    for contract in candidates.select_related("vendor"):
        if contract.ends_on - datetime.timedelta(days=contract.notice_days) > today:
            continue
        with transaction.atomic():
            claimed = (
                Contract.objects.filter(pk=contract.pk)
                .exclude(expiry_notified_for=contract.ends_on)
                .update(expiry_notified_for=contract.ends_on, updated_at=timezone.now())
            )
            if not claimed:
                continue
            title = _("%(kind)s %(number)s ends on %(date)s") % {
                "kind": contract.get_kind_display(),
                "number": contract.number,
                "date": contract.ends_on.isoformat(),
            }
            body = _("%(title)s with %(vendor)s ends in %(days)s days. Renew it or plan without it.") % {
                "title": contract.title,
                "vendor": contract.vendor.name,
                "days": (contract.ends_on - today).days,
            }
            url = reverse("inventory:contract_list") + f"?q={contract.number}"
            notify(contract_recipients(contract), title, body, url)
            notified += 1
    return notified
