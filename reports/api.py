"""The KPIs through the API: the same numbers as the dashboards, with the same filters.

- ``GET /api/v1/kpis/``: every KPI's key, label, unit, definition and which way is better;
- ``GET /api/v1/kpis/values/``: every KPI tile of the dashboard for the period (``grain``, containing ``date``):
  its value, the previous period's, the trend and the URL of the list behind it; with ``count`` > 1, also the KPI
  table (every KPI per period, oldest first) over the ``count`` periods ending with it;
- ``GET /api/v1/kpis/backlog/``: open orders and estimated hours at the end of the period, by age and priority;
- ``GET /api/v1/kpis/top-resources/?by=downtime|cost``: the ten resources with the most downtime or cost;
- ``GET /api/v1/kpis/failure-causes/``: the Pareto of failure causes.

Filters everywhere: ``site``, ``area``, ``resource``, ``resource_type``, ``criticality`` (the scope; another
site's id answers 400, never its data), ``grain`` (week/month/quarter/year) and ``date`` (a day of the period;
default today). Who may: the roles that see the dashboards (Supervisors, Planners, Administrators) and
Integrators, over the sites they see; others get 403.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from assets.models import Area, Criticality, Resource, ResourceType
from core.roles import ADMINISTRATOR, INTEGRATOR, PLANNER, SUPERVISOR
from core.scoping import has_role, visible_site_ids
from reports import dashboard
from reports.kpis import costs, failures, orders, people, stock
from reports.kpis.common import GRAINS, Period, Scope, period_containing
from reports.views import DASHBOARD_PERMISSION, may_see_dashboards

MAX_PERIODS = 36


class SeesKpis(BasePermission):
    """The dashboards' roles, and Integrators (who feed ERPs and BI tools from the API)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return may_see_dashboards(user) or (user.has_perm(DASHBOARD_PERMISSION) and has_role(user, INTEGRATOR))


class KpiQuerySerializer(serializers.Serializer):
    """The scope and period of a KPI request, checked against the sites the user sees."""

    site = serializers.IntegerField(required=False, min_value=1)
    area = serializers.IntegerField(required=False, min_value=1)
    resource = serializers.IntegerField(required=False, min_value=1)
    resource_type = serializers.IntegerField(required=False, min_value=1)
    criticality = serializers.ChoiceField(choices=Criticality.choices, required=False)
    grain = serializers.ChoiceField(choices=list(GRAINS), required=False, default="month")
    date = serializers.DateField(required=False)
    count = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PERIODS, default=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        site_ids = visible_site_ids(self.context["request"].user)
        errors: dict[str, Any] = {}
        if "site" in attrs and not Area.objects.sites().in_sites(site_ids).filter(pk=attrs["site"]).exists():
            errors["site"] = [_("No such site among the sites you see.")]
        if "area" in attrs:
            area = Area.objects.in_sites(site_ids).filter(pk=attrs["area"]).only("path").first()
            if area is None:
                errors["area"] = [_("No such area among the sites you see.")]
            else:
                attrs["area_path"] = area.path
        if "resource" in attrs and not Resource.objects.in_sites(site_ids).filter(pk=attrs["resource"]).exists():
            errors["resource"] = [_("No such resource among the sites you see.")]
        if "resource_type" in attrs and not ResourceType.objects.filter(pk=attrs["resource_type"]).exists():
            errors["resource_type"] = [_("No such resource type.")]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["scope"] = Scope(
            site_ids=site_ids,
            site_id=attrs.get("site"),
            area_path=attrs.get("area_path"),
            resource_id=attrs.get("resource"),
            resource_type_id=attrs.get("resource_type"),
            criticality=attrs.get("criticality"),
        )
        attrs["period"] = period_containing(attrs["grain"], attrs.get("date") or timezone.localdate())
        return attrs


SCOPE_PARAMETERS = [
    OpenApiParameter("site", int, description="A site id (default: every site you see)"),
    OpenApiParameter("area", int, description="An area id: everything in it counts"),
    OpenApiParameter("resource", int, description="A resource id"),
    OpenApiParameter("resource_type", int, description="A resource type id"),
    OpenApiParameter("criticality", int, enum=Criticality.values, description="Resources of this criticality"),
    OpenApiParameter("grain", str, enum=list(GRAINS), description="week, month (default), quarter or year"),
    OpenApiParameter("date", OpenApiTypes.DATE, description="A day of the period (default: today)"),
]


def period_json(period: Period) -> dict[str, Any]:
    return {"label": period.label, "grain": period.grain, "first_day": period.first_day, "end_day": period.end_day}


KPI_DEFINITIONS = inline_serializer(
    "KpiDefinition",
    {
        "key": serializers.CharField(),
        "family": serializers.CharField(),
        "label": serializers.CharField(),
        "unit": serializers.CharField(),
        "definition": serializers.CharField(),
        "better": serializers.CharField(),
    },
    many=True,
)


