"""The PDF of one work order (``core.pdf``): what it is, what was found and used, and its electronic
signatures with their manifestation (the printed name, the date and time in UTC, the meaning, and
whether the order still matches what was signed), the paper copy an auditor files.

The order comes in as the order page loads it (``orders.views.detail_queryset``): its checklist answers,
parts and labour are prefetched, so the document adds only the query for its signatures.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from core.pdf import ReportDocument, ReportSection, ReportTable, render_pdf
from orders.models import ChecklistAnswer, WorkOrder
from people.signatures import checks_of


def _utc(moment: datetime.datetime | None) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "–"


def _answer_text(answer: ChecklistAnswer | None) -> str:
    if answer is None:
        return _("not answered")
    parts = []
    if answer.done is not None:
        parts.append(_("done") if answer.done else _("not done"))
    if answer.passed is not None:
        parts.append(_("passed") if answer.passed else _("failed"))
    if answer.number is not None:
        parts.append(format(answer.number.normalize(), "f"))
    if answer.text:
        parts.append(answer.text)
    if answer.note:
        parts.append(answer.note)
    return "; ".join(parts) or "–"


def order_facts(order: WorkOrder) -> ReportTable:
    rows: list[list[Any]] = [
        [_("State"), order.get_execution_state_display()],
        [_("Kind"), order.get_kind_display()],
        [_("Priority"), order.get_priority_display()],
        [_("Site"), str(order.site)],
        [_("Equipment or place"), str(order.entity or "–")],
        [_("Activity"), order.activity.name if order.activity else "–"],
        [_("Due"), order.due_at],
        [_("Started"), order.started_at],
        [_("Completed"), order.completed_at],
        [_("Closed"), order.closed_at],
    ]
    if order.failure_problem_id:
        failure = "; ".join(
            str(code) for code in (order.failure_problem, order.failure_cause, order.failure_remedy) if code
        )
        rows.append([_("Failure (problem; cause; remedy)"), failure])
    if order.state_reason:
        rows.append([_("Reason"), order.state_reason])
    return ReportTable(header=[_("Field"), _("Value")], rows=rows)


def order_sections(order: WorkOrder) -> list[ReportSection]:
    sections = [ReportSection(_("Work order"), tables=[order_facts(order)], note=order.description)]
    if order.activity is not None:
        answers = {answer.item_id: answer for answer in order.checklist_answers.all()}
        items = list(order.activity.checklist_items.all())
        if items:
            rows = [[item.position, item.text, _answer_text(answers.get(item.pk))] for item in items]
            table = ReportTable(header=[_("No."), _("Item"), _("Answer")], rows=rows)
            sections.append(ReportSection(_("Checklist"), tables=[table]))
    used = [
        [line.part.part_number, line.part.description, line.quantity, line.part.unit] for line in order.used_parts.all()
    ]
    labour = [[entry.employee.name, entry.hours] for entry in order.labour.all()]
    if used or labour:
        tables = []
        if used:
            tables.append(ReportTable(header=[_("Part"), _("Description"), _("Quantity"), _("Unit")], rows=used))
        if labour:
            tables.append(ReportTable(header=[_("Employee"), _("Hours")], rows=labour, title=_("Labour")))
        sections.append(ReportSection(_("Parts and labour"), tables=tables))
    sections.append(signature_section(order))
    return sections


def signature_section(order: WorkOrder) -> ReportSection:
    """The manifestation of the order's electronic signatures (Part 11 §11.50)."""
    checks = checks_of([order]).get(order.pk, [])
    rows = [
        [
            check.signature.signer_name,
            _utc(check.signature.signed_at),
            check.signature.get_meaning_display()
            + (f": {check.signature.statement}" if check.signature.statement else ""),
            check.signature.get_method_display(),
            _("valid")
            if check.valid
            else _("record changed after signing (%(fields)s)") % {"fields": ", ".join(check.changed)},
        ]
        for check in checks
    ]
    if not rows:
        return ReportSection(_("Electronic signatures"), note=_("This order carries no electronic signature."))
    table = ReportTable(header=[_("Signed by"), _("Date and time"), _("Meaning"), _("Method"), _("Status")], rows=rows)
    hashes = "; ".join(f"{check.signature.signer_name}: SHA-256 {check.signature.content_hash}" for check in checks)
    return ReportSection(_("Electronic signatures"), tables=[table], note=hashes)


def order_pdf(order: WorkOrder) -> bytes:
    """The order as an A4 PDF (times of the order in the current time zone, signatures in UTC)."""
    document = ReportDocument(
        title=f"{order.number} {order.title}",
        subtitle=str(order.site),
        sections=order_sections(order),
        time_zone=getattr(order.site, "time_zone", "") or "",
    )
    return render_pdf(document)
