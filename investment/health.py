"""Health, criticality and risk of resources, computed in SQL for every resource of a scope at once.

``with_health(resources, now=...)`` annotates a queryset of resources; every figure below is a column of
one query (correlated subqueries over the work-order history, no query per resource), so a list, its
filters, its sorting and its pages all read the same numbers.

**Health (0-100, 100 = as new)** is the weighted mean of four component scores, each 0-100:

============  ======  ==========================================================================
component     weight  score
============  ======  ==========================================================================
age           40 %    ``100 x (1 - age / expected life)``, at least 0: age counts completed months
                      since installation (the purchase date when there is none); the expected life
                      is the resource's own, else its type's
condition     25 %    ``100 - 10 per "warning" - 25 per "action" data value - 20 per failed
                      checklist answer`` recorded on the resource's orders in the last 12 months
                      (the last inspections' results), at least 0
breakdowns    20 %    ``100 - 20 x corrective orders per year`` over the last 3 years (or the years
                      in service when fewer, but at least one), at least 0: five a year score 0.
                      Rejected, canceled and joined requests are not breakdowns.
open work     15 %    ``100 - 25 per open corrective order``, at least 0
============  ======  ==========================================================================

A resource without an expected life or without a service date has no age score: its health is the
weighted mean of the other three (weights 25, 20 and 15 out of 60). That mean of the other three is also
kept on its own as the **condition health**: the replacement forecast scales the remaining life by it
(age is the remaining life itself, so counting it again would pull every ageing but sound asset forward).

Condition alarms of their own (issue 15) do not exist yet: the condition component reads the limit
evaluations of collected data and the failed checklist answers, which is what inspections record today.

**Criticality**: a consequence of failure and a likelihood of failure, each 1-5, from the resource's own
figures, else its type's; a resource whose type has none takes the likelihood 3 and a consequence from its
criticality (low 2, medium 3, high 4, critical 5). **The likelihood rises with poor health**: one step
below health 70, two steps below health 40, never above 5. **Risk = consequence x adjusted likelihood**
(1-25): the cell of the 5x5 matrix the resource is in, ranked highest first.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Ceil,
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Floor,
    Greatest,
    Least,
)
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.models import Criticality, EntityStatus, Resource
from core.queries import count_of
from orders.models import ChecklistAnswer, DataValue, ExecutionState, OrderKind, WorkOrder
from orders.models.workorders import OPEN_STATES

WEIGHT_AGE = 40
WEIGHT_CONDITION = 25
WEIGHT_BREAKDOWNS = 20
WEIGHT_OPEN_WORK = 15
WEIGHTS_WITHOUT_AGE = WEIGHT_CONDITION + WEIGHT_BREAKDOWNS + WEIGHT_OPEN_WORK

CONDITION_WINDOW = datetime.timedelta(days=365)
PENALTY_WARNING = 10
PENALTY_ACTION = 25
PENALTY_FAILED_CHECK = 20
BREAKDOWN_YEARS = 3
POINTS_PER_BREAKDOWN_A_YEAR = 20
POINTS_PER_OPEN_ORDER = 25
# Requests that did not turn out to be a breakdown of the resource.
NOT_BREAKDOWNS = (ExecutionState.REJECTED, ExecutionState.CANCELED, ExecutionState.CLOSED_AS_JOINED)

DEFAULT_LIKELIHOOD = 3
CONSEQUENCE_OF_CRITICALITY = {
    Criticality.LOW: 2,
    Criticality.MEDIUM: 3,
    Criticality.HIGH: 4,
    Criticality.CRITICAL: 5,
}
# (health below, likelihood steps added), checked in order.
LIKELIHOOD_STEPS = ((40, 2), (70, 1))
MAX_LEVEL = 5
# The thresholds are evenly spaced, one more step per threshold: ``likelihood_steps`` relies on it.
SPACING = LIKELIHOOD_STEPS[1][0] - LIKELIHOOD_STEPS[0][0]
if not all(
    later - earlier == SPACING and steps - fewer == 1
    for (earlier, steps), (later, fewer) in itertools.pairwise(LIKELIHOOD_STEPS)
):
    raise ValueError("LIKELIHOOD_STEPS must be evenly spaced thresholds, one step apart")
# Floating-point products such as 10 x 0.8 may land a hair below the whole year they mean.
EPSILON = 1e-9

# The risk classes of the matrix: (lowest risk of the class, key, label).
RISK_CLASSES = (
    (15, "extreme", _("Extreme")),
    (10, "high", _("High")),
    (5, "medium", _("Medium")),
    (1, "low", _("Low")),
)

WEIGHTING = [
    (
        _("Age"),
        WEIGHT_AGE,
        _("100 × (1 − age ÷ expected life), at least 0; age from installation (else purchase), in completed months"),
    ),
    (
        _("Condition"),
        WEIGHT_CONDITION,
        _(
            "100 − 10 per warning and − 25 per action-needed data value, − 20 per failed checklist answer, "
            "on the resource's orders in the last 12 months; at least 0"
        ),
    ),
    (
        _("Breakdowns"),
        WEIGHT_BREAKDOWNS,
        _(
            "100 − 20 × corrective orders per year over the last 3 years (the years in service when fewer, "
            "at least one); rejected, canceled and joined requests do not count; at least 0"
        ),
    ),
    (_("Open corrective work"), WEIGHT_OPEN_WORK, _("100 − 25 per open corrective order; at least 0")),
]


def risk_class(risk: int | None) -> tuple[str, Any]:
    """The class (key, label) of a risk of 1-25."""
    for lowest, key, label in RISK_CLASSES:
        if risk is not None and risk >= lowest:
            return key, label
    return "none", _("None")


def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    """The same moment ``years`` calendar years earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def likelihood_steps(health: Any) -> Any:
    """The likelihood steps of ``LIKELIHOOD_STEPS`` for a health, as one expression that names the health
    once (a ``CASE`` would inline the health, and its subqueries, once per threshold): with thresholds
    ``SPACING`` apart, one step per ``SPACING`` below the highest threshold, rounded up, between 0 and the
    most steps. Health exactly at a threshold takes the steps of the one above it ("below" is strict)."""
    top = float(LIKELIHOOD_STEPS[-1][0])
    most = max(steps for _below, steps in LIKELIHOOD_STEPS)
    steps = Ceil((Value(top) - health) / Value(float(SPACING)))
    return Cast(Least(Value(float(most)), Greatest(Value(0.0), steps)), IntegerField())