class KpiViewSet(viewsets.ViewSet):
    """KPIs over a scope and period: definitions, values per period, backlog, top resources, failure causes."""

    permission_classes = [SeesKpis]
    roles_allowed = (SUPERVISOR, PLANNER, ADMINISTRATOR, INTEGRATOR)  # what SeesKpis lets in (tests check it)

    def _query(self, request: Request) -> dict[str, Any]:
        query = KpiQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return query.validated_data

    @extend_schema(responses={200: KPI_DEFINITIONS}, summary="Every KPI and its definition")
    def list(self, request: Request) -> Response:
        families = [
            ("orders", orders.ORDER_KPIS),
            ("cost", costs.COST_KPIS),
            ("people", people.PEOPLE_KPIS),
            ("stock", stock.STOCK_KPIS),
            ("failures", failures.FAILURE_KPIS),
        ]
        return Response(
            [
                {
                    "key": key,
                    "family": family,
                    "label": str(definition.label),
                    "unit": definition.unit,
                    "definition": str(definition.definition),
                    "better": definition.better,
                }
                for family, definitions in families
                for key, definition in definitions.items()
            ]
        )

    @extend_schema(
        parameters=[
            *SCOPE_PARAMETERS,
            OpenApiParameter(
                "count", int, description=f"How many periods, ending with the one of date (1-{MAX_PERIODS})"
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary="KPI values per period",
    )
    @action(detail=False, methods=["get"])
    def values(self, request: Request) -> Response:
        query = self._query(request)
        scope: Scope = query["scope"]
        period: Period = query["period"]
        tiles = [
            {
                "key": tile.key,
                "family": str(tile.family),
                "label": str(tile.definition.label),
                "unit": tile.definition.unit,
                "value": tile.value,
                "previous": tile.previous,
                "trend": tile.trend,
                "trend_quality": tile.trend_quality,
                "drilldown": request.build_absolute_uri(tile.link) if tile.link else None,
            }
            for tile in dashboard.dashboard_tiles(scope, period)
        ]
        body: dict[str, Any] = {"scope": scope.query_params(), "period": period_json(period), "tiles": tiles}
        if query["count"] > 1:
            table = dashboard.kpi_table(scope, period, query["count"])
            body["table"] = {
                "columns": [{"key": c.key, "label": str(c.label), "unit": c.unit} for c in table.columns],
                "periods": [period_json(p) for p in table.periods],
                "rows": table.rows,
            }
        return Response(body)

    @extend_schema(parameters=SCOPE_PARAMETERS, responses={200: OpenApiTypes.OBJECT}, summary="Backlog")
    @action(detail=False, methods=["get"])
    def backlog(self, request: Request) -> Response:
        query = self._query(request)
        breakdown = orders.backlog_breakdown(query["scope"], query["period"])

        def row(item: dict[str, Any]) -> dict[str, Any]:
            return {
                "key": item["key"],
                "label": str(item["label"]),
                "orders": item["orders"],
                "hours": item["hours"],
                "drilldown": request.build_absolute_uri(orders.order_list_url(item["query"])),
            }

        return Response(
            {
                "period": period_json(query["period"]),
                "day": breakdown["day"],
                "orders": breakdown["orders"],
                "hours": breakdown["hours"],
                "unestimated": breakdown["unestimated"],
                "drilldown": request.build_absolute_uri(orders.order_list_url(breakdown["query"])),
                "by_age": [row(item) for item in breakdown["by_age"]],
                "by_priority": [row(item) for item in breakdown["by_priority"]],
            }
        )

    @extend_schema(
        parameters=[
            *SCOPE_PARAMETERS,
            OpenApiParameter("by", str, enum=["downtime", "cost"], description="Rank by downtime (default) or cost"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary="Top 10 resources by downtime or cost",
    )
    @action(detail=False, methods=["get"], url_path="top-resources")
    def top_resources(self, request: Request) -> Response:
        query = self._query(request)
        by = request.query_params.get("by", "downtime")
        if by not in ("downtime", "cost"):
            raise serializers.ValidationError({"by": [_("Rank by downtime or cost.")]})
        scope, period = query["scope"], query["period"]
        if by == "downtime":
            rows: Any = [
                {**item, "url": request.build_absolute_uri(item["url"])}
                for item in orders.top_resources_by_downtime(scope, period)
            ]
        else:
            rows = {
                currency: [
                    {
                        "resource_id": item.resource_id,
                        "tag": item.tag,
                        "name": item.name,
                        "site": item.site_id,
                        "labour": item.cost.labour,
                        "parts": item.cost.parts,
                        "external": item.cost.external,
                        "contracts": item.cost.contracts,
                        "total": item.total,
                    }
                    for item in items
                ]
                for currency, items in costs.top_resources_by_cost(scope, period).items()
            }
        return Response({"period": period_json(period), "by": by, "resources": rows})

    @extend_schema(
        parameters=SCOPE_PARAMETERS, responses={200: OpenApiTypes.OBJECT}, summary="Pareto of failure causes"
    )
    @action(detail=False, methods=["get"], url_path="failure-causes")
    def failure_causes(self, request: Request) -> Response:
        query = self._query(request)
        scope, period = query["scope"], query["period"]
        causes = [
            {
                "code": row.code,
                "name": str(row.name),
                "orders": row.orders,
                "downtime_hours": row.downtime_hours,
                "cumulative_share": row.cumulative_share,
                "drilldown": request.build_absolute_uri(failures.drilldown(scope, period, row.code_id)),
            }
            for row in failures.failure_pareto(scope, period)
        ]
        return Response({"period": period_json(period), "causes": causes})


ROUTES: list[tuple[str, Any, str]] = [("kpis", KpiViewSet, "kpi")]
