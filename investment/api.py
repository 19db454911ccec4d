"""REST API of investment planning: the resources of the user's sites with health, risk and replacement
year (filters as on the ranking screen), one resource's replacement moved to another year (the same
service as the forecast screen), and the replacement forecast per year and site against the budgets.

Both answer by the permission to see assessed resources (``investment.view_assessedresource``: Supervisors,
Planners, Administrators, Integrators); moving a replacement needs ``change_resourcelifecycle``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assets.models import Area, Resource
from core.api.viewsets import ReadOnlyViewSet
from core.scoping import visible_site_ids
from investment import services
from investment.filters import ResourceRiskFilterSet
from investment.forecast import replacement_forecast
from investment.health import assessed_resources, risk_class
from investment.models import AssessedResource

RESOURCE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The resource's id.")


class ResourceRiskSerializer(serializers.ModelSerializer):
    """A resource with its health (and each component), criticality, risk and replacement."""

    site = serializers.IntegerField(source="area.site_id", read_only=True)
    site_name = serializers.CharField(source="area.site.name", read_only=True)
    health = serializers.FloatField(read_only=True, help_text=_("0-100, 100 as new."))
    age_score = serializers.FloatField(read_only=True, allow_null=True)
    condition_score = serializers.FloatField(read_only=True)
    breakdown_score = serializers.FloatField(read_only=True)
    open_work_score = serializers.FloatField(read_only=True)
    condition_health = serializers.FloatField(read_only=True, help_text=_("The health without the age score."))
    age_years = serializers.FloatField(read_only=True, allow_null=True)
    expected_life_years = serializers.IntegerField(source="life_years", read_only=True, allow_null=True)
    breakdowns = serializers.IntegerField(read_only=True, help_text=_("Corrective orders in the last 3 years."))
    open_corrective = serializers.IntegerField(read_only=True)
    consequence = serializers.IntegerField(source="consequence_level", read_only=True)
    likelihood_before_health = serializers.IntegerField(source="likelihood_base", read_only=True)
    likelihood = serializers.IntegerField(source="likelihood_level", read_only=True)
    risk = serializers.IntegerField(read_only=True, help_text=_("Consequence x likelihood, 1-25."))
    risk_class = serializers.SerializerMethodField()
    end_of_life_year = serializers.IntegerField(read_only=True, allow_null=True)
    planned_year = serializers.IntegerField(read_only=True, allow_null=True)
    replacement_year = serializers.IntegerField(read_only=True, allow_null=True)
    replacement_cost = serializers.DecimalField(
        source="replacement_cost_today", max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    currency = serializers.CharField(source="cost_currency", read_only=True, allow_null=True)

    class Meta:
        model = Resource
        fields = [
            "id",
            "tag",
            "name",
            "site",
            "site_name",
            "resource_type",
            "health",
            "age_score",
            "condition_score",
            "breakdown_score",
            "open_work_score",
            "condition_health",
            "age_years",
            "expected_life_years",
            "breakdowns",
            "open_corrective",
            "consequence",
            "likelihood_before_health",
            "likelihood",
            "risk",
            "risk_class",
            "end_of_life_year",
            "planned_year",
            "replacement_year",
            "replacement_cost",
            "currency",
        ]
        read_only_fields = fields

    def get_risk_class(self, resource: Any) -> str:
        return risk_class(resource.risk)[0]


class ReplacementMoveSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        allow_null=True,
        min_value=2000,
        max_value=2100,
        help_text=_("A year of the forecast's horizon; null: back to the year the forecast computes."),
    )


@extend_schema_view(retrieve=extend_schema(parameters=[RESOURCE_ID]))
class ResourceRiskViewSet(ReadOnlyViewSet):
    """Resources in service of the user's sites, highest risk first. Filters: ``site``, ``resource_type``,
    ``consequence``, ``likelihood`` (after the health adjustment), ``min_risk``, ``q``; ``?ordering=``
    by ``risk``, ``health``, ``replacement_year``, ``tag``."""

    queryset = AssessedResource.objects.all()
    serializer_class = ResourceRiskSerializer
    filterset_class = ResourceRiskFilterSet
    ordering_fields = ["id", "tag", "risk", "health", "replacement_year", "updated_at"]
    action_permissions = {"move_replacement": [services.PLAN_PERMISSION]}

    def get_queryset(self) -> QuerySet[Any]:
        resources = assessed_resources(self.site_ids, now=timezone.now(), model=AssessedResource)
        resources = resources.select_related("area__site")
        return resources.order_by("-risk", "health", "tag")

    @extend_schema(parameters=[RESOURCE_ID], request=ReplacementMoveSerializer, responses={200: ResourceRiskSerializer})
    @action(detail=True, methods=["post"], url_path="move-replacement")
    def move_replacement(self, request: Request, pk: Any = None) -> Response:
        """Plan the resource's replacement for another year of the horizon (400 outside it)."""
        resource = self.get_object()
        serializer = ReplacementMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.replacement_move(resource=resource, year=serializer.validated_data["year"], user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=resource.pk)).data)


