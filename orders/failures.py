"""Failure codes on work orders: the ISO 14224-like default set, and the rules of completing corrective
work with them (which codes apply to an order, when they are required, which combinations are valid).

``failure_codes_load_defaults()`` creates the default problems (ISO 14224 failure modes), causes (its
failure mechanisms and causes) and remedies (its maintenance activities) that are missing; codes that
exist are left as the administrators edited them, so running it again changes nothing. Code lists of
one's own are imported from a workbook by ``orders.failure_import``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import FailureCode, FailureCodeQuerySet, FailureKind, OrderKind, WorkOrder

# --- The default set ---------------------------------------------------------------------------
# (code, name, description). Problems are ISO 14224 failure modes (its three-letter codes); causes merge
# its failure mechanisms (what physically happened) and failure causes (why: design, operation,
# maintenance), as technicians report them on one list; remedies are its maintenance activities, with
# the service tasks (clean, lubricate, reset) that a technician names on their own.
DEFAULT_CODES: dict[str, list[tuple[str, str, str]]] = {
    FailureKind.PROBLEM: [
        ("BRD", "Breakdown", "Serious damage: the item does not work at all (seizure, breakage)."),
        ("FTS", "Fail to start on demand", "Does not start when asked to."),
        ("STP", "Fail to stop on demand", "Does not stop, or stops late, when asked to."),
        ("UST", "Spurious stop", "Unexpected shutdown."),
        ("FTF", "Fail to function on demand", "A valve, switch or protective device does not act when needed."),
        ("ELP", "External leakage – process medium", "Oil, gas, water or product leaks out."),
        ("ELU", "External leakage – utility medium", "Lubricant, cooling water or air leaks out."),
        ("INL", "Internal leakage", "Leakage inside the item (past seats, seals, tubes)."),
        ("VIB", "Vibration", "Abnormal vibration."),
        ("NOI", "Noise", "Abnormal noise."),
        ("OHE", "Overheating", "Parts or the medium run too hot."),
        ("LOO", "Low output", "Delivers less than specified (flow, pressure, power)."),
        ("HIO", "High output", "Delivers more than specified."),
        ("ERO", "Erratic output", "Output oscillates or hunts."),
        ("PDE", "Parameter deviation", "A monitored value outside its tolerance."),
        ("AIR", "Abnormal instrument reading", "A false alarm or a faulty reading."),
        ("PLU", "Plugged / choked", "Flow blocked, fully or in part."),
        ("STD", "Structural deficiency", "Cracks, wear or material damage of the structure."),
        ("SER", "Minor in-service problem", "Loose items, discoloration, dirt."),
        ("OTH", "Other", "A failure mode none of these describes (say which in the order)."),
    ],
    FailureKind.CAUSE: [
        ("WEAR", "Wear", "Material removed by rubbing or abrasion; includes expected wear and tear."),
        ("CORROSION", "Corrosion", "Chemical or electrochemical attack of the material."),
        ("EROSION", "Erosion", "Material removed by the flow of a medium or particles."),
        ("FATIGUE", "Fatigue", "A crack grown under repeated load."),
        ("CAVITATION", "Cavitation", "Vapour bubbles collapsing in a pump or valve."),
        ("BREAKAGE", "Breakage", "Fracture or rupture of a part."),
        ("DEFORMATION", "Deformation", "Bent, buckled or dented."),
        ("LOOSENESS", "Looseness", "Loosened fastenings or connections."),
        ("MISALIGNMENT", "Misalignment / clearance", "Shafts, belts or parts out of alignment or clearance."),
        ("STICKING", "Sticking", "Seized, jammed or stuck."),
        ("OVERHEAT", "Overheating (mechanism)", "Damage from heat: too much load, too little cooling."),
        ("BLOCKAGE", "Blockage", "Plugged by debris, scale, ice or hydrates."),
        ("CONTAMINATION", "Contamination", "Dirt, water or a foreign substance in the medium, oil or air."),
        ("LUBRICATION", "Lubrication failure", "Too little, too much, the wrong or degraded lubricant."),
        ("ELECTRICAL", "Electrical fault", "Short circuit, open circuit, earth fault, lost or faulty power."),
        ("CONTROL", "Control or instrument failure", "Faulty signal, no signal, out of adjustment, software."),
        ("EXTERNAL", "External influence", "Weather, flooding, impact, a failure elsewhere."),
        ("OPERATION", "Operating error", "Operated outside its design or against the procedure."),
        ("MAINTENANCE", "Maintenance error", "Work done wrongly or not done (wrong part, wrong setting)."),
        ("DESIGN", "Design deficiency", "Inadequate design or wrong material for the duty."),
        ("INSTALLATION", "Fabrication or installation error", "Made or installed wrongly."),
        ("NOCAUSE", "No cause found", "Investigated; no cause found."),
        ("UNKNOWN", "Unknown", "Not investigated, or not known."),
    ],
    FailureKind.REMEDY: [
        ("REPLACE", "Replace", "The item or a part replaced by a new or overhauled one."),
        ("REPAIR", "Repair", "Repaired in place."),
        ("ADJUST", "Adjust", "Brought back within tolerance (alignment, setting, tension)."),
        ("CLEAN", "Clean", "Cleaned or unblocked."),
        ("LUBRICATE", "Lubricate", "Lubricant topped up or changed."),
        ("MODIFY", "Modify", "Changed in design or material so it fails less."),
        ("RESET", "Reset / restart", "Reset, restarted or switched over; nothing else done."),
        ("REFIT", "Refit", "Reassembled or refitted after being taken apart."),
        ("OVERHAUL", "Overhaul", "Taken apart and restored as a whole."),
        ("CHECK", "Check / test", "Checked or tested; no fault found."),
        ("COMBINATION", "Combination", "Several of these."),
        ("OTHER", "Other", "Another activity (say which in the order)."),
    ],
}


@transaction.atomic
def failure_codes_load_defaults() -> dict[str, int]:
    """Create the default failure codes that do not exist yet (by kind and code); return how many were
    created and how many existed. Existing codes keep their administrators' edits."""
    existing = set(FailureCode.objects.values_list("kind", "code"))
    missing = [
        FailureCode(kind=kind, code=code, name=name, description=description)
        for kind, codes in DEFAULT_CODES.items()
        for code, name, description in codes
        if (kind, code) not in existing
    ]
    # One by one, not bulk_create: each code gets its history row ("created by the default set").
    for code in missing:
        code._change_reason = "default set"  # type: ignore[attr-defined]
        code.save()
    total = sum(len(codes) for codes in DEFAULT_CODES.values())
    return {"created": len(missing), "existing": total - len(missing)}


