"""REST API of data exchange.

- ``POST /api/v1/imports/`` (multipart: ``format``, ``file``, ``mode`` = ``dry_run`` (default) | ``all`` |
  ``valid_rows``, and the format's options ``site``, ``target``, ``mapping``) runs ``services.import_run``
  and answers 201 with the run and its report (rows per sheet, what they become, every problem with sheet,
  row and column). A refused file or a run with problems is still 201: the run says what happened.
- ``POST /api/v1/imports/{id}/import/`` with ``{"mode": "all" | "valid_rows"}`` follows a dry run with the
  real import of the same file.
- ``GET /api/v1/imports/`` and ``/{id}/``: the user's runs (administrators: every run).
- ``GET /api/v1/exports/{format}/?site=<id>&target=<register>`` downloads an export.
- ``/api/v1/geo/sites/`` (``exchange.geo_api``): sites as GeoJSON; ``/api/v1/calendar-feeds/``
  (``exchange.calendar_api``): the user's secret calendar feeds.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from assets.models import Area
from core.api.viewsets import BaseViewSetMixin
from core.scoping import visible_site_ids
from exchange import registry, services
from exchange.calendar_api import CalendarFeedViewSet
from exchange.files import max_bytes
from exchange.geo_api import GeoSiteViewSet
from exchange.models import ColumnMapping, ImportMode, ImportRun


class ImportRunSerializer(serializers.ModelSerializer):
    """A run and its report. ``report.problems`` lists ``{sheet, row, column, message}``."""

    created_by = serializers.StringRelatedField()

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "format",
            "original_name",
            "size",
            "options",
            "mode",
            "outcome",
            "report",
            "follows",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportRequestSerializer(serializers.Serializer):
    format = serializers.CharField(max_length=20)
    file = serializers.FileField()
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.DRY_RUN)
    site = serializers.IntegerField(required=False, min_value=1, help_text="A site id (COBie, IFC, GeoJSON).")
    target = serializers.CharField(required=False, max_length=40, help_text="The register of a CSV file.")
    mapping = serializers.IntegerField(required=False, min_value=1, help_text="A saved column mapping (CSV).")

    def validate_format(self, value: str) -> str:
        if value not in registry.importers():
            raise serializers.ValidationError(
                _("Unknown format; use one of: %(known)s.") % {"known": ", ".join(sorted(registry.importers()))}
            )
        return value

    def validate_file(self, value: Any) -> Any:
        if value.size > max_bytes():
            raise serializers.ValidationError(
                _("The file is %(size).1f MB; the limit for an import is %(limit).1f MB.")
                % {"size": value.size / 1_048_576, "limit": max_bytes() / 1_048_576}
            )
        return value

    def validate_site(self, value: int) -> int:
        user = self.context["request"].user
        if not Area.objects.sites().in_sites(visible_site_ids(user)).filter(pk=value).exists():
            raise serializers.ValidationError(_("No such site among the sites you see."))
        return value

    def validate_mapping(self, value: int) -> int:
        if not ColumnMapping.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("No such column mapping."))
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        wanted = registry.importer(data["format"]).options
        if "target" in wanted and not data.get("target"):
            raise serializers.ValidationError({"target": [_("Say which register the file holds.")]})
        return data


FOLLOW_MODES = [
    (ImportMode.ALL_OR_NOTHING.value, "Import (nothing written if any row has a problem)"),
    (ImportMode.VALID_ROWS.value, "Import the valid rows, skip the others"),
]


class ConfirmSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=FOLLOW_MODES, default=ImportMode.ALL_OR_NOTHING)


class ImportRunViewSet(BaseViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Import runs: create one (a dry run by default), follow a dry run with the import, read reports."""

    queryset = ImportRun.objects.select_related("created_by")
    serializer_class = ImportRunSerializer
    filterset_fields = ["format", "mode", "outcome"]
    ordering_fields = ["id", "created_at", "updated_at"]
    action_permissions = {"confirm": ["exchange.add_importrun"]}

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return services.runs_visible_to(self.request.user).filter(pk__in=queryset.values("pk"))

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={201: ImportRunSerializer},
        summary="Import a file (a dry run unless mode says otherwise)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ImportRequestSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        wanted = registry.importer(data["format"]).options
        options = {name: data[name] for name in ("site", "target", "mapping") if name in wanted and name in data}
        run = services.import_run(
            format=data["format"],
            upload=services.Upload(data["file"].name, data["file"]),
            user=request.user,
            options=options,
            mode=data["mode"],
        )
        return Response(ImportRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmSerializer, responses={201: ImportRunSerializer}, summary="Import after a dry run")
    @action(detail=True, methods=["post"], url_path="import", url_name="import")
    def confirm(self, request: Request, pk: Any = None) -> Response:
        run = self.get_object()
        given = ConfirmSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            follow = services.import_confirm(run=run, user=request.user, mode=given.validated_data["mode"])
        except ValueError as error:
            raise serializers.ValidationError({"detail": str(error)}) from error
        return Response(ImportRunSerializer(follow).data, status=status.HTTP_201_CREATED)


EXPORT_FORMATS = inline_serializer(
    name="ExportFormat",
    fields={
        "format": serializers.CharField(),
        "label": serializers.CharField(),
        "extension": serializers.CharField(),
        "options": serializers.ListField(child=serializers.CharField()),
    },
    many=True,
)


class ExportViewSet(viewsets.ViewSet):
    """Downloads: ``GET /api/v1/exports/{format}/`` with ``site`` and (CSV) ``target``."""

    permission_classes = [IsAuthenticated]
    lookup_field = "name"
    lookup_value_regex = "[a-z0-9_-]{1,20}"

    @extend_schema(responses={200: EXPORT_FORMATS}, summary="The export formats", operation_id="exports_list")
    def list(self, request: Request) -> Response:
        return Response(
            [
                {"format": key, "label": str(item.label), "extension": item.extension, "options": list(item.options)}
                for key, item in sorted(registry.exporters().items())
                if not item.permission or request.user.has_perm(item.permission)
            ]
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("site", int, description="A site id; default: every site you see"),
            OpenApiParameter("target", str, description="The register (CSV)"),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="Download an export",
        operation_id="exports_download",
    )
    def retrieve(self, request: Request, name: str | None = None) -> Any:
        if name not in registry.exporters():
            return Response({"detail": _("Unknown export format.")}, status=status.HTTP_404_NOT_FOUND)
        exporter = registry.exporter(name)
        options: dict[str, Any] = {}
        site = request.query_params.get("site")
        if site:
            if not site.isdigit() or not (
                Area.objects.sites().in_sites(visible_site_ids(request.user)).filter(pk=int(site)).exists()
            ):
                return Response({"site": [_("No such site among the sites you see.")]}, status=400)
            options["site"] = int(site)
        elif "site_required" in exporter.options:
            return Response({"site": [_("Say which site to export.")]}, status=400)
        target = request.query_params.get("target")
        if "target" in exporter.options:
            if not target:
                return Response({"target": [_("Say which register to export.")]}, status=400)
            options["target"] = target
        try:
            content, filename, content_type = services.export_file(format=name, user=request.user, options=options)
        except ValueError as error:
            return Response({"detail": str(error)}, status=400)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


ROUTES: list[tuple[str, Any, str]] = [
    ("imports", ImportRunViewSet, "importrun"),
    ("exports", ExportViewSet, "export"),
    ("geo/sites", GeoSiteViewSet, "geo-site"),
    ("calendar-feeds", CalendarFeedViewSet, "calendarfeed"),
]