class ForecastQuerySerializer(serializers.Serializer):
    site = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text=_("One site's id."))
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text=_("One year."))

    def validate_site(self, value: int) -> int:
        site_ids = visible_site_ids(self.context["request"].user)
        if (site_ids is not None and value not in site_ids) or not Area.objects.sites().filter(pk=value).exists():
            raise serializers.ValidationError(_("Choose one of your sites."))
        return value


class ForecastLineSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    site = serializers.IntegerField(source="site_id")
    site_name = serializers.CharField()
    currency = serializers.CharField(help_text=_("Empty when the replacement cost is unknown."))
    replacements = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("Of which past their end of life already."))
    cost_today = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    cost = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text=_("Inflated to the year.")
    )
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    difference = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text=_("Budget left (negative: over budget).")
    )
    status = serializers.ChoiceField(choices=["no_cost", "no_budget", "over_budget", "within_budget"])


class ForecastSerializer(serializers.Serializer):
    first_year = serializers.IntegerField()
    last_year = serializers.IntegerField()
    inflation_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    unplaced = serializers.IntegerField(help_text=_("Resources without an expected life or a service date."))
    beyond_horizon = serializers.IntegerField()
    lines = ForecastLineSerializer(many=True)


class OneObjectSchema(AutoSchema):
    """The forecast's ``list`` answers one object (the horizon and its lines), not a list of them."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class ReplacementForecastViewSet(viewsets.GenericViewSet):
    """The replacement forecast of the user's sites: per year, site and currency, the replacements due,
    their cost inflated to the year, the site's budget and what is left of it."""

    queryset = AssessedResource.objects.all()  # the permissions' model; the rows are forecast lines
    serializer_class = ForecastSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    schema = OneObjectSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("site", OpenApiTypes.INT, description="One site's id."),
            OpenApiParameter("year", OpenApiTypes.INT, description="Only this year's lines."),
        ],
        responses={200: ForecastSerializer},
    )
    def list(self, request: Request) -> Response:
        query = ForecastQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        forecast = replacement_forecast(
            visible_site_ids(request.user), now=timezone.now(), site_id=query.validated_data.get("site")
        )
        year = query.validated_data.get("year")
        lines = [line for line in forecast.lines if year is None or line.year == year]
        data = {
            "first_year": forecast.first_year,
            "last_year": forecast.last_year,
            "inflation_rate": forecast.inflation_rate,
            "unplaced": forecast.unplaced,
            "beyond_horizon": forecast.beyond_horizon,
            "lines": lines,
        }
        return Response(ForecastSerializer(data).data)


ROUTES = [
    ("resource-risks", ResourceRiskViewSet, "resourcerisk"),
    ("replacement-forecast", ReplacementForecastViewSet, "replacementforecast"),
]
