"""What each work-order KPI is, as the screens, the exports and the API name and explain it (the
definition text is written on screen beside the number). Computed by ``reports.kpis.orders``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from reports.kpis.common import KpiDefinition

ORDER_KPIS: dict[str, KpiDefinition] = {
    kpi.key: kpi
    for kpi in [
        KpiDefinition(
            "mtbf_hours",
            _("MTBF"),
            "h",
            _(
                "Mean time between failures: the operating hours of the resources in scope in the period (the "
                "period's hours, up to now, times the resources that are not retired, minus their downtime hours, "
                "down or on hold) divided by the breakdowns reported in the period (corrective orders on a "
                "resource, by creation time)."
            ),
            "higher",
            ("reliability",),
        ),
        KpiDefinition(
            "mttr_hours",
            _("MTTR"),
            "h",
            _(
                "Mean time to repair, over the breakdowns (corrective orders on a resource) closed as accepted in "
                "the period: from the start of the downtime the breakdown caused to the end of that downtime; for "
                "a breakdown without a downtime period, from its report to the completion of its work."
            ),
            "lower",
            ("reliability",),
        ),
        KpiDefinition(
            "availability",
            _("Availability"),
            "%",
            _(
                "The share of the resources' time in the period (the period's hours, up to now, times the "
                "resources in scope that are not retired) when they were neither down nor on hold."
            ),
            "higher",
            ("reliability",),
        ),
        KpiDefinition(
            "breakdowns",
            _("Breakdowns"),
            "count",
            _("Corrective orders on a resource reported (created) in the period."),
            "lower",
            ("reliability",),
        ),
        KpiDefinition(
            "pm_compliance",
            _("PM compliance"),
            "%",
            _(
                "Of the planned (preventive) orders whose late-due point falls in the period and has passed, the "
                "share closed as accepted by their late-due point. Skipped, canceled and still open ones count "
                "as missed."
            ),
            "higher",
            ("schedule",),
        ),
        KpiDefinition(
            "schedule_adherence",
            _("Schedule adherence"),
            "%",
            _(
                "Of the planned orders due in the period whose late-due point (their due point if they have "
                "none) has passed, the share closed as accepted within their window: not before their early-due "
                "point, not after their late-due point (their due point if they have none)."
            ),
            "higher",
            ("schedule",),
        ),
        KpiDefinition(
            "backlog_orders",
            _("Backlog"),
            "count",
            _("Orders open at the end of the period (now, for the current period): created and not yet closed."),
            "lower",
            ("backlog",),
        ),
        KpiDefinition(
            "backlog_hours",
            _("Backlog hours"),
            "h",
            _(
                "The estimated hours of the orders open at the end of the period: the estimated duration of "
                "each order's activity (orders without an activity or an estimate add none and are counted "
                "apart)."
            ),
            "lower",
            ("backlog",),
        ),
        KpiDefinition(
            "overdue_orders",
            _("Overdue orders"),
            "count",
            _(
                "Orders open at the end of the period (now, for the current period) and past their late-due "
                "point then (their due point if they have no late-due point)."
            ),
            "lower",
            ("backlog",),
        ),
        KpiDefinition(
            "planned_share",
            _("Planned work"),
            "%",
            _(
                "Of the planned and corrective orders closed as accepted in the period, the share of planned "
                "ones (rework orders redo work already counted and are left out)."
            ),
            "higher",
            ("work mix",),
        ),
        KpiDefinition(
            "unplanned_share",
            _("Unplanned work"),
            "%",
            _(
                "Of the planned and corrective orders closed as accepted in the period, the share of corrective "
                "ones (breakdowns and requests)."
            ),
            "lower",
            ("work mix",),
        ),
        KpiDefinition(
            "rework_rate",
            _("Rework rate"),
            "%",
            _(
                "Of the orders whose work was completed in the period, the share whose work was not accepted "
                "and went to rework (closed as reworked)."
            ),
            "lower",
            ("quality",),
        ),
        KpiDefinition(
            "downtime_hours",
            _("Downtime"),
            "h",
            _(
                "Hours the resources in scope (not retired) were down or on hold in the period (a period still "
                "open counts up to now). The list shows the orders that caused downtime in the period; downtime marked by "
                "hand is on each resource's page."
            ),
            "lower",
            ("reliability",),
        ),
    ]
}
