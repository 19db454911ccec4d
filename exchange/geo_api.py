"""GeoJSON of the sites through the API: ``/api/v1/geo/sites/`` lists the sites the user sees (with how many
of their areas and resources have a position), ``/api/v1/geo/sites/<id>/`` is one site's FeatureCollection
(RFC 7946, ``application/geo+json``; ``?status=`` and ``?late=true`` filter it as the map screen does).
Another site's id answers 404, errors are JSON (``application/json``)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from assets.models import Area, EntityStatus, Resource
from core.api.permissions import RolePermissions
from core.api.viewsets import ReadOnlyViewSet
from core.queries import count_of
from exchange.geojson_export import GEOJSON_CONTENT_TYPE, site_features


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON_CONTENT_TYPE
    format = "geojson"


class SeesResources(BasePermission):
    """The features are resources as much as areas: reading them needs both view permissions."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user.has_perm("assets.view_resource"))


class GeoFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=EntityStatus.choices, required=False, allow_blank=True, default="")
    late = serializers.BooleanField(required=False, default=False)


class GeoSiteSerializer(serializers.ModelSerializer):
    geojson = serializers.SerializerMethodField(help_text="URL of the site's GeoJSON FeatureCollection.")
    placed_areas = serializers.IntegerField(read_only=True, help_text="Areas with coordinates or an outline.")
    placed_resources = serializers.IntegerField(read_only=True, help_text="Resources with their own coordinates.")

    class Meta:
        model = Area
        fields = ["id", "code", "name", "geojson", "placed_areas", "placed_resources", "updated_at"]

    def get_geojson(self, site: Area) -> str:
        return str(self.context["request"].build_absolute_uri(reverse("api:geo-site-detail", args=[site.pk])))


class GeoSiteViewSet(ReadOnlyViewSet):
    """Sites as GeoJSON: the list says which sites there are, a site's detail is its FeatureCollection."""

    queryset = Area.objects.sites()
    serializer_class = GeoSiteSerializer
    permission_classes = [RolePermissions, SeesResources]
    ordering_fields = ["id", "code", "name", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        queryset = queryset.in_sites(site_ids)  # type: ignore[attr-defined]
        if self.action != "list":
            return queryset
        return queryset.annotate(
            placed_areas=count_of(
                Area.objects.filter(site_id=OuterRef("pk")).filter(Q(latitude__isnull=False) | Q(outline__isnull=False))
            ),
            placed_resources=count_of(Resource.objects.filter(area__site_id=OuterRef("pk"), latitude__isnull=False)),
        ).order_by("name", "pk")

    def get_renderers(self) -> list[BaseRenderer]:
        if getattr(self, "action", None) == "retrieve":
            return [GeoJSONRenderer(), JSONRenderer()]
        return super().get_renderers()

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400 and self.action == "retrieve":
            response.content_type = "application/json"  # an error is not a FeatureCollection
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=EntityStatus.values, description="Only resources of this status (areas have none)."
            ),
            OpenApiParameter("late", bool, description="Only what has late open work orders."),
        ],
        responses={
            (200, GEOJSON_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="An RFC 7946 FeatureCollection of the site's areas and resources."
            )
        },
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        site = self.get_object()
        filters = GeoFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        features = site_features(
            [site.pk], user=request.user, base_url=request.build_absolute_uri("/").rstrip("/")
        ).filtered(status=filters.validated_data["status"], late_only=filters.validated_data["late"])
        return Response(features.collection(), content_type=GEOJSON_CONTENT_TYPE)
