"""Two years of work before the demo's today, so every KPI and chart has something real to show.

Drawn from ``mms.demo.history_data`` with a seeded random generator (the same history on every machine):
breakdowns of each piece of equipment (the asset down until the repair is accepted, labour at the
employees' rates, parts used, contractors paid), a few duplicates joined, requests rejected or canceled,
repairs sent back for rework, the plans' preventive orders (most closed on time, some late, some skipped),
an open backlog of every age, and the sites' budgets and contracts.

The rows are the ones the services write (``orders.services`` closing: labour posted as a cost of the
site; ``orders.records.used_part_record``: a used part and its ledger line, a direct use where the site's
store did not stock the part then; ``inventory.services.cost_entry_add``: external costs against the
order's number), written in bulk: a few thousand rows in well under a second. Order numbers come from
the same sequence as the services' (``core.numbering``), so an order made afterwards gets the next one.

Planned orders follow the scheduler's own due-point arithmetic (``orders.scheduler.time_points`` and
``usage_points``). Floating activities (the chlorinators' weekly check, the generators' 250-hour
service, the vehicle's service) carry the whole two years: each order is due an interval after the
previous one closed, exactly what the scheduler does next. Fixed activities count their due dates from
their instance's start date, so only the occurrences due before today are history (the pumps' first
monthly inspection); the scheduler makes the rest.

Loaded once: when the history's first order exists, nothing is written (a second ``load_demo()`` counts
the history's rows as unchanged).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from core.models import DocumentSequence
from inventory.models import (
    Budget,
    Contract,
    CostEntry,
    CostKind,
    MovementKind,
    StockMovement,
    Vendor,
)
from mms.demo.base import LoaderBase, _at
from mms.demo.constants import DEMO_TODAY, SITE_RIVERSIDE
from mms.demo.history_data import BUDGETS, CONTRACT_INVOICES, CONTRACTS
from mms.demo.history_plans import PreventiveWork
from mms.demo.history_rows import (
    CHANGE_REASON,
    HISTORY_START,
    ZONE,
    Draft,
)
from mms.demo.history_work import CorrectiveWork
from mms.demo.upsert import Outcome
from orders.models import (
    ActionLog,
    Assignment,
    ChecklistAnswer,
    DataValue,
    DowntimePeriod,
    FailureCode,
    FailureKind,
    LabourEntry,
    OrderKind,
    PlannedPart,
    UsedPart,
    WorkOrder,
)
from orders.scheduler import add_months
from orders.services import ORDER_NUMBER_PREFIX, allocate_order_numbers


class History(CorrectiveWork, PreventiveWork):
    """Draws the history (``plan()``), then writes it (``write()``)."""

    # --- Drawing and writing -----------------------------------------------------------------
    def plan(self) -> History:
        """Draw the whole history (a few queries for the demo's plans, counters and downtime; no writes)."""
        self.scripted()
        self.corrective_history()
        for tag in ("RIV-CHL-01", "RIV-CHL-02"):
            self.weekly_checks(tag)
        self.monthly_inspections()
        for tag in ("RIV-GEN-01", "KDC-GEN-01"):
            self.generator_services(tag)
        self.vehicle_services()
        self.backlog()
        self.contract_invoices()
        self.drafts.sort(key=lambda draft: (draft.fields["created_at"], draft.fields["title"]))
        return self

    def contract_invoices(self) -> None:
        """The service contracts' invoices over the history, each an external cost of its site against the
        contract's number (``cost_entry_add``), recorded by the storekeeper (the administrator elsewhere)."""
        for number, vendor, site, first, last, months, amount, currency in CONTRACT_INVOICES:
            day = first
            while day <= last:
                ends = add_months(day, months) - datetime.timedelta(days=1)
                if ends >= DEMO_TODAY:
                    break
                if ends >= HISTORY_START.date():
                    self.invoices.append(
                        CostEntry(
                            kind=CostKind.EXTERNAL,
                            site=self.loader.areas[site],
                            reference=number,
                            vendor=self.vendors[vendor],
                            description=f"{number}: {day:%b %Y}" + (f" to {ends:%b %Y}" if months > 1 else ""),
                            amount=Decimal(amount),
                            currency=currency,
                            incurred_on=ends,
                            recorded_by=self.users["storekeeper" if site == SITE_RIVERSIDE else "admin"],
                        )
                    )
                day = add_months(day, months)

    def row_count(self) -> int:
        """How many rows ``write()`` makes (history rows aside): the same on every run."""
        total = 0
        for draft in self.drafts:
            currencies = {entry.currency for entry in draft.labour if entry.cost > 0}
            posted = len(currencies) if draft.fields.get("closed_at") is not None else 0
            planned = len(draft.fields["activity"].parts.all()) if draft.fields.get("activity") else 0
            total += 1 + len(draft.children) + 2 * len(draft.parts) + posted + planned
        return total + len(self.holds) + len(self.invoices)

    def ledger_lines(self) -> int:
        return sum(len(draft.parts) for draft in self.drafts)

    def loaded(self) -> bool:
        """Whether the history is in the database already: its first order exists."""
        first = self.drafts[0].fields
        return WorkOrder.objects.filter(
            kind=first["kind"], created_at=first["created_at"], title=first["title"]
        ).exists()

    def write(self) -> None:
        """Every row of the history in bulk, with one history row each (dated when it happened)."""
        numbers = dict(zip(map(id, self.drafts), allocate_order_numbers(len(self.drafts)), strict=True))
        codes = {(code.kind, code.code): code for code in FailureCode.objects.all()}
        # Orders pointing at other orders (reworks, joined duplicates) go in after the orders they point at.
        for pointing in (False, True):
            group = [draft for draft in self.drafts if (draft.points_to is not None) is pointing]
            for draft in group:
                fields = dict(draft.fields, number=numbers[id(draft)])
                if draft.points_to is not None:
                    kind = "rework_of" if fields["kind"] == OrderKind.REWORK else "joined_into"
                    fields[kind] = draft.points_to.order
                draft.order = WorkOrder(**fields, **self.failure_fields(draft, codes))
                self.dated(draft.order, draft.last_event, draft.actor)
            self.insert(WorkOrder, [draft.order for draft in group])
        movements: list[StockMovement] = []
        used: list[UsedPart] = []
        costs: list[CostEntry] = []
        for draft in self.drafts:
            order = draft.order
            assert order is not None
            for row in draft.children:
                row.order = order  # type: ignore[attr-defined]  # every child has one
            for part, quantity, at, user in draft.parts:
                # What ``used_part_record`` writes where the site stocks no such part: a direct use.
                movements.append(
                    StockMovement(
                        kind=MovementKind.DIRECT,
                        part=part,
                        site=order.site,
                        quantity=-quantity,
                        unit_cost=part.unit_cost,
                        currency=part.currency,
                        reference=order.number,
                        occurred_at=at,
                        recorded_by=user,
                    )
                )
                row = UsedPart(
                    order=order,
                    part=part,
                    quantity=quantity,
                    unit_cost=part.unit_cost,
                    currency=part.currency,
                    recorded_by=user,
                    recorded_at=at,
                )
                used.append(self.dated(row, at, user))
            for entry in draft.external:
                entry.reference = order.number
                costs.append(self.dated(entry, _at(entry.incurred_on, datetime.time(16)), entry.recorded_by))
            costs += self.labour_posted(draft)
            if draft.downtime is not None:
                repaired = draft.rework.order if draft.rework is not None and draft.rework.order else order
                draft.downtime.close_note = gettext("repaired: %(number)s accepted") % {"number": repaired.number}
        self.insert(StockMovement, movements)
        self.insert(UsedPart, used)
        self.insert(CostEntry, costs)
        labour = [entry for draft in self.drafts for entry in draft.labour]
        self.insert(LabourEntry, [self.dated(e, e.stopped_at, e.employee.user) for e in labour])
        assignments = [row for draft in self.drafts for row in draft.assignments]
        self.insert(Assignment, [self.dated(row, row.assigned_at, row.assigned_by) for row in assignments])
        answers = [row for draft in self.drafts for row in draft.answers]
        self.insert(ChecklistAnswer, [self.dated(row, row.answered_at, row.answered_by) for row in answers])
        values = [row for draft in self.drafts for row in draft.values]
        self.insert(DataValue, [self.dated(row, row.recorded_at, row.recorded_by) for row in values])
        self.insert(DowntimePeriod, [draft.downtime for draft in self.drafts if draft.downtime is not None])
        self.insert(
            PlannedPart,
            [
                PlannedPart(order=draft.order, part_id=line.part_id, quantity=line.quantity)
                for draft in self.drafts
                if draft.fields.get("activity") is not None
                for line in draft.fields["activity"].parts.all()
            ],
        )
        for log, draft in self.holds:
            assert draft.order is not None  # made above
            log.order = draft.order
        self.insert(ActionLog, [log for log, _draft in self.holds])
        self.insert(
            CostEntry,
            [self.dated(row, _at(row.incurred_on, datetime.time(16)), row.recorded_by) for row in self.invoices],
        )
        for period, draft in self.links:
            # The demo's own periods point at the orders behind them, as reporting a breakdown does.
            DowntimePeriod.objects.filter(pk=period.pk).update(order=draft.order)

    @staticmethod
    def failure_fields(draft: Draft, codes: dict[tuple[str, str], FailureCode]) -> dict[str, FailureCode]:
        """The failure codes of completed corrective work (problem, cause and remedy), and of work being
        diagnosed (problem and cause), from the default set (``orders.failures``); a code the
        administrators removed is left out."""
        if not draft.codes[0] or draft.fields.get("started_at") is None:
            return {}
        kinds = [FailureKind.PROBLEM, FailureKind.CAUSE, FailureKind.REMEDY]
        if draft.fields.get("completed_at") is None:
            kinds = kinds[:2]
        names = {
            FailureKind.PROBLEM: "failure_problem",
            FailureKind.CAUSE: "failure_cause",
            FailureKind.REMEDY: "failure_remedy",
        }
        found = {names[kind]: codes.get((kind, code)) for kind, code in zip(kinds, draft.codes, strict=False)}
        return {name: code for name, code in found.items() if code is not None}

    def labour_posted(self, draft: Draft) -> list[CostEntry]:
        """What ``labour_cost_post`` posts when the order closes: its labour cost per currency."""
        order = draft.order
        assert order is not None
        if order.closed_at is None:
            return []
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for entry in draft.labour:
            totals[entry.currency] += entry.cost
        return [
            self.dated(
                CostEntry(
                    kind=CostKind.LABOUR,
                    site=order.site,
                    reference=order.number,
                    description=gettext("Labour"),
                    amount=amount,
                    currency=currency,
                    incurred_on=timezone.localdate(order.closed_at, ZONE),
                ),
                order.closed_at,
                None,
            )
            for currency, amount in sorted(totals.items())
            if amount > 0
        ]

    @staticmethod
    def dated(row: Any, at: datetime.datetime | None, user: User | None) -> Any:
        """Mark ``row`` with the time and author of its history row (read by ``bulk_history_create``)."""
        row._history_date, row._history_user, row._change_reason = at, user, CHANGE_REASON
        return row

    def insert(self, model: type[models.Model], rows: list[Any]) -> None:
        """Rows in bulk and, for models with history, their history rows."""
        if not rows:
            return
        model._default_manager.bulk_create(rows, batch_size=500)
        self.rows += len(rows)
        history = getattr(model, "history", None)
        if history is not None:
            history.bulk_history_create(rows, batch_size=500, default_change_reason=CHANGE_REASON)


class HistoryLoader(LoaderBase):
    """Loads the history (after everything it refers to), the sites' budgets and the contracts."""

    def load_history(self) -> None:
        """Two years of work orders (see the module's docstring), once; budgets for those years and the next;
        the contracts that ran in them."""
        history = History(self).plan()
        rows = history.row_count()
        if history.loaded():
            # The store's step counts every row of the store's models as unchanged (``store_rows()``): the
            # history's ledger lines and the order-number sequence (counted here when it was made) among them.
            self.tally[Outcome.UNCHANGED] += rows - history.ledger_lines()
        else:
            sequence_made = not DocumentSequence.objects.filter(prefix=ORDER_NUMBER_PREFIX).exists()
            history.write()
            assert history.rows == rows, (history.rows, rows)
            self.tally[Outcome.CREATED] += rows + int(sequence_made)
        for (site, year, currency), amount in BUDGETS.items():
            self.put(
                Budget,
                {"site": self.areas[site], "year": year, "currency": currency},
                {"amount": Decimal(amount), "note": "Maintenance: parts, labour and contractors"},
            )
        for number, kind, title, vendor, tags, starts_on, ends_on, value, currency in CONTRACTS:
            contract, outcome = self.put(
                Contract,
                {"number": number},
                {
                    "kind": kind,
                    "title": title,
                    "vendor": Vendor.objects.get(code=vendor),
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "notice_days": 60,
                    "value": Decimal(value),
                    "currency": currency,
                },
            )
            self.link(contract, outcome, "resources", [self.resources[tag] for tag in tags])