def _sum_of(queryset: QuerySet[Any], expression: Any) -> Coalesce:
    """The sum of ``expression`` over the rows of a correlated subquery (0 when there are none)."""
    summed = queryset.order_by().annotate(total=Func(expression, function="SUM")).values("total")
    return Coalesce(Subquery(summed, output_field=IntegerField()), 0)


def _float(expression: Any) -> Cast:
    return Cast(expression, FloatField())


def _at_least_zero(expression: Any) -> Greatest:
    return Greatest(Value(0.0), expression)


# What a list needs to show (``components=False``): the rest is computed inside these, not selected.
LIST_FIGURES = frozenset(
    {
        "health",
        "consequence_level",
        "likelihood_base",
        "likelihood_level",
        "risk",
        "replacement_cost_today",
        "cost_currency",
        "end_of_life_year",
        "planned_year",
        "replacement_year",
    }
)


def with_health(
    resources: QuerySet[Resource], *, now: datetime.datetime, components: bool = True
) -> QuerySet[Resource]:
    """``resources`` with their health, its components, criticality, risk, replacement cost and
    end-of-life year as annotations (see the module's docstring for every rule).

    ``components=False`` selects only ``LIST_FIGURES`` (the components are aliases, used inside them):
    the database inlines every selected figure with the subqueries it is made of, so a list that does not
    show the components asks for a third of the work."""
    today = timezone.localdate(now)
    on_resource = {"order__resource": OuterRef("pk")}
    findings = DataValue.objects.filter(
        **on_resource,
        recorded_at__gte=now - CONDITION_WINDOW,
        evaluation__in=[DataValue.Evaluation.WARNING, DataValue.Evaluation.ACTION],
    )
    failed = ChecklistAnswer.objects.filter(**on_resource, passed=False, answered_at__gte=now - CONDITION_WINDOW)
    corrective = WorkOrder.objects.filter(resource=OuterRef("pk"), kind=OrderKind.CORRECTIVE)
    breakdowns = corrective.filter(created_at__gte=years_before(now, BREAKDOWN_YEARS)).exclude(
        execution_state__in=NOT_BREAKDOWNS
    )
    start = F("service_start")
    age_unknown = Q(service_start__isnull=True) | Q(life_years__isnull=True)
    consequence_of_criticality = Case(
        *[When(criticality=level, then=Value(value)) for level, value in CONSEQUENCE_OF_CRITICALITY.items()],
        default=Value(3),
    )
    figures: dict[str, Any] = {
        "service_start": Coalesce("installation_date", "purchase_date"),
        "life_years": Coalesce("lifecycle__expected_life_years", "resource_type__lifecycle__expected_life_years"),
        "age_months": (Value(today.year) - ExtractYear(start)) * 12
        + (Value(today.month) - ExtractMonth(start))
        - Case(When(GreaterThan(ExtractDay(start), Value(today.day)), then=Value(1)), default=Value(0)),
        "age_years": _float(F("age_months")) / Value(12.0),
        "age_score": Case(
            When(age_unknown, then=None),
            default=_at_least_zero(
                Least(Value(100.0), Value(100.0) * (Value(1.0) - F("age_years") / _float(F("life_years"))))
            ),
            output_field=FloatField(),
        ),
        "warning_findings": count_of(findings.filter(evaluation=DataValue.Evaluation.WARNING)),
        "action_findings": count_of(findings.filter(evaluation=DataValue.Evaluation.ACTION)),
        "failed_checks": count_of(failed),
        "condition_score": _at_least_zero(
            Value(100.0)
            - _float(
                F("warning_findings") * PENALTY_WARNING
                + F("action_findings") * PENALTY_ACTION
                + F("failed_checks") * PENALTY_FAILED_CHECK
            )
        ),
        "breakdowns": count_of(breakdowns),
        "breakdown_window_years": Case(
            When(service_start__isnull=True, then=Value(float(BREAKDOWN_YEARS))),
            default=Greatest(Value(1.0), Least(Value(float(BREAKDOWN_YEARS)), F("age_years"))),
            output_field=FloatField(),
        ),
        "breakdown_rate": _float(F("breakdowns")) / F("breakdown_window_years"),
        "breakdown_score": _at_least_zero(
            Value(100.0) - F("breakdown_rate") * Value(float(POINTS_PER_BREAKDOWN_A_YEAR))
        ),
        "open_corrective": count_of(corrective.filter(execution_state__in=OPEN_STATES)),
        "open_work_score": _at_least_zero(Value(100.0) - _float(F("open_corrective") * POINTS_PER_OPEN_ORDER)),
        "condition_health": (
            F("condition_score") * WEIGHT_CONDITION
            + F("breakdown_score") * WEIGHT_BREAKDOWNS
            + F("open_work_score") * WEIGHT_OPEN_WORK
        )
        / Value(float(WEIGHTS_WITHOUT_AGE)),
        # The age's weight counts only with an age score. Written so ``condition_health`` (five subqueries)
        # appears once: the database inlines every reference to an annotation.
        "health": (Coalesce(F("age_score") * WEIGHT_AGE, Value(0.0)) + F("condition_health") * WEIGHTS_WITHOUT_AGE)
        / (
            Case(When(age_score__isnull=True, then=Value(0.0)), default=Value(float(WEIGHT_AGE)))
            + Value(float(WEIGHTS_WITHOUT_AGE))
        ),
        "consequence_level": Coalesce(
            "lifecycle__consequence", "resource_type__lifecycle__consequence", consequence_of_criticality
        ),
        "likelihood_base": Coalesce(
            "lifecycle__likelihood", "resource_type__lifecycle__likelihood", Value(DEFAULT_LIKELIHOOD)
        ),
        "likelihood_steps": likelihood_steps(F("health")),
        "likelihood_level": Least(Value(MAX_LEVEL), F("likelihood_base") + F("likelihood_steps")),
        "risk": F("consequence_level") * F("likelihood_level"),
        "replacement_cost_today": Coalesce("lifecycle__replacement_cost", "resource_type__lifecycle__replacement_cost"),
        "cost_currency": Case(
            When(
                Q(lifecycle__replacement_cost__isnull=False) & Q(lifecycle__currency__gt=""),
                then=F("lifecycle__currency"),
            ),
            When(replacement_cost_today__isnull=False, then=F("resource_type__lifecycle__currency")),
            default=None,
        ),
        "nominal_end_year": ExtractYear(start) + F("life_years"),
        "end_of_life_year": Case(
            When(age_unknown, then=None),
            When(LessThanOrEqual(F("nominal_end_year"), Value(today.year)), then=F("nominal_end_year")),
            default=Value(today.year)
            + Cast(
                Floor(
                    _float(F("nominal_end_year") - Value(today.year)) * F("condition_health") / Value(100.0)
                    + Value(EPSILON)
                ),
                IntegerField(),
            ),
            output_field=IntegerField(),
        ),
        "planned_year": F("lifecycle__planned_replacement_year"),
        "replacement_year": Coalesce("planned_year", "end_of_life_year"),
    }
    for name, expression in figures.items():
        keep = components or name in LIST_FIGURES
        resources = resources.annotate(**{name: expression}) if keep else resources.alias(**{name: expression})
    return resources


def assessed_resources(
    site_ids: list[int] | None,
    *,
    now: datetime.datetime,
    model: type[Resource] = Resource,
    components: bool = True,
) -> QuerySet[Any]:
    """The resources in service (not retired) of these sites (``None``: every site), with their health
    (as ``model``: ``Resource`` or a proxy of it; ``components``: see ``with_health``)."""
    resources = model.objects.in_sites(site_ids).exclude(status=EntityStatus.RETIRED)
    return with_health(resources, now=now, components=components)