# --- Failure codes ---------------------------------------------------------------------------
FAILURE_FIELDS = {
    "failure_problem": FailureKind.PROBLEM,
    "failure_cause": FailureKind.CAUSE,
    "failure_remedy": FailureKind.REMEDY,
}


def failure_code_choices(order: WorkOrder, kind: str) -> FailureCodeQuerySet:
    """The active codes of ``kind`` that apply to the order's entity (its resource type's and the general
    ones); the completion form offers these."""
    resource_type_id = order.resource.resource_type_id if order.resource_id and order.resource else None
    return FailureCode.objects.choices_for(kind, resource_type_id)


def failure_codes_asked(order: WorkOrder) -> bool:
    """Whether completing the order asks what failed: corrective work and its rework (planned work may
    give codes through the API, but its form does not ask)."""
    return order.kind in (OrderKind.CORRECTIVE, OrderKind.REWORK)


def failure_codes_required(order: WorkOrder) -> bool:
    """Problem and cause are required to complete corrective work (setting ``FAILURE_CODES_REQUIRED``),
    unless no problem code applies to the order's entity: an order is never stuck for lack of codes."""
    if not settings.FAILURE_CODES_REQUIRED or order.kind != OrderKind.CORRECTIVE:
        return False
    return failure_code_choices(order, FailureKind.PROBLEM).exists()


def check_failure_codes(order: WorkOrder, given: dict[str, FailureCode | None]) -> None:
    """Set the given codes on the order and check them all: each of its field's kind, active, for the
    order's resource type, a cause that may follow the problem and a remedy that may follow the cause,
    and problem and cause given where required. Raises ``ValidationError`` by field."""
    errors: dict[str, str] = {}
    resource_type_id = order.resource.resource_type_id if order.resource_id and order.resource else None
    ids = {name: code.pk for name, code in given.items() if code is not None}
    codes = {
        code.pk: code
        for code in FailureCode.objects.filter(pk__in=ids.values()).prefetch_related("parents", "resource_types")
    }
    for name, kind in FAILURE_FIELDS.items():
        if name not in ids:
            continue
        code = codes.get(ids[name])
        if code is None or code.kind != kind:
            errors[name] = _("Choose a %(kind)s code.") % {"kind": FailureKind(kind).label.lower()}
            continue
        if not code.active:
            errors[name] = _("%(code)s is no longer in use; choose another.") % {"code": code}
            continue
        types = [t.pk for t in code.resource_types.all()]
        if types and resource_type_id not in types:
            errors[name] = _("%(code)s does not apply to this equipment.") % {"code": code}
            continue
        setattr(order, name, code)
    if errors:
        raise ValidationError(errors)
    problem, cause, remedy = order.failure_problem, order.failure_cause, order.failure_remedy
    if cause is not None and not codes.get(cause.pk, cause).may_follow(problem):
        errors["failure_cause"] = _("%(cause)s is not a cause of %(problem)s.") % {"cause": cause, "problem": problem}
    if remedy is not None and not codes.get(remedy.pk, remedy).may_follow(cause):
        errors["failure_remedy"] = _("%(remedy)s is not a remedy for %(cause)s.") % {"remedy": remedy, "cause": cause}
    if failure_codes_required(order):
        if problem is None:
            errors["failure_problem"] = _("Say what failed (the problem) to complete corrective work.")
        if cause is None:
            errors["failure_cause"] = _("Say why it failed (the cause) to complete corrective work.")
    if errors:
        raise ValidationError(errors)
